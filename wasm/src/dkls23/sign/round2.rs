//! Signing round two (Steps 7–9): open R_i and send pk_i, Γ^u, Γ^v, ψ and, as Alice, M2; then
//! run every Step 8 check before computing (u_i, w_i).
#![forbid(unsafe_code)]

use super::request::{run_sids, Ctx, NONCE_LEN, R3_LEN};
use super::round3::SignRound3;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{self, BROADCAST};
use crate::dkls23::curve::{dec_point, dec_scalar, enc_scalar, reduce};
use crate::dkls23::primitives::mul::BobMul;
use crate::hash::opens;
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::{ProjectivePoint, Scalar};
use zeroize::Zeroizing;

/// A signer's verified round-two message.
pub struct In2 {
    pub(super) big_r: ProjectivePoint,
    pub(super) pk: ProjectivePoint,
    pub(super) gamma_u: ProjectivePoint,
    pub(super) gamma_v: ProjectivePoint,
    pub(super) psi: Scalar,
    pub(super) m2: Vec<u8>,
}

/// Round-two state.
pub struct SignRound2 {
    pub(super) ctx: Ctx,
    pub(super) nonce: [u8; NONCE_LEN],
    pub(super) nonces: Vec<(u16, [u8; NONCE_LEN])>,
    pub(super) r: Zeroizing<Scalar>,
    pub(super) phi: Zeroizing<Scalar>,
    pub(super) sk: Zeroizing<Scalar>,
    pub(super) pk_i: ProjectivePoint,
    pub(super) big_r: ProjectivePoint,
    pub(super) bobs: Vec<(u16, BobMul)>,
    pub(super) cs: Vec<(u16, Zeroizing<[Scalar; 2]>)>,
    pub(super) commitments: Vec<(u16, [u8; 32])>,
    pub(super) input: RoundInput<In2>,
}

impl Receives for SignRound2 {
    type Message = In2;
    fn input(&self) -> &RoundInput<In2> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<In2> {
        &mut self.input
    }

    /// Reads one signer's round-two message after checking its points and R_j's opening.
    fn read(&self, r: &mut Reader<'_>) -> Result<In2> {
        let (sender, pl) = (r.sender(), r.rest());
        let point = |a: usize| dec_point(&pl[a..a + 33]).map_err(|e| e.from_party(sender));
        let big_r = point(0)?;
        let salt: [u8; 64] = pl[33..97].try_into().unwrap_or([0; 64]);
        let commitment = self
            .commitments
            .iter()
            .find(|(j, _)| *j == sender)
            .map(|(_, c)| *c)
            .unwrap_or([0; 32]);
        if !opens(
            &commitment,
            &self.ctx.sign_sid,
            sender,
            self.ctx.me(),
            &salt,
            &pl[0..33],
        ) {
            return Err(Error::blame(
                ErrorCode::InvalidProof,
                sender,
                "R_j does not open its round-one commitment",
            ));
        }
        let (pk, gamma_u, gamma_v) = (point(97)?, point(130)?, point(163)?);
        let psi = dec_scalar(&pl[196..228]).map_err(|e| e.from_party(sender))?;
        Ok(In2 {
            big_r,
            pk,
            gamma_u,
            gamma_v,
            psi,
            m2: pl[228..].to_vec(),
        })
    }
}

/// What Step 8 leaves once every check has passed: the context, R = Σ R_j, and this signer's
/// φ_i and additive shares u_i of r·φ and v_i of x·φ (secret). Round 3 turns them into
/// (u_i, w_i); a presigning stores them (`dkls23::presign`).
pub(crate) struct Checked {
    pub(crate) ctx: Ctx,
    pub(crate) big_r: ProjectivePoint,
    pub(crate) phi: Zeroizing<Scalar>,
    pub(crate) u: Zeroizing<Scalar>,
    pub(crate) v: Zeroizing<Scalar>,
}

impl SignRound2 {
    /// Step 8: every multiplication, Γ and sum check, then (u_i, v_i). The one place these
    /// checks live, for signing and presigning alike.
    pub(crate) fn check(self) -> Result<Checked> {
        let SignRound2 {
            ctx,
            nonce,
            nonces,
            r,
            phi,
            sk,
            pk_i,
            big_r,
            bobs,
            cs,
            input,
            ..
        } = self;
        let me = ctx.me();
        let received = input.into_complete()?;
        let mut sum_pk = pk_i;
        let mut sum_r = big_r;
        let mut phi_total = Zeroizing::new(*phi);
        let mut u = Zeroizing::new(*r * Scalar::ZERO);
        let mut v = Zeroizing::new(Scalar::ZERO);
        for ((j, bob), (j2, in2)) in bobs.into_iter().zip(received.iter()) {
            if j != *j2 {
                return Err(Error::blame(
                    ErrorCode::UnknownSender,
                    *j2,
                    "signer order mismatch",
                ));
            }
            ctx.key.peer(j)?;
            // Instance (B = me, A = j): Bob's nonce is mine, Alice's is the one j sent in round 1.
            let alice_nonce = nonces
                .iter()
                .find(|(k, _)| *k == j)
                .ok_or_else(|| {
                    Error::blame(ErrorCode::UnknownSender, j, "missing round-one nonce")
                })?
                .1;
            let (sid_run, sid_pad) = run_sids(&ctx.pair_sid(me, j), &nonce, &alice_nonce);
            let chi = *bob.chi;
            let d = Zeroizing::new(
                bob.m3(&sid_run, &sid_pad, &in2.m2)
                    .map_err(|e| e.from_party(j))?,
            );
            // Step 8 consistency checks (with pk_j, per the corrected paper text, spec §0.3).
            if in2.big_r * chi != in2.gamma_u + ProjectivePoint::GENERATOR * d[0]
                || in2.pk * chi != in2.gamma_v + ProjectivePoint::GENERATOR * d[1]
            {
                return Err(Error::blame(
                    ErrorCode::ConsistencyCheckFailed,
                    j,
                    "Γ consistency check failed",
                ));
            }
            let c = &cs
                .iter()
                .find(|(k, _)| *k == j)
                .ok_or_else(|| {
                    Error::blame(ErrorCode::UnknownSender, j, "missing multiplication output")
                })?
                .1;
            sum_pk += in2.pk;
            sum_r += in2.big_r;
            *phi_total += in2.psi;
            *u += c[0] + d[0];
            *v += c[1] + d[1];
        }
        if sum_pk != ctx.public_key {
            return Err(Error::local(
                ErrorCode::ConsistencyCheckFailed,
                "the signers' pk_i do not add up to the public key",
            ));
        }
        if bool::from(sum_r.is_identity()) {
            return Err(Error::local(
                ErrorCode::ConsistencyCheckFailed,
                "the combined nonce point is the identity",
            ));
        }
        *u += *r * *phi_total;
        *v += *sk * *phi_total;
        Ok(Checked {
            ctx,
            big_r: sum_r,
            phi,
            u,
            v,
        })
    }

    /// Round 3 (Steps 8–9): every check first, then (u_i, w_i).
    pub fn advance(self) -> Result<SignRound3> {
        let Checked {
            ctx,
            big_r,
            phi,
            u,
            v,
        } = self.check()?;
        let r_x = reduce(&big_r.to_affine().x().into());
        let e = reduce(&ctx.digest);
        let w = e * *phi + r_x * *v;
        let mut payload = [0u8; 64];
        payload[..32].copy_from_slice(&enc_scalar(&u));
        payload[32..].copy_from_slice(&enc_scalar(&w));
        let input = RoundInput::new(
            ctx.expects(3, false, R3_LEN),
            ctx.others.clone(),
            wire::frame(&[ctx.header(3, BROADCAST).seal(&payload)]),
        );
        Ok(SignRound3 {
            input,
            ctx,
            big_r,
            u: *u,
            w,
        })
    }
}

#[cfg(test)]
impl SignRound2 {
    /// sk_i = λ_i·x_i + ζ_i (the attacker's own, in the rerun test).
    pub(crate) fn additive_share(&self) -> Scalar {
        *self.sk
    }
}
