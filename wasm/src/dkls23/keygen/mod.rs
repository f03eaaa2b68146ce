//! DKLs23 key generation (spec §3.2, Feldman-VSS variant; the paper's relaxed KeyGen) with the
//! pairwise multiplication setup of spec §3.3 and zero-sharing seeds, in three rounds; and the
//! complete refresh of spec §5, which is the same protocol with a zero constant term.
//!
//! R1 (direct to each peer): Com(F_i ‖ cc_i), an ephemeral ECDH key, Com(s_ij), and both base-OT
//!    openings for the pair (as Bob: ν and z with its proof; as Alice: the receiver message).
//! R2 (direct): the opening of F_i and cc_i, a proof of knowledge of a_i0, and, encrypted under
//!    the pairwise ECDH key, the share f_i(j) and the opening of s_ij.
//! R3 (broadcast): a hash of everything that should be common knowledge; any mismatch aborts.
//!
//! One file per round (`round1`, `round2`, `round3`); this module holds the parameters, the
//! session ids and the pairwise cipher they share.
#![forbid(unsafe_code)]

mod messages;
mod round1;
mod round2;
mod round3;

pub use round1::{round1, Round1};
pub use round2::Round2;
pub use round3::Round3;

use super::curve::enc_point;
use super::primitives::base_ot::{RECEIVER_MSG_LEN, SENDER_MSG_LEN};
use super::primitives::dlog;
use crate::common::round::Expects;
use crate::common::wire::{Protocol, SessionId};
use crate::hash::{sid, tag, th};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit};
use k256::ProjectivePoint;
use zeroize::Zeroizing;

pub(super) const R1_LEN: usize = 32 + 33 + 32 + 32 + SENDER_MSG_LEN + RECEIVER_MSG_LEN;
pub(super) const SECRET_LEN: usize = 32 + 32 + 64;
pub(super) const SEALED_LEN: usize = SECRET_LEN + 16;

/// The pairwise multiplication setup id of instance (B, A) under `epoch` (spec §1, sid_M^setup).
pub fn setup_sid(epoch: &[u8; 32], bob: u16, alice: u16) -> [u8; 32] {
    sid(b"mul-setup", &[epoch, &bob.to_be_bytes(), &alice.to_be_bytes()])
}

pub(super) fn base_ot_sid(epoch: &[u8; 32], bob: u16, alice: u16) -> [u8; 32] {
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
    pub(super) fn others(&self) -> Vec<u16> {
        (1..=self.parties).filter(|j| *j != self.me).collect()
    }
    pub(super) fn protocol(&self, refresh: bool) -> Protocol {
        if refresh { Protocol::EcdsaRefresh } else { Protocol::EcdsaDkg }
    }
    pub(super) fn commitment_len(&self, refresh: bool) -> usize {
        usize::from(self.threshold) - usize::from(refresh)
    }
    pub(super) fn r2_len(&self, refresh: bool) -> usize {
        33 * self.commitment_len(refresh) + 32 + 64 + if refresh { 0 } else { dlog::PROOF_LEN } + SEALED_LEN
    }
    /// What round `round` expects from every other party.
    pub(super) fn expects(&self, refresh: bool, round: u8, direct: bool, payload_len: usize) -> Expects {
        Expects { protocol: self.protocol(refresh), session: self.session, round, me: self.me, direct, payload_len }
    }
}

pub(super) fn encode_commitment(c: &[ProjectivePoint]) -> Vec<u8> {
    c.iter().flat_map(|p| enc_point(p)).collect()
}

pub(super) fn p2p_cipher(session: &[u8; 32], sender: u16, receiver: u16, e_s: &ProjectivePoint, e_r: &ProjectivePoint, shared: &ProjectivePoint) -> ChaCha20Poly1305 {
    let k = Zeroizing::new(th(tag::P2P_KEY, &[session, &sender.to_be_bytes(), &receiver.to_be_bytes(), &enc_point(e_s), &enc_point(e_r), &enc_point(shared)]));
    ChaCha20Poly1305::new(Key::from_slice(&k[..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::error::ErrorCode;
    use crate::common::rng;
    use crate::common::round::Round;
    use crate::common::wire::Header;
    use crate::test_util::frames;
    use chacha20poly1305::aead::{Aead, Payload};
    use chacha20poly1305::Nonce;
    use k256::Scalar;

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
            let wrong = crate::dkls23::curve::dec_scalar(&secret[..32]).unwrap() + Scalar::ONE;
            secret[..32].copy_from_slice(&crate::dkls23::curve::enc_scalar(&wrong));
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
