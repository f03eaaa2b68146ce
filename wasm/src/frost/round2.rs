//! RFC 9591 §5.2 round two: a signer's signature share.
#![forbid(unsafe_code)]

use super::keys::KeyPackage;
use super::round1::SigningNonces;
use super::suite::{self, Commitment};
use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;

/// What every signer derives from the same commitment list and message (RFC 9591 §4.4–4.6).
pub struct SigningContext {
    /// Signer identifiers, ascending.
    pub ids: Vec<u16>,
    /// Binding factors in `ids` order (§4.4).
    pub binding_factors: Vec<(u16, Scalar)>,
    /// Group commitment R (§4.5).
    pub group_commitment: EdwardsPoint,
    /// Challenge c (§4.6).
    pub challenge: Scalar,
}

impl SigningContext {
    /// Computes the context from a commitment list sorted by identifier.
    pub fn new(group_public_key: &EdwardsPoint, list: &[Commitment], msg: &[u8]) -> Self {
        let binding_factors = suite::compute_binding_factors(group_public_key, list, msg);
        let group_commitment = suite::compute_group_commitment(list, &binding_factors);
        let challenge = suite::compute_challenge(&group_commitment, group_public_key, msg);
        SigningContext {
            ids: list.iter().map(|c| c.id).collect(),
            binding_factors,
            group_commitment,
            challenge,
        }
    }
}

/// RFC 9591 §5.2 sign: z_i = d_i + e_i·ρ_i + λ_i·s_i·c. Takes the nonces by value so they are
/// zeroized when this returns and can never sign twice.
pub fn sign(key: &KeyPackage, nonces: SigningNonces, ctx: &SigningContext) -> Result<Scalar> {
    let rho = suite::binding_factor_for(&ctx.binding_factors, key.id).map_err(|_| {
        Error::local(
            ErrorCode::InvalidIdentifier,
            "own identifier is not in the signer list",
        )
    })?;
    let lambda = suite::derive_interpolating_value(&ctx.ids, key.id)?;
    Ok(nonces.hiding + nonces.binding * rho + lambda * key.signing_share * ctx.challenge)
}
