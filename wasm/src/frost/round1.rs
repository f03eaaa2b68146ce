//! RFC 9591 §5.1 round one: nonces and their commitments.
#![forbid(unsafe_code)]

use super::suite::{self, Commitment};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A signer's secret nonce pair. No `Clone`: it is moved into `round2::sign` and dropped
/// (zeroized) there, so a nonce can sign at most once.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SigningNonces {
    pub(crate) hiding: Scalar,
    pub(crate) binding: Scalar,
}

impl core::fmt::Debug for SigningNonces {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningNonces(<redacted>)")
    }
}

/// RFC 9591 §5.1 commit: two nonces from nonce_generate (§4.1) over the signer's secret share,
/// with the 64 random bytes supplied by the caller (hiding randomness first).
pub(crate) fn commit_with_randomness(
    id: u16,
    secret: &Scalar,
    hiding_randomness: &[u8; 32],
    binding_randomness: &[u8; 32],
) -> (SigningNonces, Commitment) {
    let nonces = SigningNonces {
        hiding: suite::nonce_generate(hiding_randomness, secret),
        binding: suite::nonce_generate(binding_randomness, secret),
    };
    let commitment = Commitment {
        id,
        hiding: EdwardsPoint::mul_base(&nonces.hiding),
        binding: EdwardsPoint::mul_base(&nonces.binding),
    };
    (nonces, commitment)
}
