//! Resharing: committee and/or threshold change that keeps the public key (and, for ECDSA, the
//! chain code), per `shared/protocols/dkls23.md` §5 "Resharing" (Shamir–Feldman), generic over
//! secp256k1 and Ed25519. One module per step: `group` (the two curves), `session` (roles, layout and
//! the state every round shares), `messages` (what one round hands the next), `round1`
//! (ephemeral keys and dealer commitments, broadcast), `round2` (openings and encrypted
//! sub-shares, direct), `round3` (transcript confirmation, broadcast, and the new key), `any`
//! (either curve, for the wasm boundary).
//!
//! Session participants are numbered 1..=m by *participant index* (the wire sender/receiver);
//! each has a role: dealer (an old party with its old id), receiver (a new party with its new
//! id), or both. Exactly `old_threshold` dealers D take part. Dealer i shares
//! s_i = λ_i^D·x_i with a fresh polynomial g_i of degree t'−1; receiver j ends with
//! x'_j = Σ_i g_i(j), so Σ_j λ_j x'_j = Σ_i s_i = sk. An ECDSA result has no pairwise setup
//! yet: the new committee finishes with a complete refresh (spec §5 step 6).
#![forbid(unsafe_code)]

pub mod any;
pub mod group;
pub mod messages;
pub mod round1;
pub mod round2;
pub mod round3;
pub mod session;

pub use any::{AnyRound1, AnyRound2, AnyRound3};
pub use round1::{start, Round1};
pub use round2::Round2;
pub use round3::Round3;
pub use session::{ReshareParams, Role, MAX_PARTICIPANTS};

#[cfg(test)]
mod tests;
