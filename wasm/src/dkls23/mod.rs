//! Threshold ECDSA on secp256k1: DKLs23 ("Threshold ECDSA in Three Rounds", Doerner–Kondi–Lee–
//! shelat, ePrint 2023/765), following `shared/protocols/dkls23.md` ("spec" in comments).
//! Building blocks, one module each: `hash` (TH, Hs, Com), `curve` (encodings), `dlog` (Fischlin
//! PoK), `base_ot` (endemic OT with hash-to-curve h), `ot_ext` (KOS/SoftSpoken k = 1), `mul`
//! (RVOLE), `zero` (zero-sharing); protocols: `dkg` (keygen and refresh), `sign`, `derive` (BIP32).

pub mod base_ot;
pub mod curve;
pub mod derive;
pub mod dkg;
pub mod dlog;
pub mod keys;
pub mod mul;
pub mod ot_ext;
pub mod sign;
pub mod zero;

#[cfg(test)]
mod tests;
