//! What the three signing rounds share: the request, the per-signing context, the payload
//! lengths and the per-run session ids (module doc of `sign`).
#![forbid(unsafe_code)]

use crate::common::round::Expects;
use crate::common::wire::{Header, Protocol, SessionId};
use crate::dkls23::keygen::setup_sid;
use crate::dkls23::keys::KeyShare;
use crate::dkls23::primitives::{mul, ot_ext};
use crate::hash::sid;
use k256::{ProjectivePoint, Scalar};
use zeroize::Zeroizing;

/// Round-one payload: sign_id (32) ‖ nonce (32) ‖ Com(R_i) (32) ‖ M1.
pub(super) const R1_LEN: usize = 32 + NONCE_LEN + 32 + ot_ext::MSG_LEN;
/// The per-run nonce every signer contributes in round 1.
pub const NONCE_LEN: usize = 32;
pub(super) const R2_LEN: usize = 33 + 64 + 33 + 33 + 33 + 32 + mul::M2_LEN;
pub(super) const R3_LEN: usize = 64;

/// A finished ECDSA signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdsaSignature {
    /// r ‖ s, low-s.
    pub signature: [u8; 64],
    /// Recovery id (0..3).
    pub recovery_id: u8,
    /// The (possibly derived) public key the signature verifies under, compressed.
    pub public_key: [u8; 33],
}

/// What the signers agree to run.
pub struct SignRequest {
    /// Session id (fresh per signing; never reused).
    pub session: SessionId,
    /// Signer ids, ascending, at least `threshold`, including the local party.
    pub signers: Vec<u16>,
    /// The 32-byte message digest (the caller hashes).
    pub digest: [u8; 32],
    /// BIP32 non-hardened path; empty for the master key.
    pub path: Vec<u32>,
}

pub(crate) struct Ctx {
    /// `EcdsaSign`, or `EcdsaPresign` for a presigning (rounds 1–2 only, `dkls23::presign`).
    pub(crate) protocol: Protocol,
    pub(crate) key: KeyShare,
    pub(crate) signers: Vec<u16>,
    pub(crate) others: Vec<u16>,
    pub(crate) sign_sid: [u8; 32],
    pub(crate) session: SessionId,
    pub(crate) digest: [u8; 32],
    pub(crate) public_key: ProjectivePoint,
    pub(crate) x: Zeroizing<Scalar>,
}

impl Ctx {
    pub(crate) fn me(&self) -> u16 {
        self.key.id
    }
    /// The spec's sid_M(B, A) for this request (the same in every run of the session id).
    pub(super) fn pair_sid(&self, bob: u16, alice: u16) -> [u8; 32] {
        sid(
            b"mul",
            &[
                &setup_sid(&self.key.public.epoch, bob, alice),
                &self.sign_sid,
            ],
        )
    }
    /// What round `round` expects from every other signer.
    pub(super) fn expects(&self, round: u8, direct: bool, payload_len: usize) -> Expects {
        Expects {
            protocol: self.protocol,
            session: self.session,
            round,
            me: self.key.id,
            direct,
            payload_len,
        }
    }
    pub(super) fn header(&self, round: u8, receiver: u16) -> Header {
        Header {
            protocol: self.protocol,
            session: self.session,
            round,
            sender: self.key.id,
            receiver,
        }
    }
}

/// sid_ext of instance (B, A): Bob's nonce only (module doc).
pub(super) fn ext_sid(pair_sid: &[u8; 32], bob_nonce: &[u8; NONCE_LEN]) -> [u8; 32] {
    sid(b"ot-ext", &[pair_sid, bob_nonce])
}

/// (sid_run, sid_pad) of instance (B, A): both nonces (module doc).
pub(super) fn run_sids(
    pair_sid: &[u8; 32],
    bob_nonce: &[u8; NONCE_LEN],
    alice_nonce: &[u8; NONCE_LEN],
) -> ([u8; 32], [u8; 32]) {
    let run = sid(b"mul-run", &[pair_sid, bob_nonce, alice_nonce]);
    let pad = sid(b"ot-pad", &[&run]);
    (run, pad)
}
