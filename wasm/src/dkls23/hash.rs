//! Hashing for DKLs23 (implementer's spec §1): TH(tag, c1..cm) = SHA-256 over each field
//! length-prefixed with be64, tags `dkls23/<name>/v1`; Hs = TH reduced mod q; and the
//! commitment Com of §2.1, bound to session, sender and receiver.
#![forbid(unsafe_code)]

use k256::elliptic_curve::ops::Reduce;
use k256::{Scalar, U256};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Oracle tags (spec §1); ours are under `tessera/` where the spec names none.
#[allow(missing_docs)]
pub mod tag {
    pub const COMMITMENT: &[u8] = b"dkls23/commitment/v1";
    pub const DLOG_FISCHLIN: &[u8] = b"dkls23/proofs/dlog/fischlin/v1";
    pub const ENC_FS: &[u8] = b"dkls23/proofs/enc/fs/v1";
    pub const ZERO_SHARE: &[u8] = b"dkls23/zero-share/fragment/v1";
    pub const OT_BASE_H2C_DST: &[u8] = b"dkls23/ot/base/h2c/v1";
    pub const OT_BASE_MSG: &[u8] = b"dkls23/ot/base/msg/v1";
    pub const OT_EXT_PRG: &[u8] = b"dkls23/ot/extension/prg/v1";
    pub const OT_EXT_CHI: &[u8] = b"dkls23/ot/extension/chi/v1";
    pub const OT_EXT_RANDOMIZE: &[u8] = b"dkls23/ot/extension/randomize/v1";
    pub const MUL_GADGET: &[u8] = b"dkls23/mul/gadget/v1";
    pub const MUL_CHI_TILDE: &[u8] = b"dkls23/mul/chi-tilde/v1";
    pub const MUL_CHI_HAT: &[u8] = b"dkls23/mul/chi-hat/v1";
    pub const MUL_VERIFY: &[u8] = b"dkls23/mul/verify/v1";
    /// Digest of Bob's M1 and the after-τ challenge seed (issue 11; not in the spec's tag list).
    pub const MUL_M1: &[u8] = b"tessera/dkls23/mul/m1/v1";
    pub const MUL_CHALLENGE: &[u8] = b"tessera/dkls23/mul/challenge/v1";
    pub const SID: &[u8] = b"tessera/dkls23/sid/v1";
    pub const CONFIRM: &[u8] = b"tessera/dkls23/dkg/confirm/v1";
    pub const P2P_KEY: &[u8] = b"tessera/dkls23/p2p-key/v1";
    pub const SIGN_REQUEST: &[u8] = b"tessera/dkls23/sign/request/v1";
}

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
        <Scalar as Reduce<U256>>::from_be_bytes_reduced(self.0.finalize())
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

/// Com(m) of spec §2.1, bound to session, sender and receiver (0 for a broadcast).
pub fn commit(session: &[u8], sender: u16, receiver: u16, salt: &[u8; 64], m: &[u8]) -> [u8; 32] {
    th(tag::COMMITMENT, &[session, &sender.to_be_bytes(), &receiver.to_be_bytes(), salt, m])
}

/// Checks an opening in constant time.
pub fn opens(c: &[u8], session: &[u8], sender: u16, receiver: u16, salt: &[u8; 64], m: &[u8]) -> bool {
    bool::from(commit(session, sender, receiver, salt, m).ct_eq(c))
}
