//! What the three keygen rounds share: the parameters, payload lengths, the session ids of
//! spec §1 (sid_M^setup, the base-OT sid) and the pairwise cipher of the direct messages.
#![forbid(unsafe_code)]

use crate::common::round::Expects;
use crate::common::wire::{Protocol, SessionId};
use crate::dkls23::curve::enc_point;
use crate::dkls23::primitives::base_ot::{RECEIVER_MSG_LEN, SENDER_MSG_LEN};
use crate::dkls23::primitives::dlog;
use crate::hash::{sid, tag, th};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit};
use k256::ProjectivePoint;
use zeroize::Zeroizing;

pub(super) const R1_LEN: usize = 32 + 33 + 32 + 32 + SENDER_MSG_LEN + RECEIVER_MSG_LEN;
pub(super) const SECRET_LEN: usize = 32 + 32 + 64;
pub(super) const SEALED_LEN: usize = SECRET_LEN + 16;

/// The pairwise multiplication setup id of instance (B, A) under `epoch` (spec §1, sid_M^setup).
pub fn setup_sid(epoch: &[u8; 32], bob: u16, alice: u16) -> [u8; 32] {
    sid(
        b"mul-setup",
        &[epoch, &bob.to_be_bytes(), &alice.to_be_bytes()],
    )
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
        if refresh {
            Protocol::EcdsaRefresh
        } else {
            Protocol::EcdsaDkg
        }
    }
    pub(super) fn commitment_len(&self, refresh: bool) -> usize {
        usize::from(self.threshold) - usize::from(refresh)
    }
    pub(super) fn r2_len(&self, refresh: bool) -> usize {
        33 * self.commitment_len(refresh)
            + 32
            + 64
            + if refresh { 0 } else { dlog::PROOF_LEN }
            + SEALED_LEN
    }
    /// What round `round` expects from every other party.
    pub(super) fn expects(
        &self,
        refresh: bool,
        round: u8,
        direct: bool,
        payload_len: usize,
    ) -> Expects {
        Expects {
            protocol: self.protocol(refresh),
            session: self.session,
            round,
            me: self.me,
            direct,
            payload_len,
        }
    }
}

pub(super) fn encode_commitment(c: &[ProjectivePoint]) -> Vec<u8> {
    c.iter().flat_map(|p| enc_point(p)).collect()
}

pub(super) fn p2p_cipher(
    session: &[u8; 32],
    sender: u16,
    receiver: u16,
    e_s: &ProjectivePoint,
    e_r: &ProjectivePoint,
    shared: &ProjectivePoint,
) -> ChaCha20Poly1305 {
    let k = Zeroizing::new(th(
        tag::P2P_KEY,
        &[
            session,
            &sender.to_be_bytes(),
            &receiver.to_be_bytes(),
            &enc_point(e_s),
            &enc_point(e_r),
            &enc_point(shared),
        ],
    ));
    ChaCha20Poly1305::new(Key::from_slice(&k[..]))
}
