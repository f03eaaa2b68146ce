//! Two-party random-VOLE multiplication (spec §2.5; DKLs23 Functionality 3.5 with forced reuse,
//! DKLs19 Protocol 1): Bob obtains a random χ, Alice inputs a = (a_0, a_1), and the outputs
//! satisfy c_m (Alice) + d_m (Bob) = a_m·χ. M1 is Bob's OT extension (signing round 1), M2 is
//! Alice's reply (round 2), M3 is Bob's check and output (round 3).
//!
//! Deviation from spec §2.5 (issue 11, spec §0.5): χ̃ and χ̂ are drawn after τ, as in DKLs19
//! Protocol 1 and the paper's Protocol 5.2, from e = TH(tag_challenge, sid_M, TH(tag_m1, M1), τ):
//! χ̃_m = Hs(tag_chi_tilde, sid_M, u8 m, e), χ̂_m = Hs(tag_chi_hat, sid_M, u8 m, e). The spec
//! hashes M1 only, so Alice knew the challenge before choosing τ and could use a different
//! correlation in every column, compensating in the check columns (test
//! `column_inconsistent_alice_*`). sid_M here is the per-run id binding both parties' nonces.
#![forbid(unsafe_code)]

use super::ot_ext::{self, BobExtension, WIDTH, XI};
use crate::common::error::{Error, ErrorCode, Result};
use crate::dkls23::curve::{dec_scalar, enc_scalar, random_scalar};
use crate::hash::{tag, Oracle};
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable};
use k256::Scalar;
use rand_chacha::ChaCha20Rng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Alice's M2 length: τ (4 × 416 scalars) ‖ H_r ‖ μ_0 ‖ μ_1 ‖ γ_0 ‖ γ_1.
pub const M2_LEN: usize = WIDTH * XI * 32 + 32 + 4 * 32;

/// The gadget vector g_k (spec §2.5 "Setup"), k < 416 (Bob chose ν at setup): 416 scalars
/// from one XOF of the gadget oracle of `sid_setup` over ν.
pub fn gadget(sid_setup: &[u8; 32], nu: &[u8; 32]) -> Vec<Scalar> {
    Oracle::new(tag::blake3::MUL_GADGET, sid_setup)
        .scalars::<XI>(&[nu])
        .to_vec()
}

/// The digest of Bob's M1: Bob keeps 32 bytes between rounds instead of M1.
fn m1_digest(m1: &[u8]) -> [u8; 32] {
    *blake3::Hasher::new_derive_key(tag::blake3::MUL_M1)
        .update(m1)
        .finalize()
        .as_bytes()
}

/// (χ̃, χ̂) drawn after τ (see the module doc): four scalars from one XOF of the challenge
/// oracle of sid_M over (digest of M1, τ), τ being the first 4 × 416 scalars of M2.
fn challenges(sid_m: &[u8; 32], m1_digest: &[u8; 32], tau: &[u8]) -> ([Scalar; 2], [Scalar; 2]) {
    let [t0, t1, h0, h1] =
        Oracle::new(tag::blake3::MUL_CHALLENGE, sid_m).scalars(&[m1_digest, tau]);
    ([t0, t1], [h0, h1])
}

/// The spec's order (before this fix): the challenge from M1 alone, known to Alice before τ.
#[cfg(test)]
fn challenges_before_tau(sid_m: &[u8; 32], m1: &[u8]) -> ([Scalar; 2], [Scalar; 2]) {
    let h = |tg: &[u8], m: u8| crate::hash::hs(tg, &[sid_m, &[m], m1]);
    (
        [h(tag::MUL_CHI_TILDE, 0), h(tag::MUL_CHI_TILDE, 1)],
        [h(tag::MUL_CHI_HAT, 0), h(tag::MUL_CHI_HAT, 1)],
    )
}

/// H_r (spec §2.5 "Verify"): the verify oracle of sid_M over the 2 × 416 check values.
fn verify_hash(sid_m: &[u8; 32], r: &[[Scalar; XI]; 2]) -> [u8; 32] {
    let mut enc = Vec::with_capacity(2 * XI * 32);
    for row in r {
        for s in row.iter() {
            enc.extend_from_slice(&enc_scalar(s));
        }
    }
    let mut out = [0u8; 32];
    Oracle::new(tag::blake3::MUL_VERIFY, sid_m).fill(&[&enc], &mut out);
    out
}

/// Bob's state between M1 and M3.
pub struct BobMul {
    ext: BobExtension,
    /// Bob's random multiplier χ = Σ β_k g_k.
    pub chi: Zeroizing<Scalar>,
    m1_digest: [u8; 32],
    /// The gadget, kept from M1 for M3 rather than derived twice.
    g: Vec<Scalar>,
}

/// M1: Bob samples β, sets χ = Σ β_k·g_k and sends the OT-extension message under `sid_ext`
/// (which binds his own nonce: he does not have Alice's yet).
pub fn bob_m1(
    sid_ext: &[u8; 32],
    keys: &[([u8; 32], [u8; 32])],
    g: &[Scalar],
    rng: &mut ChaCha20Rng,
) -> (BobMul, Vec<u8>) {
    let (ext, msg) = ot_ext::bob_extend(sid_ext, keys, rng);
    let mut chi = Zeroizing::new(Scalar::ZERO);
    for (k, gk) in g.iter().enumerate() {
        let b = Choice::from((ext.beta[k / 8] >> (k % 8)) & 1);
        *chi += Scalar::conditional_select(&Scalar::ZERO, gk, b);
    }
    (
        BobMul {
            ext,
            chi,
            m1_digest: m1_digest(&msg),
            g: g.to_vec(),
        },
        msg,
    )
}

/// M2: Alice checks the OT extension, then sends τ, H_r, μ and γ for her input `a`; returns
/// her output c. A failed OT-extension check is `ConsistencyCheckFailed` (ban Bob). `sid_m` and
/// `sid_pad` bind both parties' nonces, `sid_ext` Bob's (see `ot_ext`).
#[allow(clippy::too_many_arguments)]
pub fn alice_m2(
    sid_m: &[u8; 32],
    sid_ext: &[u8; 32],
    sid_pad: &[u8; 32],
    delta: &[u8; 32],
    keys: &[[u8; 32]],
    g: &[Scalar],
    a: [Scalar; 2],
    m1: &[u8],
    rng: &mut ChaCha20Rng,
) -> Result<([Scalar; 2], Vec<u8>)> {
    let pads = ot_ext::alice_receive(sid_ext, sid_pad, delta, keys, m1)?;
    let a_tilde = Zeroizing::new([random_scalar(rng), random_scalar(rng)]);
    let a_hat = Zeroizing::new([random_scalar(rng), random_scalar(rng)]);
    let alpha = Zeroizing::new([a_tilde[0], a_tilde[1], a_hat[0], a_hat[1]]);
    let mut out = Vec::with_capacity(M2_LEN);
    for p in pads.iter() {
        for (w, (p0, p1)) in p.iter().enumerate() {
            out.extend_from_slice(&enc_scalar(&(*p1 - p0 + alpha[w])));
        }
    }
    // τ is fixed: only now is the challenge drawn.
    let (chi_tilde, chi_hat) = challenges(sid_m, &m1_digest(m1), &out);
    Ok(alice_reply(
        sid_m,
        g,
        a,
        &a_tilde,
        &a_hat,
        &pads,
        (chi_tilde, chi_hat),
        out,
    ))
}

/// The rest of M2 after τ (already in `out`): H_r, μ and γ under the challenge; returns (c, M2).
#[allow(clippy::too_many_arguments)]
fn alice_reply(
    sid_m: &[u8; 32],
    g: &[Scalar],
    a: [Scalar; 2],
    a_tilde: &[Scalar; 2],
    a_hat: &[Scalar; 2],
    pads: &[[(Scalar, Scalar); WIDTH]],
    challenge: ([Scalar; 2], [Scalar; 2]),
    mut out: Vec<u8>,
) -> ([Scalar; 2], Vec<u8>) {
    let (chi_tilde, chi_hat) = challenge;
    let mut r = Box::new([[Scalar::ZERO; XI]; 2]);
    let mut c = [Scalar::ZERO; 2];
    for (k, p) in pads.iter().enumerate() {
        for m in 0..2 {
            r[m][k] = chi_tilde[m] * p[m].0 + chi_hat[m] * p[m + 2].0;
            c[m] += g[k] * p[m].0;
        }
    }
    out.extend_from_slice(&verify_hash(sid_m, &r));
    for m in 0..2 {
        out.extend_from_slice(&enc_scalar(
            &(chi_tilde[m] * a_tilde[m] + chi_hat[m] * a_hat[m]),
        ));
    }
    for m in 0..2 {
        out.extend_from_slice(&enc_scalar(&(a[m] - a_tilde[m])));
    }
    (c, out)
}

impl BobMul {
    /// M3: Bob checks Alice's reply and returns his output d. A failed check is
    /// `ConsistencyCheckFailed` (ban Alice); so is an Alice on another `sid_m`/`sid_pad` (nonce).
    pub fn m3(self, sid_m: &[u8; 32], sid_pad: &[u8; 32], m2: &[u8]) -> Result<[Scalar; 2]> {
        if m2.len() != M2_LEN {
            return Err(Error::local(
                ErrorCode::InvalidLength,
                "multiplication message has the wrong length",
            ));
        }
        let challenge = challenges(sid_m, &self.m1_digest, &m2[..WIDTH * XI * 32]);
        self.check_and_output(sid_m, sid_pad, m2, challenge)
    }

    /// Bob's choice bits β (test-only: the rerun attack needs them).
    #[cfg(test)]
    pub(crate) fn beta(&self) -> [u8; XI / 8] {
        *self.ext.beta
    }

    fn check_and_output(
        self,
        sid_m: &[u8; 32],
        sid_pad: &[u8; 32],
        m2: &[u8],
        challenge: ([Scalar; 2], [Scalar; 2]),
    ) -> Result<[Scalar; 2]> {
        let (chi_tilde, chi_hat) = challenge;
        let pads = self.ext.pads(sid_pad);
        let tail = WIDTH * XI * 32;
        let h_r = &m2[tail..tail + 32];
        let mu = [
            dec_scalar(&m2[tail + 32..tail + 64])?,
            dec_scalar(&m2[tail + 64..tail + 96])?,
        ];
        let gamma = [
            dec_scalar(&m2[tail + 96..tail + 128])?,
            dec_scalar(&m2[tail + 128..tail + 160])?,
        ];
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
                r[m][k] = b_mu - chi_tilde[m] * z[m] - chi_hat[m] * z[m + 2];
                d[m] += self.g[k] * z[m];
            }
        }
        if !bool::from(verify_hash(sid_m, &r).ct_eq(h_r)) {
            return Err(Error::local(
                ErrorCode::ConsistencyCheckFailed,
                "multiplication consistency check failed",
            ));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::rng;
    use rand_core::RngCore;

    struct Pair {
        bob_keys: Vec<([u8; 32], [u8; 32])>,
        delta: [u8; 32],
        alice_keys: Vec<[u8; 32]>,
        g: Vec<Scalar>,
    }

    /// A base-OT correlation as the DKG leaves it, and Bob's gadget.
    fn pair(rng: &mut ChaCha20Rng) -> Pair {
        let (bob_keys, delta, alice_keys) = ot_ext::tests::correlation(rng);
        let mut nu = [0u8; 32];
        rng.fill_bytes(&mut nu);
        Pair {
            bob_keys,
            delta,
            alice_keys,
            g: gadget(&[1; 32], &nu),
        }
    }

    const SID_EXT: [u8; 32] = [2; 32];
    const SID_RUN: [u8; 32] = [3; 32];
    const SID_PAD: [u8; 32] = [4; 32];

    #[test]
    fn outputs_add_up_and_another_alice_run_id_fails_bobs_check() {
        let mut rng = rng::from_seed(&[21; 32]).unwrap();
        let p = pair(&mut rng);
        let a = [random_scalar(&mut rng), random_scalar(&mut rng)];
        let run = |sid_run: &[u8; 32], sid_pad: &[u8; 32], rng: &mut ChaCha20Rng| {
            let (bob, m1) = bob_m1(&SID_EXT, &p.bob_keys, &p.g, rng);
            let (c, m2) = alice_m2(
                sid_run,
                &SID_EXT,
                sid_pad,
                &p.delta,
                &p.alice_keys,
                &p.g,
                a,
                &m1,
                rng,
            )
            .unwrap();
            let chi = *bob.chi;
            (c, chi, bob.m3(&SID_RUN, &SID_PAD, &m2))
        };
        let (c, chi, d) = run(&SID_RUN, &SID_PAD, &mut rng);
        let d = d.unwrap();
        for m in 0..2 {
            assert_eq!(c[m] + d[m], a[m] * chi);
        }
        // An Alice whose run id (her nonce) differs from Bob's: his check fails, typed.
        for (sid_run, sid_pad) in [([9; 32], SID_PAD), (SID_RUN, [9; 32])] {
            let err = run(&sid_run, &sid_pad, &mut rng).2.unwrap_err();
            assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed);
        }
        // And a Bob extending under another sid_ext than Alice's fails hers.
        let (_, m1) = bob_m1(&[8; 32], &p.bob_keys, &p.g, &mut rng);
        let err = alice_m2(
            &SID_RUN,
            &SID_EXT,
            &SID_PAD,
            &p.delta,
            &p.alice_keys,
            &p.g,
            a,
            &m1,
            &mut rng,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed);
    }

    /// A malicious Alice uses a different correlation in every column (α_{k,m} = ã_m + δ_k) and
    /// compensates in the check columns (α_{k,m+2} = â_m − χ̃_m·δ_k/χ̂_m), so that
    /// χ̃·α_{k,m} + χ̂·α_{k,m+2} = μ_m in every column. That needs χ̃, χ̂ before τ.
    fn column_inconsistent_m2(
        p: &Pair,
        m1: &[u8],
        guess: ([Scalar; 2], [Scalar; 2]),
        after_tau: bool,
        rng: &mut ChaCha20Rng,
    ) -> Vec<u8> {
        let pads = ot_ext::alice_receive(&SID_EXT, &SID_PAD, &p.delta, &p.alice_keys, m1).unwrap();
        let a = [random_scalar(rng), random_scalar(rng)];
        let a_tilde = [random_scalar(rng), random_scalar(rng)];
        let a_hat = [random_scalar(rng), random_scalar(rng)];
        let (gt, gh) = guess;
        let mut out = Vec::with_capacity(M2_LEN);
        for (k, pk) in pads.iter().enumerate() {
            let delta_k = Scalar::from(k as u64 + 1);
            let alpha = [
                a_tilde[0] + delta_k,
                a_tilde[1] + delta_k,
                a_hat[0] - gt[0] * delta_k * gh[0].invert().unwrap(),
                a_hat[1] - gt[1] * delta_k * gh[1].invert().unwrap(),
            ];
            for (w, (p0, p1)) in pk.iter().enumerate() {
                out.extend_from_slice(&enc_scalar(&(*p1 - p0 + alpha[w])));
            }
        }
        // H_r and μ must be computed under the challenge Bob will use.
        let challenge = if after_tau {
            challenges(&SID_RUN, &m1_digest(m1), &out)
        } else {
            guess
        };
        alice_reply(&SID_RUN, &p.g, a, &a_tilde, &a_hat, &pads, challenge, out).1
    }

    #[test]
    fn column_inconsistent_alice_passes_the_old_order_and_fails_the_new() {
        let mut rng = rng::from_seed(&[22; 32]).unwrap();
        let p = pair(&mut rng);
        // Old order: the challenge from M1 alone, so Alice's compensation is exact.
        let (bob, m1) = bob_m1(&SID_EXT, &p.bob_keys, &p.g, &mut rng);
        let old = challenges_before_tau(&SID_RUN, &m1);
        let m2 = column_inconsistent_m2(&p, &m1, old, false, &mut rng);
        assert!(
            bob.check_and_output(&SID_RUN, &SID_PAD, &m2, old).is_ok(),
            "the old order lets the inconsistent Alice through"
        );
        // New order: the same strategy (the only guess she has before τ) is caught.
        let (bob, m1) = bob_m1(&SID_EXT, &p.bob_keys, &p.g, &mut rng);
        let guess = challenges_before_tau(&SID_RUN, &m1);
        let m2 = column_inconsistent_m2(&p, &m1, guess, true, &mut rng);
        let err = bob.m3(&SID_RUN, &SID_PAD, &m2).unwrap_err();
        assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed);
    }

    /// The gadget and the challenge/verify oracles: Alice and Bob must evaluate them alike. A
    /// gadget of another ν breaks the sum c + d = a·χ; a changed τ, μ or H_r fails Bob's check.
    /// (γ is Alice's input correction: changing it changes her input, which no check can see.)
    #[test]
    fn a_gadget_mismatch_breaks_the_sum_and_a_changed_reply_fails_bobs_check() {
        let mut rng = rng::from_seed(&[23; 32]).unwrap();
        let p = pair(&mut rng);
        let a = [random_scalar(&mut rng), random_scalar(&mut rng)];
        let other_g = gadget(&[1; 32], &[0xee; 32]);
        assert_ne!(other_g[0], p.g[0]);
        let (bob, m1) = bob_m1(&SID_EXT, &p.bob_keys, &p.g, &mut rng);
        let chi = *bob.chi;
        let alice = |g: &[Scalar], m1: &[u8], rng: &mut ChaCha20Rng| {
            alice_m2(
                &SID_RUN,
                &SID_EXT,
                &SID_PAD,
                &p.delta,
                &p.alice_keys,
                g,
                a,
                m1,
                rng,
            )
            .unwrap()
        };
        let (c, m2) = alice(&other_g, &m1, &mut rng);
        let d = bob.m3(&SID_RUN, &SID_PAD, &m2).unwrap();
        assert_ne!(c[0] + d[0], a[0] * chi, "a gadget mismatch must not add up");
        let tail = WIDTH * XI * 32;
        for at in [
            0,
            32 * 7 + 31,
            tail - 1,
            tail,
            tail + 31,
            tail + 32,
            tail + 95,
        ] {
            let (bob, m1) = bob_m1(&SID_EXT, &p.bob_keys, &p.g, &mut rng);
            let (_, m2) = alice(&p.g, &m1, &mut rng);
            let mut bad = m2.clone();
            bad[at] ^= 1;
            match bob.m3(&SID_RUN, &SID_PAD, &bad) {
                Err(e) => assert!(
                    matches!(
                        e.code,
                        ErrorCode::ConsistencyCheckFailed | ErrorCode::InvalidScalar
                    ),
                    "byte {at}: {:?}",
                    e.code
                ),
                Ok(_) => panic!("a flipped bit at byte {at} of M2 was accepted"),
            }
        }
    }
}
