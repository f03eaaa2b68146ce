//! DKLs23 presignatures: signing rounds 1–2 run ahead of the message, and a one-round online
//! signing that consumes one presignature (spec §4; DKLs23 Protocol 3.6; Groth–Shoup,
//! "On the security of ECDSA with additive key derivation and presignatures", Eurocrypt 2022).
//!
//! Presign (`EcdsaPresign`, two direct rounds, `rounds`): Protocol 3.6 Steps 4–8 exactly as
//! `sign` runs them (spec §4 Rounds 1–2: same messages, same checks, the same code), under the
//! master key and with sign_id = sid("presign", session, epoch, signers, chain, enc(pk)), which
//! binds no digest and no path. After every Step 8 check it keeps, instead of a round-3 message,
//! a `Presignature` (`blob`): R = Σ R_j and this signer's φ_i, u_i (share of r·φ) and v_i
//! (share of x·φ), with Σu = r·φ and Σv = x·φ.
//!
//! Online (`EcdsaPresigned`, one broadcast round, `online`): Step 9–10 with the Groth–Shoup
//! re-randomisation. With t the BIP32 tweak of the path (spec §6) and x' = x + t:
//! δ = Hs(presign sid, online session, enc(R), digest, enc(pk'), path), R' = R + δ·G,
//! u'_i = u_i + δ·φ_i, v'_i = v_i + t·φ_i, r_x = x(R') mod q, w_i = e·φ_i + r_x·v'_i.
//! Then Σu' = (r + δ)·φ and Σw = φ·(e + r_x·x'), so s = Σw/Σu' = (e + r_x·x')/(r + δ): an ECDSA
//! signature under pk' with nonce r + δ, checked (Step 10, `sign`'s own code) before release.
//!
//! Security rules:
//! - A presignature is single-use, by the host: two messages signed on one presignature give
//!   s = (e + r_x·x')/k and s' = (e' + r_x'·x'')/k' with k' − k = δ' − δ known, which solves for
//!   the key. The host deletes the blob before (or atomically with) its online round starts.
//! - Groth–Shoup: a presignature used raw (R fixed before the message and the tweak are) is
//!   insecure with additive key derivation; re-randomising R by δ, a hash bound to the message,
//!   the derived key and the path, restores the security of plain ECDSA. So derived paths are
//!   allowed at the online step, and a presignature serves any child key.
//! - Every signer of the presignature takes part online; each message carries
//!   bind = sid("presigned", presign sid, online session, digest, enc(pk')), so a signer on
//!   another presignature or request is named (`InconsistentBroadcast`).
#![forbid(unsafe_code)]

mod blob;
mod online;
mod rounds;

pub use blob::{Presignature, PRESIGNATURE_VERSION};
pub use online::{start_online, PresignedRound};
pub use rounds::{start, PresignRound1, PresignRound2};
