//! Two-party random-VOLE multiplication (spec §2.5; DKLs23 Functionality 3.5 with forced reuse,
//! DKLs19 Protocol 1): Bob obtains a random χ, Alice inputs a = (a_0, a_1), and the outputs
//! satisfy c_m (Alice) + d_m (Bob) = a_m·χ. M1 is Bob's OT extension (signing round 1), M2 is
//! Alice's reply (round 2), M3 is Bob's check and output (round 3).
#![forbid(unsafe_code)]

use super::curve::{dec_scalar, enc_scalar, random_scalar};
use super::hash::{hs, tag, Th};
use super::ot_ext::{self, BobExtension, WIDTH, XI};
use crate::error::{Error, ErrorCode, Result};
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable};
use k256::Scalar;
use rand_chacha::ChaCha20Rng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Alice's M2 length: τ (4 × 416 scalars) ‖ H_r ‖ μ_0 ‖ μ_1 ‖ γ_0 ‖ γ_1.
pub const M2_LEN: usize = WIDTH * XI * 32 + 32 + 4 * 32;

/// The gadget vector g_k = Hs(tag_gadget, sid_setup, ν, be16 k), k < 416 (Bob chose ν at setup).
pub fn gadget(sid_setup: &[u8; 32], nu: &[u8; 32]) -> Vec<Scalar> {
    (0..XI).map(|k| hs(tag::MUL_GADGET, &[sid_setup, nu, &(k as u16).to_be_bytes()])).collect()
}

fn chi_tilde_hat(sid_m: &[u8; 32], t: &[u8]) -> ([Scalar; 2], [Scalar; 2]) {
    let h = |tg: &[u8], m: u8| hs(tg, &[sid_m, &[m], t]);
    ([h(tag::MUL_CHI_TILDE, 0), h(tag::MUL_CHI_TILDE, 1)], [h(tag::MUL_CHI_HAT, 0), h(tag::MUL_CHI_HAT, 1)])
}

fn verify_hash(sid_m: &[u8; 32], r: &[[Scalar; XI]; 2]) -> [u8; 32] {
    let mut t = Th::new(tag::MUL_VERIFY);
    t.put(sid_m);
    let mut enc = Vec::with_capacity(2 * XI * 32);
    for row in r {
        for s in row.iter() {
            enc.extend_from_slice(&enc_scalar(s));
        }
    }
    t.put(&enc);
    t.bytes()
}

/// Bob's state between M1 and M3.
pub struct BobMul {
    ext: BobExtension,
    /// Bob's random multiplier χ = Σ β_k g_k.
    pub chi: Zeroizing<Scalar>,
    chi_tilde: [Scalar; 2],
    chi_hat: [Scalar; 2],
}

/// M1: Bob samples β, sets χ = Σ β_k·g_k and sends the OT-extension message.
pub fn bob_m1(sid_m: &[u8; 32], sid_o: &[u8; 32], keys: &[([u8; 32], [u8; 32])], g: &[Scalar], rng: &mut ChaCha20Rng) -> (BobMul, Vec<u8>) {
    let (ext, msg) = ot_ext::bob_extend(sid_o, keys, rng);
    let mut chi = Zeroizing::new(Scalar::ZERO);
    for (k, gk) in g.iter().enumerate() {
        let b = Choice::from((ext.beta[k / 8] >> (k % 8)) & 1);
        *chi += Scalar::conditional_select(&Scalar::ZERO, gk, b);
    }
    let (chi_tilde, chi_hat) = chi_tilde_hat(sid_m, &msg);
    (BobMul { ext, chi, chi_tilde, chi_hat }, msg)
}

/// M2: Alice checks the OT extension, then sends τ, H_r, μ and γ for her input `a`; returns
/// her output c. A failed OT-extension check is `ConsistencyCheckFailed` (ban Bob).
pub fn alice_m2(sid_m: &[u8; 32], sid_o: &[u8; 32], delta: &[u8; 32], keys: &[[u8; 32]], g: &[Scalar], a: [Scalar; 2], m1: &[u8], rng: &mut ChaCha20Rng) -> Result<([Scalar; 2], Vec<u8>)> {
    let pads = ot_ext::alice_receive(sid_o, delta, keys, m1)?;
    let (chi_tilde, chi_hat) = chi_tilde_hat(sid_m, m1);
    let a_tilde = Zeroizing::new([random_scalar(rng), random_scalar(rng)]);
    let a_hat = Zeroizing::new([random_scalar(rng), random_scalar(rng)]);
    let alpha = [a_tilde[0], a_tilde[1], a_hat[0], a_hat[1]];
    let mut out = Vec::with_capacity(M2_LEN);
    let mut r = Box::new([[Scalar::ZERO; XI]; 2]);
    let mut c = [Scalar::ZERO; 2];
    for (k, p) in pads.iter().enumerate() {
        for (w, (p0, p1)) in p.iter().enumerate() {
            out.extend_from_slice(&enc_scalar(&(*p1 - p0 + alpha[w])));
        }
        for m in 0..2 {
            r[m][k] = chi_tilde[m] * p[m].0 + chi_hat[m] * p[m + 2].0;
            c[m] += g[k] * p[m].0;
        }
    }
    out.extend_from_slice(&verify_hash(sid_m, &r));
    for m in 0..2 {
        out.extend_from_slice(&enc_scalar(&(chi_tilde[m] * a_tilde[m] + chi_hat[m] * a_hat[m])));
    }
    for m in 0..2 {
        out.extend_from_slice(&enc_scalar(&(a[m] - a_tilde[m])));
    }
    Ok((c, out))
}

impl BobMul {
    /// M3: Bob checks Alice's reply and returns his output d. A failed check is
    /// `ConsistencyCheckFailed` (ban Alice).
    pub fn m3(self, sid_m: &[u8; 32], sid_o: &[u8; 32], g: &[Scalar], m2: &[u8]) -> Result<[Scalar; 2]> {
        if m2.len() != M2_LEN {
            return Err(Error::local(ErrorCode::InvalidLength, "multiplication message has the wrong length"));
        }
        let pads = self.ext.pads(sid_o);
        let tail = WIDTH * XI * 32;
        let h_r = &m2[tail..tail + 32];
        let mu = [dec_scalar(&m2[tail + 32..tail + 64])?, dec_scalar(&m2[tail + 64..tail + 96])?];
        let gamma = [dec_scalar(&m2[tail + 96..tail + 128])?, dec_scalar(&m2[tail + 128..tail + 160])?];
        let mut r = Box::new([[Scalar::ZERO; XI]; 2]);
        let mut d = [*self.chi * gamma[0], *self.chi * gamma[1]];
        for k in 0..XI {
            let b = Choice::from((self.ext.beta[k / 8] >> (k % 8)) & 1);
            let mut z = [Scalar::ZERO; WIDTH];
            for w in 0..WIDTH {
                let at = 32 * (k * WIDTH + w);
                let tau = dec_scalar(&m2[at..at + 32])?;
                z[w] = Scalar::conditional_select(&Scalar::ZERO, &tau, b) - pads[k][w];
            }
            for m in 0..2 {
                let b_mu = Scalar::conditional_select(&Scalar::ZERO, &mu[m], b);
                r[m][k] = b_mu - self.chi_tilde[m] * z[m] - self.chi_hat[m] * z[m + 2];
                d[m] += g[k] * z[m];
            }
        }
        if !bool::from(verify_hash(sid_m, &r).ct_eq(h_r)) {
            return Err(Error::local(ErrorCode::ConsistencyCheckFailed, "multiplication consistency check failed"));
        }
        Ok(d)
    }
}
