//! DKLs23 key generation (spec §3.2, Feldman-VSS variant; the paper's relaxed KeyGen) with the
//! pairwise multiplication setup of spec §3.3 and zero-sharing seeds, in three rounds; and the
//! complete refresh of spec §5, which is the same protocol with a zero constant term.
//!
//! R1 (direct to each peer): Com(F_i ‖ cc_i), an ephemeral ECDH key, Com(s_ij), and both base-OT
//!    openings for the pair (as Bob: ν and z with its proof; as Alice: the receiver message).
//! R2 (direct): the opening of F_i and cc_i, a proof of knowledge of a_i0, and, encrypted under
//!    the pairwise ECDH key, the share f_i(j) and the opening of s_ij.
//! R3 (broadcast): a hash of everything that should be common knowledge; any mismatch aborts.
#![forbid(unsafe_code)]

use super::base_ot::{self, RECEIVER_MSG_LEN, SENDER_MSG_LEN};
use super::curve::{commitment_eval, dec_nonzero_scalar, dec_point, enc_point, enc_scalar, poly_eval, random_scalar};
use super::dlog;
use crate::hash::{commit, opens, sid, tag, th};
use super::keys::{KeyShare, PeerSetup};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_params;
use crate::common::wire::{self, Expect, Header, Inbox, Protocol, SessionId, BROADCAST};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use k256::elliptic_curve::group::Group;
use k256::{ProjectivePoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

const R1_LEN: usize = 32 + 33 + 32 + 32 + SENDER_MSG_LEN + RECEIVER_MSG_LEN;
const SECRET_LEN: usize = 32 + 32 + 64;
const SEALED_LEN: usize = SECRET_LEN + 16;

/// The pairwise multiplication setup id of instance (B, A) under `epoch` (spec §1, sid_M^setup).
pub fn setup_sid(epoch: &[u8; 32], bob: u16, alice: u16) -> [u8; 32] {
    sid(b"mul-setup", &[epoch, &bob.to_be_bytes(), &alice.to_be_bytes()])
}

fn base_ot_sid(epoch: &[u8; 32], bob: u16, alice: u16) -> [u8; 32] {
    sid(b"base-ot", &[&setup_sid(epoch, bob, alice)])
}

/// Parameters of one key generation or refresh. `threshold` is the minimum number of signers.
#[derive(Clone, Debug)]
pub struct DkgParams {
    /// Session id; becomes the key's epoch.
    pub session: SessionId,
    /// Minimum number of signers.
    pub threshold: u16,
    /// Number of parties.
    pub parties: u16,
    /// This party.
    pub me: u16,
}

impl DkgParams {
    fn others(&self) -> Vec<u16> {
        (1..=self.parties).filter(|j| *j != self.me).collect()
    }
    fn protocol(&self, refresh: bool) -> Protocol {
        if refresh { Protocol::EcdsaRefresh } else { Protocol::EcdsaDkg }
    }
    fn commitment_len(&self, refresh: bool) -> usize {
        usize::from(self.threshold) - usize::from(refresh)
    }
    fn r2_len(&self, refresh: bool) -> usize {
        33 * self.commitment_len(refresh) + 32 + 64 + if refresh { 0 } else { dlog::PROOF_LEN } + SEALED_LEN
    }
}

struct PeerR1 {
    commitment: [u8; 32],
    ephemeral: ProjectivePoint,
    seed_commitment: [u8; 32],
    nu: [u8; 32],
    sender_msg: Vec<u8>,
    receiver_msg: Vec<u8>,
}

struct MyPeer {
    seed: Zeroizing<[u8; 32]>,
    seed_salt: [u8; 64],
    nu: [u8; 32],
    delta: Zeroizing<[u8; 32]>,
    sender: base_ot::Sender,
    receiver: base_ot::Receiver,
}

/// Round-one state.
pub struct Round1 {
    params: DkgParams,
    refresh: Option<KeyShare>,
    coefficients: Zeroizing<Vec<Scalar>>,
    commitment: Vec<ProjectivePoint>,
    chain_part: [u8; 32],
    salt: [u8; 64],
    ephemeral: Zeroizing<Scalar>,
    mine: Vec<(u16, MyPeer)>,
    inbox: Inbox<PeerR1>,
    outgoing: Vec<u8>,
}

fn encode_commitment(c: &[ProjectivePoint]) -> Vec<u8> {
    c.iter().flat_map(|p| enc_point(p)).collect()
}

/// Starts a key generation (`refresh = None`) or a complete refresh of `refresh`.
pub fn round1(params: DkgParams, refresh: Option<KeyShare>, rng: &mut ChaCha20Rng) -> Result<Round1> {
    validate_params(params.threshold, params.parties)?;
    if params.me == 0 || params.me > params.parties {
        return Err(Error::local(ErrorCode::InvalidIdentifier, "own id outside 1..=parties"));
    }
    if let Some(k) = &refresh {
        if k.threshold != params.threshold || k.parties != params.parties || k.id != params.me {
            return Err(Error::local(ErrorCode::InvalidParameters, "refresh parameters do not match the key share"));
        }
        if k.epoch == params.session {
            return Err(Error::local(ErrorCode::InvalidParameters, "refresh needs a fresh session id"));
        }
    }
    let is_refresh = refresh.is_some();
    let t = usize::from(params.threshold);
    // Spec §3.2 R1 (and §5: a refresh polynomial has a_{i,0} = 0).
    let coefficients: Zeroizing<Vec<Scalar>> = Zeroizing::new((0..t).map(|k| if k == 0 && is_refresh { Scalar::ZERO } else { random_scalar(rng) }).collect());
    let commitment: Vec<ProjectivePoint> = coefficients.iter().skip(usize::from(is_refresh)).map(|a| ProjectivePoint::GENERATOR * a).collect();
    let mut chain_part = [0u8; 32];
    rng.fill_bytes(&mut chain_part);
    let mut salt = [0u8; 64];
    rng.fill_bytes(&mut salt);
    let ephemeral = Zeroizing::new(random_scalar(rng));
    let e_pub = enc_point(&(ProjectivePoint::GENERATOR * *ephemeral));
    let com = commit(&params.session, params.me, BROADCAST, &salt, &[encode_commitment(&commitment), chain_part.to_vec(), e_pub.to_vec()].concat());

    let mut mine = Vec::new();
    let mut messages = Vec::new();
    for j in params.others() {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut seed[..]);
        let mut seed_salt = [0u8; 64];
        rng.fill_bytes(&mut seed_salt);
        let mut nu = [0u8; 32];
        rng.fill_bytes(&mut nu);
        let mut delta = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut delta[..]);
        let (sender, sender_msg) = base_ot::sender_start(&base_ot_sid(&params.session, params.me, j), rng);
        let (receiver, receiver_msg) = base_ot::receiver_start(&base_ot_sid(&params.session, j, params.me), &delta, rng)?;
        let mut payload = Vec::with_capacity(R1_LEN);
        payload.extend_from_slice(&com);
        payload.extend_from_slice(&e_pub);
        payload.extend_from_slice(&commit(&params.session, params.me, j, &seed_salt, &seed[..]));
        payload.extend_from_slice(&nu);
        payload.extend_from_slice(&sender_msg);
        payload.extend_from_slice(&receiver_msg);
        let header = Header { protocol: params.protocol(is_refresh), session: params.session, round: 1, sender: params.me, receiver: j };
        messages.push(header.seal(&payload));
        mine.push((j, MyPeer { seed, seed_salt, nu, delta, sender, receiver }));
    }
    let inbox = Inbox::new(params.others());
    Ok(Round1 { outgoing: wire::frame(&messages), params, refresh, coefficients, commitment, chain_part, salt, ephemeral, mine, inbox })
}

fn p2p_cipher(session: &[u8; 32], sender: u16, receiver: u16, e_s: &ProjectivePoint, e_r: &ProjectivePoint, shared: &ProjectivePoint) -> ChaCha20Poly1305 {
    let k = Zeroizing::new(th(tag::P2P_KEY, &[session, &sender.to_be_bytes(), &receiver.to_be_bytes(), &enc_point(e_s), &enc_point(e_r), &enc_point(shared)]));
    ChaCha20Poly1305::new(Key::from_slice(&k[..]))
}

impl Round1 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Peers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Stores one peer's round-one message (checked for shape and canonical points).
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let p = &self.params;
        let others = p.others();
        let (sender, pl) = wire::open(msg, &Expect { protocol: p.protocol(self.refresh.is_some()), session: &p.session, round: 1, me: p.me, direct: true, senders: &others, payload_len: R1_LEN })?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        let ephemeral = dec_point(&pl[32..65]).map_err(|e| e.from_party(sender))?;
        let b = |a: usize, n: usize| -> [u8; 32] { pl[a..a + n].try_into().unwrap_or([0; 32]) };
        let at = 65 + 32 + 32;
        self.inbox.put(
            sender,
            PeerR1 { commitment: b(0, 32), ephemeral, seed_commitment: b(65, 32), nu: b(97, 32), sender_msg: pl[at..at + SENDER_MSG_LEN].to_vec(), receiver_msg: pl[at + SENDER_MSG_LEN..].to_vec() },
        )
    }

    /// Finishes the base OTs (spec §3.2 step 8, §3.3) and produces round two.
    pub fn advance(self, rng: &mut ChaCha20Rng) -> Result<Round2> {
        self.inbox.require_complete()?;
        let Round1 { params: p, refresh, coefficients, commitment, chain_part, salt, ephemeral, mine, inbox, .. } = self;
        let is_refresh = refresh.is_some();
        let peers: Vec<(u16, PeerR1)> = inbox.into_complete();
        let e_me = ProjectivePoint::GENERATOR * *ephemeral;
        let pok = if is_refresh { Vec::new() } else { dlog::prove(&coefficients[0], &sid(b"dkg-pok", &[&p.session, &p.me.to_be_bytes()]), rng) };
        let mut setups = Vec::new();
        let mut messages = Vec::new();
        for ((j, mp), (j2, pr)) in mine.into_iter().zip(peers.iter()) {
            debug_assert_eq!(j, *j2);
            // As Bob (B = me, A = j): my sender keys from j's receiver message.
            let bob_keys = mp.sender.finish(&base_ot_sid(&p.session, p.me, j), &pr.receiver_msg).map_err(|e| e.from_party(j))?;
            // As Alice (B = j, A = me): my keys from j's proof of z.
            let alice_keys = mp.receiver.finish(&base_ot_sid(&p.session, j, p.me), &pr.sender_msg).map_err(|e| e.from_party(j))?;
            let mut payload = Vec::with_capacity(p.r2_len(is_refresh));
            payload.extend_from_slice(&encode_commitment(&commitment));
            payload.extend_from_slice(&chain_part);
            payload.extend_from_slice(&salt);
            payload.extend_from_slice(&pok);
            let mut secret = Zeroizing::new(Vec::with_capacity(SECRET_LEN));
            secret.extend_from_slice(&enc_scalar(&poly_eval(&coefficients, j)));
            secret.extend_from_slice(&mp.seed[..]);
            secret.extend_from_slice(&mp.seed_salt);
            let header = Header { protocol: p.protocol(is_refresh), session: p.session, round: 2, sender: p.me, receiver: j };
            let cipher = p2p_cipher(&p.session, p.me, j, &e_me, &pr.ephemeral, &(pr.ephemeral * *ephemeral));
            let aad = header.bytes();
            let ct = cipher.encrypt(Nonce::from_slice(&[0u8; 12]), Payload { msg: &secret, aad: &aad }).map_err(|_| Error::local(ErrorCode::InvalidParameters, "encryption failed"))?;
            payload.extend_from_slice(&ct);
            messages.push(header.seal(&payload));
            setups.push((j, mp.seed, mp.nu, mp.delta, bob_keys, alice_keys));
        }
        let own_share = Zeroizing::new(poly_eval(&coefficients, p.me));
        Ok(Round2 {
            inbox: Inbox::new(p.others()),
            outgoing: wire::frame(&messages),
            params: p,
            refresh,
            own_share,
            commitment,
            chain_part,
            e_me,
            ephemeral,
            peers,
            setups,
        })
    }
}

/// Per peer until round three: zero seed half, ν, Δ, and both base-OT key vectors (all secret but ν).
type Setup = (u16, Zeroizing<[u8; 32]>, [u8; 32], Zeroizing<[u8; 32]>, Zeroizing<Vec<([u8; 32], [u8; 32])>>, Zeroizing<Vec<[u8; 32]>>);

struct PeerR2 {
    commitment: Vec<ProjectivePoint>,
    chain_part: [u8; 32],
    share: Zeroizing<Scalar>,
    seed: Zeroizing<[u8; 32]>,
}

/// Round-two state.
pub struct Round2 {
    params: DkgParams,
    refresh: Option<KeyShare>,
    own_share: Zeroizing<Scalar>,
    commitment: Vec<ProjectivePoint>,
    chain_part: [u8; 32],
    e_me: ProjectivePoint,
    ephemeral: Zeroizing<Scalar>,
    peers: Vec<(u16, PeerR1)>,
    setups: Vec<Setup>,
    inbox: Inbox<PeerR2>,
    outgoing: Vec<u8>,
}

impl Round2 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Peers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Verifies one peer's openings, proof and share (spec §3.2 local processing, steps 1–2).
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let p = &self.params;
        let is_refresh = self.refresh.is_some();
        let others = p.others();
        let (sender, pl) = wire::open(msg, &Expect { protocol: p.protocol(is_refresh), session: &p.session, round: 2, me: p.me, direct: true, senders: &others, payload_len: p.r2_len(is_refresh) })?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        let r1 = &self.peers.iter().find(|(j, _)| *j == sender).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, sender, "no round-one message"))?.1;
        let c = p.commitment_len(is_refresh);
        let f_bytes = &pl[..33 * c];
        let commitment = f_bytes.chunks(33).map(dec_point).collect::<Result<Vec<_>>>().map_err(|e| e.from_party(sender))?;
        let chain_part: [u8; 32] = pl[33 * c..33 * c + 32].try_into().unwrap_or([0; 32]);
        let salt: [u8; 64] = pl[33 * c + 32..33 * c + 96].try_into().unwrap_or([0; 64]);
        let opened = [f_bytes, &chain_part[..], &enc_point(&r1.ephemeral)[..]].concat();
        if !opens(&r1.commitment, &p.session, sender, BROADCAST, &salt, &opened) {
            return Err(Error::blame(ErrorCode::InvalidProof, sender, "commitment opening does not match"));
        }
        let mut at = 33 * c + 96;
        if !is_refresh {
            let proven = dlog::verify(&pl[at..at + dlog::PROOF_LEN], &sid(b"dkg-pok", &[&p.session, &sender.to_be_bytes()])).map_err(|e| e.from_party(sender))?;
            if proven != commitment[0] {
                return Err(Error::blame(ErrorCode::InvalidProof, sender, "proof is not for the constant-term commitment"));
            }
            at += dlog::PROOF_LEN;
        }
        let header = Header { protocol: p.protocol(is_refresh), session: p.session, round: 2, sender, receiver: p.me };
        let cipher = p2p_cipher(&p.session, sender, p.me, &r1.ephemeral, &self.e_me, &(r1.ephemeral * *self.ephemeral));
        let aad = header.bytes();
        let secret = Zeroizing::new(
            cipher
                .decrypt(Nonce::from_slice(&[0u8; 12]), Payload { msg: &pl[at..], aad: &aad })
                .map_err(|_| Error::blame(ErrorCode::DecryptionFailed, sender, "direct message does not decrypt"))?,
        );
        let share = Zeroizing::new(dec_nonzero_scalar(&secret[..32]).map_err(|e| e.from_party(sender))?);
        // Share check: y_ji·G = Σ_k i^k·A_{j,k} (with A_{j,0} = O in a refresh).
        let full: Vec<ProjectivePoint> = if is_refresh { core::iter::once(ProjectivePoint::IDENTITY).chain(commitment.iter().copied()).collect() } else { commitment.clone() };
        if ProjectivePoint::GENERATOR * *share != commitment_eval(&full, p.me) {
            return Err(Error::blame(ErrorCode::InvalidShare, sender, "share does not match the sender's commitments"));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&secret[32..64]);
        let seed_salt: [u8; 64] = secret[64..128].try_into().unwrap_or([0; 64]);
        if !opens(&r1.seed_commitment, &p.session, sender, p.me, &seed_salt, &seed[..]) {
            return Err(Error::blame(ErrorCode::InvalidProof, sender, "zero-share seed does not open its commitment"));
        }
        self.inbox.put(sender, PeerR2 { commitment: full, chain_part, share, seed })
    }

    /// Local processing steps 3–7 and the R3 confirmation broadcast.
    pub fn advance(self) -> Result<Round3> {
        self.inbox.require_complete()?;
        let p = self.params.clone();
        let is_refresh = self.refresh.is_some();
        let received: Vec<(u16, PeerR2)> = self.inbox.into_complete();
        let own_full: Vec<ProjectivePoint> = if is_refresh { core::iter::once(ProjectivePoint::IDENTITY).chain(self.commitment.iter().copied()).collect() } else { self.commitment.clone() };
        let mut all: Vec<(u16, &Vec<ProjectivePoint>)> = received.iter().map(|(j, r)| (*j, &r.commitment)).collect();
        all.push((p.me, &own_full));
        all.sort_by_key(|(j, _)| *j);
        let t = usize::from(p.threshold);
        let mut group = vec![ProjectivePoint::IDENTITY; t];
        for (_, c) in &all {
            for (g, a) in group.iter_mut().zip(c.iter()) {
                *g += a;
            }
        }
        // Step 3: x_i = Σ_j y_ji (plus the old share in a refresh).
        let mut x = Zeroizing::new(*self.own_share);
        for (_, r) in &received {
            *x += *r.share;
        }
        let (public_key, chain, public_shares) = match &self.refresh {
            None => {
                // Steps 4, 6: pk = Σ A_{j,0} ≠ O; chain = ⊕ cc_j.
                if bool::from(group[0].is_identity()) {
                    return Err(Error::local(ErrorCode::InvalidPoint, "the public key is the identity"));
                }
                let mut chain = self.chain_part;
                for (_, r) in &received {
                    for k in 0..32 {
                        chain[k] ^= r.chain_part[k];
                    }
                }
                let shares: Vec<ProjectivePoint> = (1..=p.parties).map(|k| commitment_eval(&group, k)).collect();
                (group[0], chain, shares)
            }
            Some(old) => {
                *x += old.x;
                let shares: Vec<ProjectivePoint> = (1..=p.parties).map(|k| old.public_shares[usize::from(k - 1)] + commitment_eval(&group, k)).collect();
                (old.public_key, old.chain, shares)
            }
        };
        // Step 5: x_i·G = X_i.
        if ProjectivePoint::GENERATOR * *x != public_shares[usize::from(p.me - 1)] {
            return Err(Error::local(ErrorCode::InvalidShare, "own share does not match the public shares"));
        }
        // R3: hash of what must be common knowledge.
        let mut ephemerals: Vec<(u16, ProjectivePoint)> = self.peers.iter().map(|(j, r)| (*j, r.ephemeral)).collect();
        ephemerals.push((p.me, self.e_me));
        ephemerals.sort_by_key(|(j, _)| *j);
        let commitments: Vec<u8> = all.iter().flat_map(|(_, c)| encode_commitment(c)).collect();
        let eph: Vec<u8> = ephemerals.iter().flat_map(|(_, e)| enc_point(e)).collect();
        let shares_enc: Vec<u8> = public_shares.iter().flat_map(|s| enc_point(s)).collect();
        let confirm = th(tag::CONFIRM, &[&p.session, &enc_point(&public_key), &chain, &commitments, &eph, &shares_enc]);
        let header = Header { protocol: p.protocol(is_refresh), session: p.session, round: 3, sender: p.me, receiver: BROADCAST };
        let outgoing = wire::frame(&[header.seal(&confirm)]);
        // Step 7: zero seeds; step 8: the pairwise OT state.
        let mut peers = Vec::new();
        for (j, seed, nu, delta, mut bob_keys, mut alice_keys) in self.setups {
            let r1 = &self.peers.iter().find(|(k, _)| *k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing peer"))?.1;
            let r2 = &received.iter().find(|(k, _)| *k == j).ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing peer"))?.1;
            // PeerSetup wipes itself on drop; the vectors move into it without a copy.
            let (bob_keys, alice_keys) = (core::mem::take(&mut *bob_keys), core::mem::take(&mut *alice_keys));
            let mut zero_seed = [0u8; 32];
            for k in 0..32 {
                zero_seed[k] = seed[k] ^ r2.seed[k];
            }
            peers.push(PeerSetup { peer: j, zero_seed, bob_keys, bob_nu: nu, alice_delta: *delta, alice_keys, alice_nu: r1.nu });
        }
        let key = KeyShare { threshold: p.threshold, parties: p.parties, id: p.me, epoch: p.session, x: *x, public_key, public_shares, chain, peers };
        Ok(Round3 { inbox: Inbox::new(p.others()), params: p, is_refresh, confirm, key, outgoing })
    }
}

/// Round-three state: the key, held back until every party confirms the same view.
pub struct Round3 {
    params: DkgParams,
    is_refresh: bool,
    confirm: [u8; 32],
    key: KeyShare,
    inbox: Inbox<()>,
    outgoing: Vec<u8>,
}

impl Round3 {
    /// Framed outgoing messages.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Peers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Checks one peer's confirmation hash.
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let p = &self.params;
        let others = p.others();
        let (sender, pl) = wire::open(msg, &Expect { protocol: p.protocol(self.is_refresh), session: &p.session, round: 3, me: p.me, direct: false, senders: &others, payload_len: 32 })?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        if pl != self.confirm {
            return Err(Error::blame(ErrorCode::InconsistentBroadcast, sender, "parties disagree about the key generation transcript"));
        }
        self.inbox.put(sender, ())
    }

    /// With every confirmation in, releases the key share.
    pub fn finish(self) -> Result<KeyShare> {
        self.inbox.require_complete()?;
        self.key.clone().validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::frames;
    use crate::common::rng;

    /// A malicious party 2 encrypts a share that does not match its Feldman commitments: party 1
    /// must reject it as `InvalidShare` naming party 2 and keep waiting for a valid message.
    #[test]
    fn share_not_matching_commitment_is_blamed() {
        let session = [4u8; 32];
        let mut rng = rng::from_seed(&[8; 32]).unwrap();
        let mut r1: Vec<Round1> = (1..=2u16).map(|me| round1(DkgParams { session, threshold: 2, parties: 2, me }, None, &mut rng).unwrap()).collect();
        let m1: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
        r1[0].receive(&m1[1]).unwrap();
        r1[1].receive(&m1[0]).unwrap();
        let mut r2: Vec<Round2> = r1.into_iter().map(|s| s.advance(&mut rng).unwrap()).collect();
        let honest = frames(r2[1].outgoing()).remove(0);
        let evil = {
            let p2 = &r2[1];
            let e1 = p2.peers.iter().find(|(j, _)| *j == 1).unwrap().1.ephemeral;
            let cipher = p2p_cipher(&session, 2, 1, &p2.e_me, &e1, &(e1 * *p2.ephemeral));
            let header = Header { protocol: Protocol::EcdsaDkg, session, round: 2, sender: 2, receiver: 1 };
            let aad = header.bytes();
            let at = 39 + p2.params.r2_len(false) - SEALED_LEN;
            let mut secret = cipher.decrypt(Nonce::from_slice(&[0u8; 12]), Payload { msg: &honest[at..], aad: &aad }).unwrap();
            let wrong = super::super::curve::dec_scalar(&secret[..32]).unwrap() + Scalar::ONE;
            secret[..32].copy_from_slice(&enc_scalar(&wrong));
            let ct = cipher.encrypt(Nonce::from_slice(&[0u8; 12]), Payload { msg: &secret, aad: &aad }).unwrap();
            let mut m = honest[..at].to_vec();
            m.extend_from_slice(&ct);
            m
        };
        let err = r2[0].receive(&evil).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidShare);
        assert_eq!(err.culprits, vec![2]);
        assert_eq!(r2[0].missing(), vec![2]);
        r2[0].receive(&honest).unwrap();
    }
}
