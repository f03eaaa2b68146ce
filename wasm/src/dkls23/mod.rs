//! Threshold ECDSA on secp256k1: DKLs23 ("Threshold ECDSA in Three Rounds", Doerner–Kondi–Lee–
//! shelat, ePrint 2023/765), following `shared/protocols/dkls23.md` ("spec" in comments).
//! Building blocks in `primitives/` (spec §2); `curve` (encodings, §1), `keys` (the share,
//! §3.2 "Persist"), `derive` (BIP32, §6); the protocols one round per file: `keygen` (§3, and
//! the complete refresh of §5), `sign` (§4) and `presign` (§4 split at Step 8, with
//! Groth–Shoup re-randomisation online). Hashing (§1, §2.1) is in `crate::hash`.

pub mod curve;
pub mod derive;
pub mod keygen;
pub mod keys;
pub mod presign;
pub mod primitives;
pub mod sign;

#[cfg(test)]
mod tests;
