//! Randomness: the host supplies a fresh 32-byte seed per call (`crypto.getRandomValues`); the
//! core expands it with ChaCha20. Nothing here touches getrandom.
#![forbid(unsafe_code)]

use crate::error::{Error, ErrorCode, Result};
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use zeroize::Zeroize;

/// A ChaCha20 generator seeded by the host; refuses short or all-zero seeds.
pub fn from_seed(seed: &[u8]) -> Result<ChaCha20Rng> {
    if seed.len() != 32 {
        return Err(Error::local(ErrorCode::InvalidParameters, "seed must be 32 bytes"));
    }
    if seed.iter().all(|b| *b == 0) {
        return Err(Error::local(ErrorCode::InvalidParameters, "seed must not be all zero"));
    }
    let mut s = [0u8; 32];
    s.copy_from_slice(seed);
    let rng = ChaCha20Rng::from_seed(s);
    s.zeroize();
    Ok(rng)
}

/// A uniformly random non-zero Ed25519 scalar (64 bytes reduced, so the bias is negligible).
pub fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    loop {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let s = Scalar::from_bytes_mod_order_wide(&wide);
        wide.zeroize();
        if s != Scalar::ZERO {
            return s;
        }
    }
}

/// 32 fresh random bytes.
pub fn random_bytes32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
