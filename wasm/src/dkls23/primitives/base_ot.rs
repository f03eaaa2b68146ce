//! Base OT: the endemic OT of Zhou et al. (ePrint 2022/1525 §3), as specified in spec §2.3, with
//! the fix of spec §0.1: the receiver's point h is derived by RFC 9380 hash-to-curve, so no one
//! knows its discrete log (deriving it as Hs·G lets one co-signer extract the whole key).
//! Bob (the OT-extension receiver) is the base-OT sender; Alice is the base-OT receiver.
#![forbid(unsafe_code)]

use super::dlog;
use crate::common::error::{Error, ErrorCode, Result};
use crate::dkls23::curve::{
    dec_point, dec_scalar, enc_generator, enc_points, enc_scalar, random_scalar,
};
use crate::hash::{hs, tag, th};
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::hash2curve::{ExpandMsgXmd, GroupDigest};
use k256::elliptic_curve::ops::{LinearCombination, LinearCombinationExt, MulByGenerator};
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable};
use k256::elliptic_curve::PrimeField;
use k256::{ProjectivePoint, Scalar, Secp256k1};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// Number of base OTs per ordered pair (κ).
pub const KAPPA: usize = 256;
const INSTANCE_LEN: usize = 6 * 33 + 3 * 32;
/// Receiver message length: seed ‖ 256 × (u, v, A0, B0, A1, B1, e0, z0, z1).
pub const RECEIVER_MSG_LEN: usize = 32 + KAPPA * INSTANCE_LEN;
/// Sender message length: the proof of knowledge of s (which carries z = s·G).
pub const SENDER_MSG_LEN: usize = dlog::PROOF_LEN;

fn h_point(sid: &[u8; 32], l: usize, seed: &[u8]) -> Result<ProjectivePoint> {
    let mut msg = Vec::with_capacity(2 + 32 + 32);
    msg.extend_from_slice(&(l as u16).to_be_bytes());
    msg.extend_from_slice(sid);
    msg.extend_from_slice(seed);
    Secp256k1::hash_from_bytes::<ExpandMsgXmd<Sha256>>(&[&msg], &[tag::OT_BASE_H2C_DST])
        .map_err(|_| Error::local(ErrorCode::InvalidParameters, "hash-to-curve failed"))
}

fn key(sid: &[u8; 32], l: usize, p: &[u8; 33]) -> [u8; 32] {
    th(tag::OT_BASE_MSG, &[sid, &(l as u16).to_be_bytes(), p])
}

/// The OR proof's challenge over the encodings of (G, h) and `rest` = those of (u, v, A0, B0,
/// A1, B1) as they stand in the receiver's message.
fn or_challenge(sid: &[u8; 32], l: usize, h: &[u8; 33], rest: &[u8]) -> Scalar {
    let g = enc_generator();
    hs(
        tag::ENC_FS,
        &[sid, &(l as u16).to_be_bytes(), &[&g[..], h, rest].concat()],
    )
}

/// Instances whose OR proofs are checked in one linear combination.
const BATCH: usize = 16;

/// 128-bit weights for the batched check: BLAKE3 (derive-key mode under its own context) of the
/// session and the whole receiver message, so they are fixed only after every proof is.
fn batch_weights(sid: &[u8; 32], msg: &[u8]) -> Vec<Scalar> {
    let mut h = blake3::Hasher::new_derive_key(tag::blake3::OT_BASE_BATCH);
    h.update(sid).update(msg);
    let mut xof = h.finalize_xof();
    (0..4 * KAPPA)
        .map(|_| {
            let mut w = [0u8; 32];
            xof.fill(&mut w[16..]);
            Scalar::from_repr(w.into()).unwrap()
        })
        .collect()
}

/// The sender's secret s (kept until its keys are derived).
pub struct Sender {
    s: Zeroizing<Scalar>,
}

/// Sender step 1: z = s·G with a proof of knowledge of s under `sid`.
pub fn sender_start(sid: &[u8; 32], rng: &mut ChaCha20Rng) -> (Sender, Vec<u8>) {
    let s = Zeroizing::new(random_scalar(rng));
    let proof = dlog::prove(&s, sid, rng);
    (Sender { s }, proof)
}

/// One decoded instance of the receiver's message.
struct Instance {
    h: ProjectivePoint,
    u: ProjectivePoint,
    v: ProjectivePoint,
    pts: [ProjectivePoint; 4],
    e0: Scalar,
    z0: Scalar,
    z1: Scalar,
}

impl Sender {
    /// Sender step 2: verifies every OR proof and outputs the key pairs (k0_l, k1_l).
    ///
    /// The four verification equations of each proof (spec §2.3) are checked together, BATCH
    /// instances at a time: Σ ρ_j·(lhs_j − rhs_j) = O with independent 128-bit weights ρ_j, which
    /// a false equation survives with probability 2^-128 (the group has prime order). A failure
    /// is the receiver's: every equation is over its own message.
    pub fn finish(
        self,
        sid: &[u8; 32],
        msg: &[u8],
    ) -> Result<Zeroizing<Vec<([u8; 32], [u8; 32])>>> {
        if msg.len() != RECEIVER_MSG_LEN {
            return Err(Error::local(
                ErrorCode::InvalidLength,
                "base-OT receiver message has the wrong length",
            ));
        }
        let seed = &msg[..32];
        let instance = |l: usize| &msg[32 + l * INSTANCE_LEN..32 + (l + 1) * INSTANCE_LEN];
        let mut hs_ = Vec::with_capacity(KAPPA);
        for l in 0..KAPPA {
            hs_.push(h_point(sid, l, seed)?);
        }
        let h_enc = enc_points(&hs_);
        let mut all = Vec::with_capacity(KAPPA);
        for (l, h) in hs_.into_iter().enumerate() {
            let m = instance(l);
            let pt = |i: usize| dec_point(&m[33 * i..33 * (i + 1)]);
            all.push(Instance {
                h,
                u: pt(0)?,
                v: pt(1)?,
                pts: [pt(2)?, pt(3)?, pt(4)?, pt(5)?],
                e0: dec_scalar(&m[198..230])?,
                z0: dec_scalar(&m[230..262])?,
                z1: dec_scalar(&m[262..294])?,
            });
        }
        let rho = batch_weights(sid, msg);
        let g = ProjectivePoint::GENERATOR;
        for (b, chunk) in all.chunks(BATCH).enumerate() {
            let mut terms = Vec::with_capacity(7 * BATCH + 1);
            let mut g_coeff = Scalar::ZERO;
            for (j, inst) in chunk.iter().enumerate() {
                let l = b * BATCH + j;
                let e = or_challenge(sid, l, &h_enc[l], &instance(l)[..6 * 33]);
                let e1 = e - inst.e0;
                let r = &rho[4 * l..4 * l + 4];
                // z0·G + e0·v = A0, z0·h + e0·u = B0, z1·G + e1·(v − h) = A1, z1·h + e1·u = B1.
                g_coeff += r[0] * inst.z0 + r[2] * inst.z1;
                terms.push((inst.v, r[0] * inst.e0 + r[2] * e1));
                terms.push((inst.h, r[1] * inst.z0 + r[3] * inst.z1 - r[2] * e1));
                terms.push((inst.u, r[1] * inst.e0 + r[3] * e1));
                for (i, p) in inst.pts.iter().enumerate() {
                    terms.push((*p, -r[i]));
                }
            }
            terms.push((g, g_coeff));
            if !bool::from(ProjectivePoint::lincomb_ext(terms.as_slice()).is_identity()) {
                return Err(Error::local(
                    ErrorCode::InvalidProof,
                    "base-OT OR proof does not verify",
                ));
            }
        }
        let mut shared = Vec::with_capacity(2 * KAPPA);
        for inst in &all {
            shared.push(inst.v * *self.s);
            shared.push((inst.v - inst.h) * *self.s);
        }
        let enc = Zeroizing::new(enc_points(&shared));
        shared.zeroize();
        Ok(Zeroizing::new(
            (0..KAPPA)
                .map(|l| (key(sid, l, &enc[2 * l]), key(sid, l, &enc[2 * l + 1])))
                .collect(),
        ))
    }
}

/// The receiver's per-instance secrets r_l and its choice bits.
pub struct Receiver {
    r: Zeroizing<Vec<Scalar>>,
}

/// Receiver step: for each l, u = r·h, v = r·G + b·h and an OR proof that (G, h, v, u) or
/// (G, h, v − h, u) is a DH tuple, computed for both branches without branching on b. Every
/// point is computed first and encoded in one batch (one field inversion for all).
pub fn receiver_start(
    sid: &[u8; 32],
    choices: &[u8; 32],
    rng: &mut ChaCha20Rng,
) -> Result<(Receiver, Vec<u8>)> {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut rs = Zeroizing::new(Vec::with_capacity(KAPPA));
    // Per instance: the real commitment nonce k and the simulated branch's (e, z).
    let mut secrets = Zeroizing::new(Vec::with_capacity(KAPPA));
    let mut points = Vec::with_capacity(7 * KAPPA);
    let g = ProjectivePoint::GENERATOR;
    for l in 0..KAPPA {
        let b = Choice::from((choices[l / 8] >> (l % 8)) & 1);
        let h = h_point(sid, l, &seed)?;
        let r = random_scalar(rng);
        let u = h * r;
        let v = ProjectivePoint::mul_by_generator(&r)
            + ProjectivePoint::conditional_select(&ProjectivePoint::IDENTITY, &h, b);
        let v1 = v - h;
        let k = random_scalar(rng);
        let (e_sim, z_sim) = (random_scalar(rng), random_scalar(rng));
        let v_sim = ProjectivePoint::conditional_select(&v1, &v, b);
        let (a_real, b_real) = (ProjectivePoint::mul_by_generator(&k), h * k);
        let (a_sim, b_sim) = (
            ProjectivePoint::lincomb(&g, &z_sim, &v_sim, &e_sim),
            ProjectivePoint::lincomb(&h, &z_sim, &u, &e_sim),
        );
        points.extend_from_slice(&[
            h,
            u,
            v,
            ProjectivePoint::conditional_select(&a_real, &a_sim, b),
            ProjectivePoint::conditional_select(&b_real, &b_sim, b),
            ProjectivePoint::conditional_select(&a_sim, &a_real, b),
            ProjectivePoint::conditional_select(&b_sim, &b_real, b),
        ]);
        secrets.push([k, e_sim, z_sim]);
        rs.push(r);
    }
    let enc = enc_points(&points);
    points.zeroize();
    let mut out = Vec::with_capacity(RECEIVER_MSG_LEN);
    out.extend_from_slice(&seed);
    for l in 0..KAPPA {
        let b = Choice::from((choices[l / 8] >> (l % 8)) & 1);
        let [k, e_sim, z_sim] = &secrets[l];
        let mine = &enc[7 * l..7 * l + 7];
        let e = or_challenge(sid, l, &mine[0], &mine[1..].concat());
        let e_real = e - e_sim;
        let z_real = Zeroizing::new(*k - e_real * rs[l]);
        let e0 = Scalar::conditional_select(&e_real, e_sim, b);
        let z0 = Scalar::conditional_select(&z_real, z_sim, b);
        let z1 = Scalar::conditional_select(z_sim, &z_real, b);
        for p in &mine[1..] {
            out.extend_from_slice(p);
        }
        for s in [&e0, &z0, &z1] {
            out.extend_from_slice(&enc_scalar(s));
        }
    }
    Ok((Receiver { r: rs }, out))
}

impl Receiver {
    /// Receiver output: verifies the sender's proof (z ≠ O) and derives k_{b_l} = TH(r_l·z).
    pub fn finish(self, sid: &[u8; 32], sender_msg: &[u8]) -> Result<Zeroizing<Vec<[u8; 32]>>> {
        let z = dlog::verify(sender_msg, sid)?;
        let mut shared: Vec<ProjectivePoint> = self.r.iter().map(|r| z * r).collect();
        let enc = Zeroizing::new(enc_points(&shared));
        shared.zeroize();
        Ok(Zeroizing::new(
            enc.iter()
                .enumerate()
                .map(|(l, p)| key(sid, l, p))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::rng;
    use crate::dkls23::curve::enc_point;

    const SID: [u8; 32] = [3; 32];

    fn run(choices: &[u8; 32]) -> (Sender, Receiver, Vec<u8>, Vec<u8>) {
        let mut rng = rng::from_seed(&[11; 32]).unwrap();
        let (sender, sender_msg) = sender_start(&SID, &mut rng);
        let (receiver, msg) = receiver_start(&SID, choices, &mut rng).unwrap();
        (sender, receiver, sender_msg, msg)
    }

    #[test]
    fn receiver_gets_the_key_of_each_choice_bit_and_no_other() {
        let choices = [0b1010_0110; 32];
        let (sender, receiver, sender_msg, msg) = run(&choices);
        let pairs = sender.finish(&SID, &msg).unwrap();
        let mine = receiver.finish(&SID, &sender_msg).unwrap();
        for l in 0..KAPPA {
            let (k0, k1) = pairs[l];
            let b = (choices[l / 8] >> (l % 8)) & 1;
            assert_eq!(mine[l], if b == 1 { k1 } else { k0 }, "instance {l}");
            assert_ne!(mine[l], if b == 1 { k0 } else { k1 }, "instance {l}");
        }
    }

    /// Every field of the OR proof, in the first and the last instance of a batch, changed to
    /// another well-formed value: the batched check refuses each.
    #[test]
    fn any_changed_proof_field_fails_the_batched_check() {
        let (_, _, _, msg) = run(&[0x5a; 32]);
        let other_point = enc_point(&(ProjectivePoint::GENERATOR * Scalar::from(7u64)));
        for l in [0, BATCH - 1, BATCH, KAPPA - 1] {
            let at = 32 + l * INSTANCE_LEN;
            for field in 0..9 {
                let mut bad = msg.clone();
                if field < 6 {
                    bad[at + 33 * field..at + 33 * (field + 1)].copy_from_slice(&other_point);
                } else {
                    let o = at + 198 + 32 * (field - 6);
                    let s = dec_scalar(&bad[o..o + 32]).unwrap() + Scalar::ONE;
                    bad[o..o + 32].copy_from_slice(&enc_scalar(&s));
                }
                let mut rng = rng::from_seed(&[11; 32]).unwrap();
                let (sender, _) = sender_start(&SID, &mut rng);
                let err = sender
                    .finish(&SID, &bad)
                    .err()
                    .expect("tampered proof accepted");
                assert_eq!(
                    err.code,
                    ErrorCode::InvalidProof,
                    "instance {l} field {field}"
                );
            }
        }
    }

    /// A receiver proving for another session, or with another h seed, is refused too.
    #[test]
    fn a_proof_under_another_session_or_seed_fails() {
        let (_, _, _, msg) = run(&[0x0f; 32]);
        let mut rng = rng::from_seed(&[11; 32]).unwrap();
        let (sender, _) = sender_start(&SID, &mut rng);
        assert_eq!(
            sender.finish(&[4; 32], &msg).err().unwrap().code,
            ErrorCode::InvalidProof
        );
        let mut bad = msg.clone();
        bad[0] ^= 1;
        let (sender, _) = sender_start(&SID, &mut rng);
        assert_eq!(
            sender.finish(&SID, &bad).err().unwrap().code,
            ErrorCode::InvalidProof
        );
    }
}
