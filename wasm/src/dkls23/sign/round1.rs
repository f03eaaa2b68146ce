//! Signing round one (Protocol 3.6 Steps 4–6, spec §4 Round 1): sample (r_i, φ_i), commit to
//! R_i, send the run nonce and, as Bob towards each peer, the multiplication's M1; then, as
//! Alice, answer every peer's M1 (Step 7).
#![forbid(unsafe_code)]

use super::request::{ext_sid, run_sids, Ctx, SignRequest, NONCE_LEN, R1_LEN, R2_LEN};
use super::round2::SignRound2;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{self, Protocol};
use crate::dkls23::curve::{enc_point, enc_scalar, lagrange, random_scalar};
use crate::dkls23::derive;
use crate::dkls23::keygen::setup_sid;
use crate::dkls23::keys::KeyShare;
use crate::dkls23::primitives::mul::{self, BobMul};
#[cfg(test)]
use crate::dkls23::primitives::ot_ext;
use crate::dkls23::primitives::zero;
use crate::hash::{commit, sid};
use k256::elliptic_curve::subtle::ConstantTimeEq;
use k256::{ProjectivePoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

/// A signer's round-one message as received.
pub struct In1 {
    pub(super) nonce: [u8; NONCE_LEN],
    pub(super) commitment: [u8; 32],
    pub(super) m1: Vec<u8>,
}

/// Round-one state (r_i, φ_i and Bob's multiplication states are secret).
pub struct SignRound1 {
    ctx: Ctx,
    nonce: [u8; NONCE_LEN],
    r: Zeroizing<Scalar>,
    phi: Zeroizing<Scalar>,
    big_r: ProjectivePoint,
    salts: Vec<(u16, [u8; 64])>,
    bobs: Vec<(u16, BobMul)>,
    zeta: Zeroizing<Scalar>,
    input: RoundInput<In1>,
}

/// Starts signing (spec §4 Round 1, Steps 4–6) with a fresh run nonce.
pub fn start(key: KeyShare, req: SignRequest, rng: &mut ChaCha20Rng) -> Result<SignRound1> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    start_with_nonce(key, req, nonce, rng)
}

/// `start` with a given nonce; tests fix it to model the derivation before issue 11.
pub(crate) fn start_with_nonce(
    key: KeyShare,
    req: SignRequest,
    nonce: [u8; NONCE_LEN],
    rng: &mut ChaCha20Rng,
) -> Result<SignRound1> {
    check_signers(&key, &req.signers)?;
    let derived = derive::derive(&key.public.public_key, &key.public.chain, &req.path)?;
    let x = Zeroizing::new(key.x + derived.tweak);
    let ids: Vec<u8> = req.signers.iter().flat_map(|s| s.to_be_bytes()).collect();
    // sign_id binds the sorted signer set, the key epoch, the derived key and the digest.
    let sign_sid = sid(
        b"sign",
        &[
            &req.session,
            &key.public.epoch,
            &ids,
            &derived.chain,
            &enc_point(&derived.public_key),
            &req.digest,
        ],
    );
    let others: Vec<u16> = req
        .signers
        .iter()
        .copied()
        .filter(|s| *s != key.id)
        .collect();
    let ctx = Ctx {
        protocol: Protocol::EcdsaSign,
        signers: req.signers,
        others,
        sign_sid,
        session: req.session,
        digest: req.digest,
        public_key: derived.public_key,
        x,
        key,
    };
    begin(ctx, nonce, rng)
}

/// The signer-set checks of a signing or presigning start (spec §4 Round 1 preconditions).
pub(crate) fn check_signers(key: &KeyShare, signers: &[u16]) -> Result<()> {
    if key.is_pending() {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "share is pending its pairwise setup; finish the reshare with a refresh",
        ));
    }
    crate::common::params::validate_identifiers(signers, key.public.parties)?;
    if signers.len() < usize::from(key.public.threshold) {
        return Err(Error::local(
            ErrorCode::NotEnoughSigners,
            "fewer signers than the key's threshold",
        ));
    }
    if !signers.contains(&key.id) {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "the local party is not among the signers",
        ));
    }
    Ok(())
}

/// Steps 4–6 for a built context: sample (r_i, φ_i), commit to R_i, M1 towards each peer. Shared
/// by signing and presigning (`dkls23::presign`), which differ only in the context.
pub(crate) fn begin(ctx: Ctx, nonce: [u8; NONCE_LEN], rng: &mut ChaCha20Rng) -> Result<SignRound1> {
    let r = Zeroizing::new(random_scalar(rng));
    let phi = Zeroizing::new(random_scalar(rng));
    let big_r = ProjectivePoint::GENERATOR * *r;
    let mut salts = Vec::new();
    let mut bobs = Vec::new();
    let mut messages = Vec::new();
    for j in ctx.others.clone() {
        let peer = ctx.key.peer(j)?;
        let mut salt = [0u8; 64];
        rng.fill_bytes(&mut salt);
        let sid_ext = ext_sid(&ctx.pair_sid(ctx.me(), j), &nonce);
        let g = mul::gadget(&setup_sid(&ctx.key.public.epoch, ctx.me(), j), &peer.bob_nu);
        let (bob, m1) = mul::bob_m1(&sid_ext, &peer.bob_keys, &g, rng);
        let mut payload = Vec::with_capacity(R1_LEN);
        payload.extend_from_slice(&ctx.sign_sid);
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&commit(
            &ctx.sign_sid,
            ctx.me(),
            j,
            &salt,
            &enc_point(&big_r),
        ));
        payload.extend_from_slice(&m1);
        messages.push(ctx.header(1, j).seal(&payload));
        salts.push((j, salt));
        bobs.push((j, bob));
    }
    let seeds: Vec<(u16, [u8; 32])> = ctx
        .others
        .iter()
        .map(|j| ctx.key.peer(*j).map(|p| (*j, p.zero_seed)))
        .collect::<Result<_>>()?;
    let zeta = Zeroizing::new(zero::zeta(
        ctx.me(),
        &sid(b"zero", &[&ctx.key.public.epoch, &ctx.sign_sid]),
        &seeds,
    ));
    let input = RoundInput::new(
        ctx.expects(1, true, R1_LEN),
        ctx.others.clone(),
        wire::frame(&messages),
    );
    Ok(SignRound1 {
        ctx,
        nonce,
        r,
        phi,
        big_r,
        salts,
        bobs,
        zeta,
        input,
    })
}

impl Receives for SignRound1 {
    type Message = In1;
    fn input(&self) -> &RoundInput<In1> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<In1> {
        &mut self.input
    }

    /// Reads one signer's round-one message; a signer on another request is rejected.
    fn read(&self, r: &mut Reader<'_>) -> Result<In1> {
        if !bool::from(r.take(32)?.ct_eq(&self.ctx.sign_sid[..])) {
            return Err(Error::blame(
                ErrorCode::InconsistentBroadcast,
                r.sender(),
                "sender is signing a different request (signers, key, path or digest)",
            ));
        }
        let nonce = r.array::<NONCE_LEN>()?;
        let commitment = r.array::<32>()?;
        Ok(In1 {
            nonce,
            commitment,
            m1: r.rest().to_vec(),
        })
    }
}

impl SignRound1 {
    /// Round 2 (Step 7): as Alice towards each peer, multiply (r_i, sk_i) by the peer's χ.
    /// An OT-extension check failure is `ConsistencyCheckFailed` naming the peer (ban it).
    pub fn advance(self, rng: &mut ChaCha20Rng) -> Result<SignRound2> {
        let SignRound1 {
            ctx,
            nonce,
            r,
            phi,
            big_r,
            salts,
            bobs,
            zeta,
            input,
        } = self;
        let me = ctx.me();
        let sk = Zeroizing::new(lagrange(&ctx.signers, me) * *ctx.x + *zeta);
        let pk_i = ProjectivePoint::GENERATOR * *sk;
        let received = input.into_complete()?;
        let mut messages = Vec::new();
        let mut cs = Vec::new();
        for (j, in1) in &received {
            let peer = ctx.key.peer(*j)?;
            // Instance (B = j, A = me): Bob's nonce is j's, Alice's is mine.
            let pair = ctx.pair_sid(*j, me);
            let (sid_run, sid_pad) = run_sids(&pair, &in1.nonce, &nonce);
            let g = mul::gadget(&setup_sid(&ctx.key.public.epoch, *j, me), &peer.alice_nu);
            let (c, m2) = mul::alice_m2(
                &sid_run,
                &ext_sid(&pair, &in1.nonce),
                &sid_pad,
                &peer.alice_delta,
                &peer.alice_keys,
                &g,
                [*r, *sk],
                &in1.m1,
                rng,
            )
            .map_err(|e| e.from_party(*j))?;
            let chi = &bobs
                .iter()
                .find(|(k, _)| k == j)
                .ok_or_else(|| {
                    Error::blame(ErrorCode::UnknownSender, *j, "missing multiplication state")
                })?
                .1
                .chi;
            let salt = &salts
                .iter()
                .find(|(k, _)| k == j)
                .ok_or_else(|| Error::blame(ErrorCode::UnknownSender, *j, "missing salt"))?
                .1;
            let mut payload = Vec::with_capacity(R2_LEN);
            payload.extend_from_slice(&enc_point(&big_r));
            payload.extend_from_slice(salt);
            payload.extend_from_slice(&enc_point(&pk_i));
            payload.extend_from_slice(&enc_point(&(ProjectivePoint::GENERATOR * c[0])));
            payload.extend_from_slice(&enc_point(&(ProjectivePoint::GENERATOR * c[1])));
            payload.extend_from_slice(&enc_scalar(&(*phi - **chi)));
            payload.extend_from_slice(&m2);
            messages.push(ctx.header(2, *j).seal(&payload));
            cs.push((*j, Zeroizing::new(c)));
        }
        let nonces = received.iter().map(|(j, i)| (*j, i.nonce)).collect();
        let commitments = received
            .into_iter()
            .map(|(j, i)| (j, i.commitment))
            .collect();
        let input = RoundInput::new(
            ctx.expects(2, true, R2_LEN),
            ctx.others.clone(),
            wire::frame(&messages),
        );
        Ok(SignRound2 {
            input,
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
            commitments,
        })
    }
}

#[cfg(test)]
impl SignRound1 {
    /// As Bob towards `peer`: the choice bits β of this run (the rerun attack uses them).
    pub(crate) fn choice_bits(&self, peer: u16) -> [u8; ot_ext::XI / 8] {
        self.bobs
            .iter()
            .find(|(j, _)| *j == peer)
            .map(|(_, b)| b.beta())
            .unwrap_or([0; ot_ext::XI / 8])
    }
}
