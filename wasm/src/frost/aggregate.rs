//! RFC 9591 §5.3 aggregation and §5.4 signature-share verification.
#![forbid(unsafe_code)]

use super::round2::SigningContext;
use super::suite::{self, Commitment};
use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;

/// RFC 9591 §5.4 verify_signature_share: G·z_i ?= (D_i + ρ_i·E_i) + PK_i·(c·λ_i).
pub fn verify_signature_share(
    ctx: &SigningContext,
    commitment: &Commitment,
    public_share: &EdwardsPoint,
    z: &Scalar,
) -> Result<()> {
    let rho = suite::binding_factor_for(&ctx.binding_factors, commitment.id)?;
    let lambda = suite::derive_interpolating_value(&ctx.ids, commitment.id)?;
    let comm_share = commitment.hiding + commitment.binding * rho;
    let l = EdwardsPoint::mul_base(z);
    let r = comm_share + public_share * (ctx.challenge * lambda);
    if l == r {
        Ok(())
    } else {
        Err(Error::blame(
            ErrorCode::InvalidSignatureShare,
            commitment.id,
            "signature share fails RFC 9591 §5.4 verification",
        ))
    }
}

/// RFC 9591 §5.3 aggregate: (R, z = Σ z_i), then a final check that the signature verifies under
/// the group key (`InvalidSignature` means: quarantine the key, do not retry).
pub fn aggregate(
    ctx: &SigningContext,
    group_public_key: &EdwardsPoint,
    shares: &[Scalar],
) -> Result<[u8; 64]> {
    let z: Scalar = shares.iter().sum();
    if EdwardsPoint::mul_base(&z) != ctx.group_commitment + group_public_key * ctx.challenge {
        return Err(Error::local(
            ErrorCode::InvalidSignature,
            "aggregated signature does not verify",
        ));
    }
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&suite::serialize_element(&ctx.group_commitment));
    sig[32..].copy_from_slice(&suite::serialize_scalar(&z));
    Ok(sig)
}
