//! The secret polynomial f_i and its Feldman commitment φ_i0..φ_i(t-1), each evaluated by
//! Horner's rule.
#![forbid(unsafe_code)]

use crate::frost::suite;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::Identity;
use curve25519_dalek::Scalar;

/// Evaluates f(x) = Σ a_k x^k by Horner's rule.
pub(super) fn evaluate(coefficients: &[Scalar], x: u16) -> Scalar {
    let x = suite::identifier(x);
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, a| acc * x + a)
}

/// Evaluates Σ φ_k x^k in the exponent (Figure 1, round 2 step 2).
pub(super) fn evaluate_commitment(commitment: &[EdwardsPoint], x: u16) -> EdwardsPoint {
    let x = suite::identifier(x);
    commitment
        .iter()
        .rev()
        .fold(EdwardsPoint::identity(), |acc, phi| acc * x + phi)
}
