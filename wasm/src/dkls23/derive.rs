//! BIP32 non-hardened derivation for threshold keys (spec §6): every party adds the same tweak
//! τ = Σ IL to its share, which works because Lagrange coefficients over any signer set sum to 1.
#![forbid(unsafe_code)]

use super::curve::enc_point;
use crate::common::error::{Error, ErrorCode, Result};
use hmac::{Hmac, Mac};
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::PrimeField;
use k256::{FieldBytes, ProjectivePoint, Scalar};
use sha2::Sha512;

/// Largest number of path elements accepted.
pub const MAX_DEPTH: usize = 255;

/// The derived public key, chain code and the accumulated tweak τ.
pub struct Derived {
    /// Child public key.
    pub public_key: ProjectivePoint,
    /// Child chain code.
    pub chain: [u8; 32],
    /// Σ IL along the path.
    pub tweak: Scalar,
}

/// Follows `path` (each index < 2^31) from (pk, chain) per BIP32 CKDpub.
pub fn derive(public_key: &ProjectivePoint, chain: &[u8; 32], path: &[u32]) -> Result<Derived> {
    if path.len() > MAX_DEPTH {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "derivation path is too long",
        ));
    }
    let mut d = Derived {
        public_key: *public_key,
        chain: *chain,
        tweak: Scalar::ZERO,
    };
    for c in path {
        if *c >= 1 << 31 {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "hardened derivation is impossible for a threshold key",
            ));
        }
        let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(&d.chain)
            .map_err(|_| Error::local(ErrorCode::InvalidParameters, "bad chain code"))?;
        mac.update(&enc_point(&d.public_key));
        mac.update(&c.to_be_bytes());
        let i = mac.finalize().into_bytes();
        let il = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(&i[..32])))
            .ok_or_else(|| {
                Error::local(
                    ErrorCode::InvalidParameters,
                    "derivation index is invalid (IL >= q); use the next index",
                )
            })?;
        let child = d.public_key + ProjectivePoint::GENERATOR * il;
        if bool::from(child.is_identity()) {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "derivation index is invalid (identity); use the next index",
            ));
        }
        d.public_key = child;
        d.chain.copy_from_slice(&i[32..]);
        d.tweak += il;
    }
    Ok(d)
}
