//! The presignature blob (secret: store it encrypted, use it once, module doc of `presign`):
//! postcard, versioned and kind-tagged like the key blob (spec §3.2 "Persist"); every scalar
//! wiped on drop.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::MAX_PARTIES;
use crate::dkls23::curve::{dec_nonzero_scalar, dec_point, dec_scalar, enc_point, enc_scalar};
use k256::{ProjectivePoint, Scalar};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Presignature blob format version.
pub const PRESIGNATURE_VERSION: u8 = 1;
/// Blob kind tag: a DKLs23 secp256k1 presignature (key shares are 1 and 2).
pub const PRESIGNATURE_KIND: u8 = 3;
/// Largest presignature blob accepted (255 signers fit well below).
pub const MAX_PRESIGNATURE_LEN: usize = 4096;

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Blob {
    version: u8,
    kind: u8,
    sign_sid: [u8; 32],
    id: u16,
    signers: Vec<u16>,
    epoch: [u8; 32],
    public_key: Vec<u8>,
    chain: [u8; 32],
    big_r: Vec<u8>,
    phi: [u8; 32],
    u: [u8; 32],
    v: [u8; 32],
}

/// One signer's presignature: R = Σ R_j and its φ_i, u_i, v_i (secret), with the public facts
/// of the presigning (sid, party, signers, key epoch, master public key, chain code).
pub struct Presignature {
    pub(crate) sign_sid: [u8; 32],
    pub(crate) id: u16,
    pub(crate) signers: Vec<u16>,
    pub(crate) epoch: [u8; 32],
    pub(crate) public_key: ProjectivePoint,
    pub(crate) chain: [u8; 32],
    pub(crate) big_r: ProjectivePoint,
    pub(crate) phi: Zeroizing<Scalar>,
    pub(crate) u: Zeroizing<Scalar>,
    pub(crate) v: Zeroizing<Scalar>,
}

impl Presignature {
    /// This party's id.
    pub fn id(&self) -> u16 {
        self.id
    }
    /// The signers of the presigning (all of them sign online).
    pub fn signers(&self) -> &[u16] {
        &self.signers
    }
    /// The key's epoch.
    pub fn epoch(&self) -> [u8; 32] {
        self.epoch
    }
    /// The master public key, compressed.
    pub fn public_key(&self) -> [u8; 33] {
        enc_point(&self.public_key)
    }
    /// R = Σ R_j, compressed (before the online re-randomisation).
    pub fn big_r(&self) -> [u8; 33] {
        enc_point(&self.big_r)
    }

    /// Serialises for encrypted storage (secret).
    pub fn to_blob(&self) -> Result<Zeroizing<Vec<u8>>> {
        let blob = Blob {
            version: PRESIGNATURE_VERSION,
            kind: PRESIGNATURE_KIND,
            sign_sid: self.sign_sid,
            id: self.id,
            signers: self.signers.clone(),
            epoch: self.epoch,
            public_key: enc_point(&self.public_key).to_vec(),
            chain: self.chain,
            big_r: enc_point(&self.big_r).to_vec(),
            phi: enc_scalar(&self.phi),
            u: enc_scalar(&self.u),
            v: enc_scalar(&self.v),
        };
        crate::common::secret::to_blob(&blob)
    }

    /// Parses and checks a stored blob: version, kind, points on the curve, canonical scalars,
    /// the party among the signers.
    pub fn from_blob(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_PRESIGNATURE_LEN {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob exceeds the size limit",
            ));
        }
        let (blob, rest): (Blob, &[u8]) = postcard::take_from_bytes(bytes)
            .map_err(|_| Error::local(ErrorCode::Decode, "presignature blob does not parse"))?;
        if !rest.is_empty() {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob has trailing bytes",
            ));
        }
        if blob.version != PRESIGNATURE_VERSION {
            return Err(Error::local(
                ErrorCode::UnsupportedVersion,
                "unsupported presignature blob version",
            ));
        }
        if blob.kind != PRESIGNATURE_KIND {
            return Err(Error::local(
                ErrorCode::WrongProtocol,
                "blob is not a DKLs23 secp256k1 presignature",
            ));
        }
        let bad = |_| {
            Error::local(
                ErrorCode::Decode,
                "presignature blob holds an invalid point, scalar or signer list",
            )
        };
        crate::common::params::validate_identifiers(&blob.signers, MAX_PARTIES).map_err(bad)?;
        if blob.signers.len() < 2 || !blob.signers.contains(&blob.id) {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob has inconsistent signers",
            ));
        }
        Ok(Presignature {
            sign_sid: blob.sign_sid,
            id: blob.id,
            signers: blob.signers.clone(),
            epoch: blob.epoch,
            public_key: dec_point(&blob.public_key).map_err(bad)?,
            chain: blob.chain,
            big_r: dec_point(&blob.big_r).map_err(bad)?,
            phi: Zeroizing::new(dec_nonzero_scalar(&blob.phi).map_err(bad)?),
            u: Zeroizing::new(dec_scalar(&blob.u).map_err(bad)?),
            v: Zeroizing::new(dec_scalar(&blob.v).map_err(bad)?),
        })
    }
}
