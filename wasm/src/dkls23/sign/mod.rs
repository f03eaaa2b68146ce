//! DKLs23 three-round signing (the paper's Protocol 3.6, spec §4) by any signer set of at least
//! `threshold` parties, optionally under a BIP32 child key (spec §6).
//!
//! R1 (direct): sign_id, the run nonce n_i, Com(R_i) and, as Bob towards each peer, M1.
//! R2 (direct): R_i's opening, pk_i, Γ^u, Γ^v, ψ and, as Alice, M2 with input (r_i, sk_i).
//! R3 (broadcast): (u_i, w_i), computed only after every check of Step 8 has passed.
//! Output (Step 10): s = Σw / Σu, low-s normalised, recovery id, verified before release.
//!
//! Deviation from spec §1 / §4 Round 1 (Protocol 3.6 Step 4–6), per issue 11 and spec §0.5: each
//! signer draws a fresh 32-byte nonce n_i per run and sends it in every round-1 message. The
//! spec's sid_M(B, A) (here `pair_sid`) depends only on the request, so a session id run twice
//! with the same key reused every pad: in each column where Bob's choice bit differs between the
//! runs, Alice's two τ sum to α + α′ and the two γ to 2·sk_i − (α + α′), and Bob (a co-signer
//! running honest code) recovers sk_i (test `rerun_*`). Now, for the instance (B, A):
//! - sid_ext = sid("ot-ext", sid_M, n_B): PRG rows and the extension check (Bob sends M1 in
//!   round 1, before he has n_A); n_B keeps Alice from learning β ⊕ β′ from two runs;
//! - sid_run = sid("mul-run", sid_M, n_B, n_A): χ̃, χ̂ and H_r (Alice in round 2, Bob in round 3);
//! - sid_pad = sid("ot-pad", sid_run): the pads (ditto); n_A makes Alice's pads fresh per run,
//!   and she is the one a rerun would rob.
//!
//! Spec §0.5 asks for both nonces in sid_O; that is impossible for the PRG and the extension
//! check, which Bob evaluates before round 1 ends, so only the pads' part of sid_O has both.
//!
//! A signer that uses another nonce than it sent fails the other side's check (OT extension in
//! round 2, multiplication in round 3) as `ConsistencyCheckFailed` naming it, never a wrong
//! signature. Hosts still refuse a session id they have run before (spec §7.3).
//!
//! One file per round (`round1`, `round2`, `round3`); this module holds the request, the
//! per-signing context and the session ids they share.
#![forbid(unsafe_code)]

mod round1;
mod round2;
mod round3;

#[cfg(test)]
pub(crate) use round1::start_with_nonce;
pub use round1::{start, SignRound1};
pub use round2::SignRound2;
pub use round3::SignRound3;

use super::keygen::setup_sid;
use super::keys::KeyShare;
use super::primitives::{mul, ot_ext};
use crate::common::round::Expects;
use crate::common::wire::{Header, Protocol, SessionId};
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

pub(super) struct Ctx {
    pub(super) key: KeyShare,
    pub(super) signers: Vec<u16>,
    pub(super) others: Vec<u16>,
    pub(super) sign_sid: [u8; 32],
    pub(super) session: SessionId,
    pub(super) digest: [u8; 32],
    pub(super) public_key: ProjectivePoint,
    pub(super) x: Zeroizing<Scalar>,
}

impl Ctx {
    pub(super) fn me(&self) -> u16 {
        self.key.id
    }
    /// The spec's sid_M(B, A) for this request (the same in every run of the session id).
    pub(super) fn pair_sid(&self, bob: u16, alice: u16) -> [u8; 32] {
        sid(b"mul", &[&setup_sid(&self.key.epoch, bob, alice), &self.sign_sid])
    }
    /// What round `round` expects from every other signer.
    pub(super) fn expects(&self, round: u8, direct: bool, payload_len: usize) -> Expects {
        Expects { protocol: Protocol::EcdsaSign, session: self.session, round, me: self.key.id, direct, payload_len }
    }
    pub(super) fn header(&self, round: u8, receiver: u16) -> Header {
        Header { protocol: Protocol::EcdsaSign, session: self.session, round, sender: self.key.id, receiver }
    }
}

/// sid_ext of instance (B, A): Bob's nonce only (module doc).
pub(super) fn ext_sid(pair_sid: &[u8; 32], bob_nonce: &[u8; NONCE_LEN]) -> [u8; 32] {
    sid(b"ot-ext", &[pair_sid, bob_nonce])
}

/// (sid_run, sid_pad) of instance (B, A): both nonces (module doc).
pub(super) fn run_sids(pair_sid: &[u8; 32], bob_nonce: &[u8; NONCE_LEN], alice_nonce: &[u8; NONCE_LEN]) -> ([u8; 32], [u8; 32]) {
    let run = sid(b"mul-run", &[pair_sid, bob_nonce, alice_nonce]);
    let pad = sid(b"ot-pad", &[&run]);
    (run, pad)
}

