//! The hot-path random oracles of DKLs23 signing (issue 13): BLAKE3 where the spec's TH
//! (SHA-256, spec §1) would be called thousands of times per signing. Each oracle has its own
//! derive-key context (BLAKE3 §2.3, domain separation); inside one, every input has a fixed
//! layout per call site, so no length prefix is needed for injectivity. Outputs come from the
//! XOF, so one call yields every block, pad or scalar a step needs. The standards keep their
//! hashes: RFC 9380 hash-to-curve, BIP32's HMAC-SHA512, RFC 9591's SHA-512, and TH/Hs for
//! every low-volume oracle (commitments, proofs, session ids).
#![forbid(unsafe_code)]

use k256::elliptic_curve::ops::Reduce;
use k256::{FieldBytes, Scalar, U256};
use zeroize::{Zeroize, Zeroizing};

/// One oracle: BLAKE3 keyed by `derive_key(context, session id)`; secrets enter as input.
#[derive(Clone)]
pub struct Oracle([u8; 32]);

impl Oracle {
    /// The oracle `context` bound to the session id `sid`.
    pub fn new(context: &str, sid: &[u8; 32]) -> Self {
        Oracle(blake3::derive_key(context, sid))
    }

    /// Runs `read` on the XOF over the concatenated `input`, then wipes the hasher and reader
    /// (inputs may be secret: base-OT seeds, OT columns).
    fn with_reader<T>(
        &self,
        input: &[&[u8]],
        read: impl FnOnce(&mut blake3::OutputReader) -> T,
    ) -> T {
        let mut h = blake3::Hasher::new_keyed(&self.0);
        for i in input {
            h.update(i);
        }
        let mut xof = h.finalize_xof();
        h.zeroize();
        let out = read(&mut xof);
        xof.zeroize();
        out
    }

    /// Fills `out` from the XOF over the concatenated `input`.
    pub fn fill(&self, input: &[&[u8]], out: &mut [u8]) {
        self.with_reader(input, |xof| xof.fill(out));
    }

    /// `N` scalars, each 32 XOF bytes read big-endian and reduced mod q (as the spec's Hs).
    pub fn scalars<const N: usize>(&self, input: &[&[u8]]) -> [Scalar; N] {
        self.with_reader(input, |xof| {
            [(); N].map(|_| {
                let mut b = Zeroizing::new([0u8; 32]);
                xof.fill(&mut b[..]);
                <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&b[..]))
            })
        })
    }
}
