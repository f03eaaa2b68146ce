//! Every hash the core defines itself, named by the spec section that defines it: `tag` and `th`
//! (DKLs23 spec §1: oracle tags, TH, Hs, session ids), `commitment` (§2.1 Com), and `transcript`
//! (the SHA-512 transcript of the FROST DKG and signing request), `keyed` (the BLAKE3 oracles of
//! the signing hot path, issue 13). Shared by DKLs23 and
//! resharing, so neither imports the other's hashing.

pub mod commitment;
pub mod keyed;
pub mod tag;
pub mod th;
pub mod transcript;

pub use commitment::{commit, opens};
pub use keyed::Oracle;
pub use th::{hs, sid, th, Th};
