//! FROST(Ed25519, SHA-512) exactly per RFC 9591, with a dealerless DKG (FROST paper, Figure 1).
//! One module per step: `suite` (§4, §6.1), `dkg`, `round1` (§5.1), `round2` (§5.2),
//! `aggregate` (§5.3, §5.4), `sign` (the session that runs them), `presign` (§5.1 ahead of the message, then a
//! one-round §5.2–5.4), `keys` (share blobs).

pub mod aggregate;
pub mod dkg;
pub mod keys;
pub mod presign;
pub mod round1;
pub mod round2;
pub mod sign;
pub mod suite;

#[cfg(test)]
mod tests;
