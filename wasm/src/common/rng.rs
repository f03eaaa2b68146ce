//! Randomness: the host supplies a fresh 32-byte seed per call (`crypto.getRandomValues`); the
//! core expands it with ChaCha20. Nothing here touches getrandom.
//!
//! The generator is secret state (its key and buffered block predict every later nonce, pad and
//! choice bit), and `rand_chacha` implements no `Zeroize`, so [`Rng`] wipes it on drop.
#![deny(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use zeroize::Zeroize;

/// A host-seeded ChaCha20 generator that overwrites its whole state when dropped. It derefs to
/// `ChaCha20Rng`, so protocol code keeps taking `&mut ChaCha20Rng`.
pub struct Rng(ChaCha20Rng);

impl core::ops::Deref for Rng {
    type Target = ChaCha20Rng;
    fn deref(&self) -> &ChaCha20Rng {
        &self.0
    }
}

impl core::ops::DerefMut for Rng {
    fn deref_mut(&mut self) -> &mut ChaCha20Rng {
        &mut self.0
    }
}

impl Rng {
    fn wipe(&mut self) {
        // A zero-keyed generator has a zero key, counter and stream, and an empty (zeroed)
        // result buffer: writing one over the live state leaves nothing of the seed. The write is
        // volatile so that it is not removed as a dead store; `ChaCha20Rng` has no drop glue, so
        // overwriting without dropping the old value is sound.
        let wiped = ChaCha20Rng::from_seed([0u8; 32]);
        #[allow(unsafe_code)]
        // SAFETY: `&mut self.0` is a valid, aligned, exclusive pointer to an initialised
        // `ChaCha20Rng`, and the value written is a valid `ChaCha20Rng`.
        unsafe {
            core::ptr::write_volatile(&mut self.0, wiped);
        }
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Rng {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// A ChaCha20 generator seeded by the host; refuses short or all-zero seeds.
pub fn from_seed(seed: &[u8]) -> Result<Rng> {
    if seed.len() != 32 {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "seed must be 32 bytes",
        ));
    }
    if seed.iter().all(|b| *b == 0) {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "seed must not be all zero",
        ));
    }
    let mut s = [0u8; 32];
    s.copy_from_slice(seed);
    let rng = Rng(ChaCha20Rng::from_seed(s));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The wipe replaces the state by the zero-keyed generator's: nothing of the seed is left.
    #[test]
    fn wipe_overwrites_the_generator_state() {
        let mut rng = from_seed(&[9; 32]).unwrap();
        let _ = rng.next_u32();
        let zero = ChaCha20Rng::from_seed([0u8; 32]);
        assert!(*rng != zero);
        rng.wipe();
        assert!(*rng == zero);
        assert_eq!(rng.get_word_pos(), 0);
    }
}
