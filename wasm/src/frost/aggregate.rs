//! RFC 9591 §5.3 aggregation and §5.4 signature-share verification.
#![forbid(unsafe_code)]

use super::round2::SigningContext;
use super::suite::{self, Commitment};
use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
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
    // Every input is public (z_i was sent in the clear), so one variable-time multiscalar
    // multiplication checks G·z_i − D_i − ρ_i·E_i − (c·λ_i)·PK_i = O.
    let residue = EdwardsPoint::vartime_multiscalar_mul(
        [*z, -Scalar::ONE, -rho, -(ctx.challenge * lambda)],
        [
            curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
            commitment.hiding,
            commitment.binding,
            *public_share,
        ],
    );
    if residue.is_identity() {
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
    // Public inputs: R ?= G·z − c·PK, variable time.
    let r =
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&-ctx.challenge, group_public_key, &z);
    if r != ctx.group_commitment {
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
