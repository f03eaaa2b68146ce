//! Base OT: the endemic OT of Zhou et al. (ePrint 2022/1525 §3), as specified in spec §2.3, with
//! the fix of spec §0.1: the receiver's point h is derived by RFC 9380 hash-to-curve, so no one
//! knows its discrete log (deriving it as Hs·G lets one co-signer extract the whole key).
//! Bob (the OT-extension receiver) is the base-OT sender; Alice is the base-OT receiver.
#![forbid(unsafe_code)]

use super::dlog;
use crate::common::error::{Error, ErrorCode, Result};
use crate::dkls23::curve::{dec_point, dec_scalar, enc_point, enc_scalar, random_scalar};
use crate::hash::{hs, tag, th};
use k256::elliptic_curve::hash2curve::{ExpandMsgXmd, GroupDigest};
use k256::elliptic_curve::ops::LinearCombination;
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable};
use k256::{ProjectivePoint, Scalar, Secp256k1};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

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
    Secp256k1::hash_from_bytes::<ExpandMsgXmd<Sha256>>(&[&msg], tag::OT_BASE_H2C_DST)
        .map_err(|_| Error::local(ErrorCode::InvalidParameters, "hash-to-curve failed"))
}

fn key(sid: &[u8; 32], l: usize, p: &ProjectivePoint) -> [u8; 32] {
    th(
        tag::OT_BASE_MSG,
        &[sid, &(l as u16).to_be_bytes(), &enc_point(p)],
    )
}

#[allow(clippy::too_many_arguments)]
fn or_challenge(
    sid: &[u8; 32],
    l: usize,
    h: &ProjectivePoint,
    u: &ProjectivePoint,
    v: &ProjectivePoint,
    pts: &[ProjectivePoint; 4],
) -> Scalar {
    let mut enc = Vec::with_capacity(8 * 33);
    for p in [
        &ProjectivePoint::GENERATOR,
        h,
        u,
        v,
        &pts[0],
        &pts[1],
        &pts[2],
        &pts[3],
    ] {
        enc.extend_from_slice(&enc_point(p));
    }
    hs(tag::ENC_FS, &[sid, &(l as u16).to_be_bytes(), &enc])
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

impl Sender {
    /// Sender step 2: verifies every OR proof and outputs the key pairs (k0_l, k1_l).
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
        let mut keys = Zeroizing::new(Vec::with_capacity(KAPPA));
        for l in 0..KAPPA {
            let m = &msg[32 + l * INSTANCE_LEN..32 + (l + 1) * INSTANCE_LEN];
            let pt = |i: usize| dec_point(&m[33 * i..33 * (i + 1)]);
            let (u, v) = (pt(0)?, pt(1)?);
            let pts = [pt(2)?, pt(3)?, pt(4)?, pt(5)?];
            let e0 = dec_scalar(&m[198..230])?;
            let z0 = dec_scalar(&m[230..262])?;
            let z1 = dec_scalar(&m[262..294])?;
            let h = h_point(sid, l, seed)?;
            let e = or_challenge(sid, l, &h, &u, &v, &pts);
            let e1 = e - e0;
            let v1 = v - h;
            let g = ProjectivePoint::GENERATOR;
            let lc = |a: &ProjectivePoint, x: &Scalar, b: &ProjectivePoint, y: &Scalar| {
                ProjectivePoint::lincomb(a, x, b, y)
            };
            let ok = lc(&g, &z0, &v, &e0) == pts[0]
                && lc(&h, &z0, &u, &e0) == pts[1]
                && lc(&g, &z1, &v1, &e1) == pts[2]
                && lc(&h, &z1, &u, &e1) == pts[3];
            if !ok {
                return Err(Error::local(
                    ErrorCode::InvalidProof,
                    "base-OT OR proof does not verify",
                ));
            }
            keys.push((key(sid, l, &(v * *self.s)), key(sid, l, &(v1 * *self.s))));
        }
        Ok(keys)
    }
}

/// The receiver's per-instance secrets r_l and its choice bits.
pub struct Receiver {
    r: Zeroizing<Vec<Scalar>>,
}

/// Receiver step: for each l, u = r·h, v = r·G + b·h and an OR proof that (G, h, v, u) or
/// (G, h, v − h, u) is a DH tuple, computed for both branches without branching on b.
pub fn receiver_start(
    sid: &[u8; 32],
    choices: &[u8; 32],
    rng: &mut ChaCha20Rng,
) -> Result<(Receiver, Vec<u8>)> {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut out = Vec::with_capacity(RECEIVER_MSG_LEN);
    out.extend_from_slice(&seed);
    let mut rs = Zeroizing::new(Vec::with_capacity(KAPPA));
    let g = ProjectivePoint::GENERATOR;
    for l in 0..KAPPA {
        let b = Choice::from((choices[l / 8] >> (l % 8)) & 1);
        let h = h_point(sid, l, &seed)?;
        let r = random_scalar(rng);
        let u = h * r;
        let v = g * r + ProjectivePoint::conditional_select(&ProjectivePoint::IDENTITY, &h, b);
        let v1 = v - h;
        let k = Zeroizing::new(random_scalar(rng));
        let (e_sim, z_sim) = (random_scalar(rng), random_scalar(rng));
        let v_sim = ProjectivePoint::conditional_select(&v1, &v, b);
        let (a_real, b_real) = (g * *k, h * *k);
        let (a_sim, b_sim) = (
            ProjectivePoint::lincomb(&g, &z_sim, &v_sim, &e_sim),
            ProjectivePoint::lincomb(&h, &z_sim, &u, &e_sim),
        );
        let pts = [
            ProjectivePoint::conditional_select(&a_real, &a_sim, b),
            ProjectivePoint::conditional_select(&b_real, &b_sim, b),
            ProjectivePoint::conditional_select(&a_sim, &a_real, b),
            ProjectivePoint::conditional_select(&b_sim, &b_real, b),
        ];
        let e = or_challenge(sid, l, &h, &u, &v, &pts);
        let e_real = e - e_sim;
        let z_real = *k - e_real * r;
        let e0 = Scalar::conditional_select(&e_real, &e_sim, b);
        let z0 = Scalar::conditional_select(&z_real, &z_sim, b);
        let z1 = Scalar::conditional_select(&z_sim, &z_real, b);
        for p in [&u, &v, &pts[0], &pts[1], &pts[2], &pts[3]] {
            out.extend_from_slice(&enc_point(p));
        }
        for s in [&e0, &z0, &z1] {
            out.extend_from_slice(&enc_scalar(s));
        }
        rs.push(r);
    }
    Ok((Receiver { r: rs }, out))
}

impl Receiver {
    /// Receiver output: verifies the sender's proof (z ≠ O) and derives k_{b_l} = TH(r_l·z).
    pub fn finish(self, sid: &[u8; 32], sender_msg: &[u8]) -> Result<Zeroizing<Vec<[u8; 32]>>> {
        let z = dlog::verify(sender_msg, sid)?;
        Ok(Zeroizing::new(
            self.r
                .iter()
                .enumerate()
                .map(|(l, r)| key(sid, l, &(z * r)))
                .collect(),
        ))
    }
}
