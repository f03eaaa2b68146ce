//! DKLs23 three-round signing (the paper's Protocol 3.6, spec §4) by any signer set of at least
//! `threshold` parties, optionally under a BIP32 child key (spec §6).
//!
//! R1 (direct): sign_id, the run nonce n_i, Com(R_i) and, as Bob towards each peer, M1.
//! R2 (direct): R_i's opening, pk_i, Γ^u, Γ^v, ψ and, as Alice, M2 with input (r_i, sk_i).
//! R3 (broadcast): (u_i, w_i), computed only after every check of Step 8 has passed.
//! Output (Step 10): s = Σw / Σu, low-s normalised, recovery id, verified before release.
//!
//! Deviation from spec §1 / §4 Round 1 (Protocol 3.6 Step 4–6), per issue 11 and spec §0.5: each
//! signer draws a fresh 32-byte nonce n_i per run and sends it in every round-1 message. The
//! spec's sid_M(B, A) (here `pair_sid`) depends only on the request, so a session id run twice
//! with the same key reused every pad: in each column where Bob's choice bit differs between the
//! runs, Alice's two τ sum to α + α′ and the two γ to 2·sk_i − (α + α′), and Bob (a co-signer
//! running honest code) recovers sk_i (test `rerun_*`). Now, for the instance (B, A):
//! - sid_ext = sid("ot-ext", sid_M, n_B): PRG rows and the extension check (Bob sends M1 in
//!   round 1, before he has n_A); n_B keeps Alice from learning β ⊕ β′ from two runs;
//! - sid_run = sid("mul-run", sid_M, n_B, n_A): χ̃, χ̂ and H_r (Alice in round 2, Bob in round 3);
//! - sid_pad = sid("ot-pad", sid_run): the pads (ditto); n_A makes Alice's pads fresh per run,
//!   and she is the one a rerun would rob.
//!
//! Spec §0.5 asks for both nonces in sid_O; that is impossible for the PRG and the extension
//! check, which Bob evaluates before round 1 ends, so only the pads' part of sid_O has both.
//!
//! A signer that uses another nonce than it sent fails the other side's check (OT extension in
//! round 2, multiplication in round 3) as `ConsistencyCheckFailed` naming it, never a wrong
//! signature. Hosts still refuse a session id they have run before (spec §7.3).
#![forbid(unsafe_code)]

use super::curve::{dec_point, dec_scalar, enc_point, enc_scalar, lagrange, random_scalar, reduce};
use super::derive;
use super::dkg::setup_sid;
use crate::hash::{commit, opens, sid};
use super::keys::KeyShare;
use super::mul::{self, BobMul};
use super::ot_ext;
use super::zero;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::wire::{self, Expect, Header, Inbox, Protocol, SessionId, BROADCAST};
use k256::elliptic_curve::group::Group;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};
use k256::elliptic_curve::AffineXCoordinate;
use k256::elliptic_curve::subtle::ConstantTimeEq;
use k256::elliptic_curve::IsHigh;
use k256::elliptic_curve::subtle::ConditionallySelectable;
use k256::{ProjectivePoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

/// Round-one payload: sign_id (32) ‖ nonce (32) ‖ Com(R_i) (32) ‖ M1.
const R1_LEN: usize = 32 + NONCE_LEN + 32 + ot_ext::MSG_LEN;
/// The per-run nonce every signer contributes in round 1.
pub const NONCE_LEN: usize = 32;
const R2_LEN: usize = 33 + 64 + 33 + 33 + 33 + 32 + mul::M2_LEN;
const R3_LEN: usize = 64;

/// A finished ECDSA signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdsaSignature {
    /// r ‖ s, low-s.
    pub signature: [u8; 64],
    /// Recovery id (0..3).
    pub recovery_id: u8,
    /// The (possibly derived) public key the signature verifies under, compressed.
    pub public_key: [u8; 33],
}

/// What the signers agree to run.
pub struct SignRequest {
    /// Session id (fresh per signing; never reused).
    pub session: SessionId,
    /// Signer ids, ascending, at least `threshold`, including the local party.
    pub signers: Vec<u16>,
    /// The 32-byte message digest (the caller hashes).
    pub digest: [u8; 32],
    /// BIP32 non-hardened path; empty for the master key.
    pub path: Vec<u32>,
}

struct Ctx {
    key: KeyShare,
    signers: Vec<u16>,
    others: Vec<u16>,
    sign_sid: [u8; 32],
    session: SessionId,
    digest: [u8; 32],
    public_key: ProjectivePoint,
    x: Zeroizing<Scalar>,
}

impl Ctx {
    fn me(&self) -> u16 {
        self.key.id
    }
    /// The spec's sid_M(B, A) for this request (the same in every run of the session id).
    fn pair_sid(&self, bob: u16, alice: u16) -> [u8; 32] {
        sid(b"mul", &[&setup_sid(&self.key.epoch, bob, alice), &self.sign_sid])
    }
    fn expect(&self, round: u8, direct: bool, len: usize) -> Expect<'_> {
        Expect { protocol: Protocol::EcdsaSign, session: &self.session, round, me: self.key.id, direct, senders: &self.others, payload_len: len }
    }
    fn header(&self, round: u8, receiver: u16) -> Header {
        Header { protocol: Protocol::EcdsaSign, session: self.session, round, sender: self.key.id, receiver }
    }
}

/// sid_ext of instance (B, A): Bob's nonce only (module doc).
fn ext_sid(pair_sid: &[u8; 32], bob_nonce: &[u8; NONCE_LEN]) -> [u8; 32] {
    sid(b"ot-ext", &[pair_sid, bob_nonce])
}

/// (sid_run, sid_pad) of instance (B, A): both nonces (module doc).
fn run_sids(pair_sid: &[u8; 32], bob_nonce: &[u8; NONCE_LEN], alice_nonce: &[u8; NONCE_LEN]) -> ([u8; 32], [u8; 32]) {
    let run = sid(b"mul-run", &[pair_sid, bob_nonce, alice_nonce]);
    let pad = sid(b"ot-pad", &[&run]);
    (run, pad)
}

struct In1 {
    nonce: [u8; NONCE_LEN],
    commitment: [u8; 32],
    m1: Vec<u8>,
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
    inbox: Inbox<In1>,
    outgoing: Vec<u8>,
}

/// Starts signing (spec §4 Round 1, Steps 4–6) with a fresh run nonce.
pub fn start(key: KeyShare, req: SignRequest, rng: &mut ChaCha20Rng) -> Result<SignRound1> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    start_with_nonce(key, req, nonce, rng)
}

/// `start` with a given nonce; tests fix it to model the derivation before issue 11.
pub(crate) fn start_with_nonce(key: KeyShare, req: SignRequest, nonce: [u8; NONCE_LEN], rng: &mut ChaCha20Rng) -> Result<SignRound1> {
    if key.is_pending() {
        return Err(Error::local(ErrorCode::InvalidParameters, "share is pending its pairwise setup; finish the reshare with a refresh"));
    }
    crate::common::params::validate_identifiers(&req.signers, key.parties)?;
    if req.signers.len() < usize::from(key.threshold) {
        return Err(Error::local(ErrorCode::NotEnoughSigners, "fewer signers than the key's threshold"));
    }
    if !req.signers.contains(&key.id) {
        return Err(Error::local(ErrorCode::InvalidParameters, "the local party is not among the signers"));
    }
    let derived = derive::derive(&key.public_key, &key.chain, &req.path)?;
    let x = Zeroizing::new(key.x + derived.tweak);
    let ids: Vec<u8> = req.signers.iter().flat_map(|s| s.to_be_bytes()).collect();
    // sign_id binds the sorted signer set, the key epoch, the derived key and the digest.
    let sign_sid = sid(b"sign", &[&req.session, &key.epoch, &ids, &derived.chain, &enc_point(&derived.public_key), &req.digest]);
    let others: Vec<u16> = req.signers.iter().copied().filter(|s| *s != key.id).collect();
    let ctx = Ctx { signers: req.signers, others, sign_sid, session: req.session, digest: req.digest, public_key: derived.public_key, x, key };

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
        let g = mul::gadget(&setup_sid(&ctx.key.epoch, ctx.me(), j), &peer.bob_nu);
        let (bob, m1) = mul::bob_m1(&sid_ext, &peer.bob_keys, &g, rng);
        let mut payload = Vec::with_capacity(R1_LEN);
        payload.extend_from_slice(&ctx.sign_sid);
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&commit(&ctx.sign_sid, ctx.me(), j, &salt, &enc_point(&big_r)));
        payload.extend_from_slice(&m1);
        messages.push(ctx.header(1, j).seal(&payload));
        salts.push((j, salt));
        bobs.push((j, bob));
    }
    let seeds: Vec<(u16, [u8; 32])> = ctx.others.iter().map(|j| ctx.key.peer(*j).map(|p| (*j, p.zero_seed))).collect::<Result<_>>()?;
    let zeta = Zeroizing::new(zero::zeta(ctx.me(), &sid(b"zero", &[&ctx.key.epoch, &ctx.sign_sid]), &seeds));
    let inbox = Inbox::new(ctx.others.clone());
    Ok(SignRound1 { ctx, nonce, r, phi, big_r, salts, bobs, zeta, inbox, outgoing: wire::frame(&messages) })
}

impl SignRound1 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Signers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Stores one signer's round-one message; a signer on another request is rejected.
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let (sender, pl) = wire::open(msg, &self.ctx.expect(1, true, R1_LEN))?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        if !bool::from(pl[..32].ct_eq(&self.ctx.sign_sid[..])) {
            return Err(Error::blame(ErrorCode::InconsistentBroadcast, sender, "sender is signing a different request (signers, key, path or digest)"));
        }
        let nonce = pl[32..64].try_into().unwrap_or([0; NONCE_LEN]);
        self.inbox.put(sender, In1 { nonce, commitment: pl[64..96].try_into().unwrap_or([0; 32]), m1: pl[96..].to_vec() })
    }

    /// Round 2 (Step 7): as Alice towards each peer, multiply (r_i, sk_i) by the peer's χ.
    /// An OT-extension check failure is `ConsistencyCheckFailed` naming the peer (ban it).
    pub fn advance(self, rng: &mut ChaCha20Rng) -> Result<SignRound2> {
        self.inbox.require_complete()?;
        let SignRound1 { ctx, nonce, r, phi, big_r, salts, bobs, zeta, inbox, .. } = self;
        let me = ctx.me();
        let sk = Zeroizing::new(lagrange(&ctx.signers, me) * *ctx.x + *zeta);
        let pk_i = ProjectivePoint::GENERATOR * *sk;
        let received = inbox.into_complete();
        let mut messages = Vec::new();
        let mut cs = Vec::new();
        for (j, in1) in &received {
            let peer = ctx.key.peer(*j)?;
            // Instance (B = j, A = me): Bob's nonce is j's, Alice's is mine.
            let pair = ctx.pair_sid(*j, me);
            let (sid_run, sid_pad) = run_sids(&pair, &in1.nonce, &nonce);
            let g = mul::gadget(&setup_sid(&ctx.key.epoch, *j, me), &peer.alice_nu);
            let (c, m2) = mul::alice_m2(&sid_run, &ext_sid(&pair, &in1.nonce), &sid_pad, &peer.alice_delta, &peer.alice_keys, &g, [*r, *sk], &in1.m1, rng).map_err(|e| e.from_party(*j))?;
            let chi = &bobs.iter().find(|(k, _)| k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, *j, "missing multiplication state"))?.1.chi;
            let salt = &salts.iter().find(|(k, _)| k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, *j, "missing salt"))?.1;
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
        let commitments = received.into_iter().map(|(j, i)| (j, i.commitment)).collect();
        Ok(SignRound2 { inbox: Inbox::new(ctx.others.clone()), outgoing: wire::frame(&messages), ctx, nonce, nonces, r, phi, sk, pk_i, big_r, bobs, cs, commitments })
    }
}

struct In2 {
    big_r: ProjectivePoint,
    pk: ProjectivePoint,
    gamma_u: ProjectivePoint,
    gamma_v: ProjectivePoint,
    psi: Scalar,
    m2: Vec<u8>,
}

/// Round-two state.
pub struct SignRound2 {
    ctx: Ctx,
    nonce: [u8; NONCE_LEN],
    nonces: Vec<(u16, [u8; NONCE_LEN])>,
    r: Zeroizing<Scalar>,
    phi: Zeroizing<Scalar>,
    sk: Zeroizing<Scalar>,
    pk_i: ProjectivePoint,
    big_r: ProjectivePoint,
    bobs: Vec<(u16, BobMul)>,
    cs: Vec<(u16, Zeroizing<[Scalar; 2]>)>,
    commitments: Vec<(u16, [u8; 32])>,
    inbox: Inbox<In2>,
    outgoing: Vec<u8>,
}

impl SignRound2 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Signers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Stores one signer's round-two message after checking its points and R_j's opening.
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let (sender, pl) = wire::open(msg, &self.ctx.expect(2, true, R2_LEN))?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        let point = |a: usize| dec_point(&pl[a..a + 33]).map_err(|e| e.from_party(sender));
        let big_r = point(0)?;
        let salt: [u8; 64] = pl[33..97].try_into().unwrap_or([0; 64]);
        let commitment = self.commitments.iter().find(|(j, _)| *j == sender).map(|(_, c)| *c).unwrap_or([0; 32]);
        if !opens(&commitment, &self.ctx.sign_sid, sender, self.ctx.me(), &salt, &pl[0..33]) {
            return Err(Error::blame(ErrorCode::InvalidProof, sender, "R_j does not open its round-one commitment"));
        }
        let (pk, gamma_u, gamma_v) = (point(97)?, point(130)?, point(163)?);
        let psi = dec_scalar(&pl[196..228]).map_err(|e| e.from_party(sender))?;
        self.inbox.put(sender, In2 { big_r, pk, gamma_u, gamma_v, psi, m2: pl[228..].to_vec() })
    }

    /// Round 3 (Steps 8–9): every check first, then (u_i, w_i).
    pub fn advance(self) -> Result<SignRound3> {
        self.inbox.require_complete()?;
        let SignRound2 { ctx, nonce, nonces, r, phi, sk, pk_i, big_r, bobs, cs, inbox, .. } = self;
        let me = ctx.me();
        let received = inbox.into_complete();
        let mut sum_pk = pk_i;
        let mut sum_r = big_r;
        let mut phi_total = Zeroizing::new(*phi);
        let mut u = Zeroizing::new(*r * Scalar::ZERO);
        let mut v = Zeroizing::new(Scalar::ZERO);
        for ((j, bob), (j2, in2)) in bobs.into_iter().zip(received.iter()) {
            if j != *j2 {
                return Err(Error::blame(ErrorCode::UnknownSender, *j2, "signer order mismatch"));
            }
            let peer = ctx.key.peer(j)?;
            // Instance (B = me, A = j): Bob's nonce is mine, Alice's is the one j sent in round 1.
            let alice_nonce = nonces.iter().find(|(k, _)| *k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing round-one nonce"))?.1;
            let (sid_run, sid_pad) = run_sids(&ctx.pair_sid(me, j), &nonce, &alice_nonce);
            let g = mul::gadget(&setup_sid(&ctx.key.epoch, me, j), &peer.bob_nu);
            let chi = *bob.chi;
            let d = Zeroizing::new(bob.m3(&sid_run, &sid_pad, &g, &in2.m2).map_err(|e| e.from_party(j))?);
            // Step 8 consistency checks (with pk_j, per the corrected paper text, spec §0.3).
            if in2.big_r * chi != in2.gamma_u + ProjectivePoint::GENERATOR * d[0] || in2.pk * chi != in2.gamma_v + ProjectivePoint::GENERATOR * d[1] {
                return Err(Error::blame(ErrorCode::ConsistencyCheckFailed, j, "Γ consistency check failed"));
            }
            let c = &cs.iter().find(|(k, _)| *k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing multiplication output"))?.1;
            sum_pk += in2.pk;
            sum_r += in2.big_r;
            *phi_total += in2.psi;
            *u += c[0] + d[0];
            *v += c[1] + d[1];
        }
        if sum_pk != ctx.public_key {
            return Err(Error::local(ErrorCode::ConsistencyCheckFailed, "the signers' pk_i do not add up to the public key"));
        }
        if bool::from(sum_r.is_identity()) {
            return Err(Error::local(ErrorCode::ConsistencyCheckFailed, "the combined nonce point is the identity"));
        }
        *u += *r * *phi_total;
        *v += *sk * *phi_total;
        let r_x = reduce(&sum_r.to_affine().x().into());
        let e = reduce(&ctx.digest);
        let w = e * *phi + r_x * *v;
        let mut payload = [0u8; 64];
        payload[..32].copy_from_slice(&enc_scalar(&u));
        payload[32..].copy_from_slice(&enc_scalar(&w));
        let outgoing = wire::frame(&[ctx.header(3, BROADCAST).seal(&payload)]);
        Ok(SignRound3 { inbox: Inbox::new(ctx.others.clone()), ctx, big_r: sum_r, u: *u, w, outgoing })
    }
}

/// Round-three state.
pub struct SignRound3 {
    ctx: Ctx,
    big_r: ProjectivePoint,
    u: Scalar,
    w: Scalar,
    inbox: Inbox<(Scalar, Scalar)>,
    outgoing: Vec<u8>,
}

impl SignRound3 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Signers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Stores one signer's (u_j, w_j).
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let (sender, pl) = wire::open(msg, &self.ctx.expect(3, false, R3_LEN))?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        let u = dec_scalar(&pl[..32]).map_err(|e| e.from_party(sender))?;
        let w = dec_scalar(&pl[32..]).map_err(|e| e.from_party(sender))?;
        self.inbox.put(sender, (u, w))
    }

    /// Step 10: s = Σw/Σu, low-s, recovery id, and verification before release. A signature
    /// that fails verification is `InvalidSignature`: quarantine the key, never retry.
    pub fn finish(self) -> Result<EcdsaSignature> {
        self.inbox.require_complete()?;
        let (mut su, mut sw) = (self.u, self.w);
        for (_, (u, w)) in self.inbox.iter() {
            su += u;
            sw += w;
        }
        let inv = Option::<Scalar>::from(su.invert()).ok_or_else(|| Error::local(ErrorCode::InvalidSignature, "Σu is zero"))?;
        let mut s = sw * inv;
        let x_bytes: [u8; 32] = self.big_r.to_affine().x().into();
        let r = reduce(&x_bytes);
        let high = s.is_high();
        s = Scalar::conditional_select(&s, &-s, high);
        let y_odd = enc_point(&self.big_r)[0] == 0x03;
        let recovery_id = (u8::from(y_odd) ^ high.unwrap_u8()) | if enc_scalar(&r) != x_bytes { 2 } else { 0 };
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&enc_scalar(&r));
        signature[32..].copy_from_slice(&enc_scalar(&s));
        let sig = Signature::try_from(&signature[..]).map_err(|_| Error::local(ErrorCode::InvalidSignature, "signature is malformed"))?;
        let vk = VerifyingKey::from_affine(self.ctx.public_key.to_affine()).map_err(|_| Error::local(ErrorCode::InvalidSignature, "public key is invalid"))?;
        vk.verify_prehash(&self.ctx.digest, &sig).map_err(|_| Error::local(ErrorCode::InvalidSignature, "aggregated signature does not verify"))?;
        Ok(EcdsaSignature { signature, recovery_id, public_key: enc_point(&self.ctx.public_key) })
    }
}


#[cfg(test)]
impl SignRound1 {
    /// As Bob towards `peer`: the choice bits β of this run (the rerun attack uses them).
    pub(crate) fn choice_bits(&self, peer: u16) -> [u8; ot_ext::XI / 8] {
        self.bobs.iter().find(|(j, _)| *j == peer).map(|(_, b)| b.beta()).unwrap_or([0; ot_ext::XI / 8])
    }
}

#[cfg(test)]
impl SignRound2 {
    /// sk_i = λ_i·x_i + ζ_i (the attacker's own, in the rerun test).
    pub(crate) fn additive_share(&self) -> Scalar {
        *self.sk
    }
}
