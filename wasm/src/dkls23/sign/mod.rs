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
//! One file per round (`round1`, `round2`, `round3`); `request` holds the request, the
//! per-signing context and the session ids they share. Presigning (`dkls23::presign`) runs
//! rounds 1–2 through the same code (`round1::begin`, `SignRound2::check`) under its own
//! context, and its online round releases through `round3::output`.
#![forbid(unsafe_code)]

pub(crate) mod request;
pub(crate) mod round1;
pub(crate) mod round2;
pub(crate) mod round3;

pub use request::{EcdsaSignature, SignRequest, NONCE_LEN};
#[cfg(test)]
pub(crate) use round1::start_with_nonce;
pub use round1::{start, SignRound1};
pub use round2::SignRound2;
pub use round3::SignRound3;
