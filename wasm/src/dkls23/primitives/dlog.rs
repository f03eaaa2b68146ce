//! Proof of knowledge of a discrete log with the randomized Fischlin transform (spec §2.2;
//! Kondi–shelat ePrint 2022/393 Fig. 9): 64 Schnorr repetitions with 32-bit challenges, paired
//! so that the first byte of TH agrees within each pair (m, m+32). Straight-line extractable,
//! as the UC proofs of DKLs23 require. X is hashed too (the spec's SHOULD).
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use crate::dkls23::curve::{
    dec_point, dec_scalar, enc_generator, enc_point, enc_scalar, random_scalar,
};
use crate::hash::{tag, Th};
use k256::elliptic_curve::ops::LinearCombination;
use k256::{ProjectivePoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroize;

const REPS: usize = 64;
const HALF: usize = REPS / 2;
/// Encoded proof length: X (33) ‖ A* (64 × 33) ‖ (e 4 ‖ z 32) × 64.
pub const PROOF_LEN: usize = 33 + REPS * 33 + REPS * 36;

fn prefix(session: &[u8], x: &[u8; 33], a_star: &[u8]) -> Th {
    let mut t = Th::new(tag::DLOG_FISCHLIN);
    t.put(session).put(&enc_generator()).put(x).put(a_star);
    t
}

fn first_byte(prefix: &Th, m: usize, e: &[u8; 4], z: &[u8; 32]) -> u8 {
    let mut t = prefix.clone();
    t.put(&(m as u16).to_be_bytes()).put(e).put(z);
    t.bytes()[0]
}

/// Proves knowledge of `x` with `X = x·G` under `session`; returns the encoded proof.
pub fn prove(x: &Scalar, session: &[u8], rng: &mut ChaCha20Rng) -> Vec<u8> {
    let big_x = enc_point(&(ProjectivePoint::GENERATOR * x));
    let mut k: Vec<Scalar> = (0..REPS).map(|_| random_scalar(rng)).collect();
    let mut a_star = Vec::with_capacity(REPS * 33);
    for km in &k {
        a_star.extend_from_slice(&enc_point(&(ProjectivePoint::GENERATOR * km)));
    }
    let pre = prefix(session, &big_x, &a_star);
    let mut responses = vec![([0u8; 4], [0u8; 32]); REPS];
    for m in 0..HALF {
        let mut e = [0u8; 4];
        rng.fill_bytes(&mut e);
        let z = enc_scalar(&(k[m] - Scalar::from(u64::from(u32::from_be_bytes(e))) * x));
        let target = first_byte(&pre, m, &e, &z);
        // Search e' for the partner repetition until the first hash bytes agree (~256 tries).
        loop {
            let mut e2 = [0u8; 4];
            rng.fill_bytes(&mut e2);
            let z2 =
                enc_scalar(&(k[m + HALF] - Scalar::from(u64::from(u32::from_be_bytes(e2))) * x));
            if first_byte(&pre, m + HALF, &e2, &z2) == target {
                responses[m] = (e, z);
                responses[m + HALF] = (e2, z2);
                break;
            }
        }
    }
    k.zeroize();
    let mut out = Vec::with_capacity(PROOF_LEN);
    out.extend_from_slice(&big_x);
    out.extend_from_slice(&a_star);
    for (e, z) in &responses {
        out.extend_from_slice(e);
        out.extend_from_slice(z);
    }
    out
}

/// Verifies an encoded proof under `session` and returns the proven point X.
pub fn verify(proof: &[u8], session: &[u8]) -> Result<ProjectivePoint> {
    if proof.len() != PROOF_LEN {
        return Err(Error::local(
            ErrorCode::InvalidLength,
            "discrete-log proof has the wrong length",
        ));
    }
    let x_bytes: [u8; 33] = proof[..33]
        .try_into()
        .map_err(|_| Error::local(ErrorCode::Decode, "proof"))?;
    let big_x = dec_point(&x_bytes)?;
    let a_star = &proof[33..33 + REPS * 33];
    let mut a = Vec::with_capacity(REPS);
    for m in 0..REPS {
        let chunk = &a_star[33 * m..33 * (m + 1)];
        if a_star[..33 * m].chunks(33).any(|prev| prev == chunk) {
            return Err(Error::local(
                ErrorCode::InvalidProof,
                "proof commitments repeat",
            ));
        }
        a.push(dec_point(chunk)?);
    }
    let pre = prefix(session, &x_bytes, a_star);
    let resp = &proof[33 + REPS * 33..];
    let mut firsts = [0u8; REPS];
    for m in 0..REPS {
        let e: [u8; 4] = resp[36 * m..36 * m + 4]
            .try_into()
            .map_err(|_| Error::local(ErrorCode::Decode, "proof"))?;
        let z_bytes: [u8; 32] = resp[36 * m + 4..36 * m + 36]
            .try_into()
            .map_err(|_| Error::local(ErrorCode::Decode, "proof"))?;
        let z = dec_scalar(&z_bytes)?;
        let e_s = Scalar::from(u64::from(u32::from_be_bytes(e)));
        if ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &z, &big_x, &e_s) != a[m] {
            return Err(Error::local(
                ErrorCode::InvalidProof,
                "discrete-log proof does not verify",
            ));
        }
        firsts[m] = first_byte(&pre, m, &e, &z_bytes);
    }
    for m in 0..HALF {
        if firsts[m] != firsts[m + HALF] {
            return Err(Error::local(
                ErrorCode::InvalidProof,
                "discrete-log proof hash agreement fails",
            ));
        }
    }
    Ok(big_x)
}
