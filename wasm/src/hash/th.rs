//! TH and Hs of the implementer's spec §1: SHA-256 over each field length-prefixed with be64
//! (Hs reduced mod q), and the hardened session ids built from them.
#![forbid(unsafe_code)]

use super::tag;
use k256::elliptic_curve::ops::Reduce;
use k256::{Scalar, U256};
use sha2::{Digest, Sha256};

/// An incremental TH: `be64 |tag| ‖ tag`, then `be64 |c| ‖ c` per component. Cloneable, so a
/// common prefix is hashed once (Fischlin search, PRG rows).
#[derive(Clone)]
pub struct Th(Sha256);

impl Th {
    /// Starts TH under `tag`.
    pub fn new(tag: &[u8]) -> Self {
        let mut t = Th(Sha256::new());
        t.put(tag);
        t
    }

    /// Appends one length-prefixed component.
    pub fn put(&mut self, c: &[u8]) -> &mut Self {
        self.0.update((c.len() as u64).to_be_bytes());
        self.0.update(c);
        self
    }

    /// Appends one component given in pieces (their concatenation is length-prefixed once).
    pub fn put_parts(&mut self, parts: &[&[u8]]) -> &mut Self {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.0.update((len as u64).to_be_bytes());
        for p in parts {
            self.0.update(p);
        }
        self
    }

    /// The 32-byte digest.
    pub fn bytes(self) -> [u8; 32] {
        self.0.finalize().into()
    }

    /// Hs: the digest read big-endian and reduced mod q.
    pub fn scalar(self) -> Scalar {
        <Scalar as Reduce<U256>>::reduce_bytes(&self.0.finalize())
    }
}

/// TH over whole components.
pub fn th(tag: &[u8], components: &[&[u8]]) -> [u8; 32] {
    let mut t = Th::new(tag);
    for c in components {
        t.put(c);
    }
    t.bytes()
}

/// Hs over whole components.
pub fn hs(tag: &[u8], components: &[&[u8]]) -> Scalar {
    let mut t = Th::new(tag);
    for c in components {
        t.put(c);
    }
    t.scalar()
}

/// A 32-byte session id: TH over its fields as separate components (spec §1 hardening).
pub fn sid(label: &[u8], fields: &[&[u8]]) -> [u8; 32] {
    let mut t = Th::new(tag::SID);
    t.put(label);
    for f in fields {
        t.put(f);
    }
    t.bytes()
}
