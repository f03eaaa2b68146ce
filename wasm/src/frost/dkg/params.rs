//! What the two DKG rounds share: the parameters and payload lengths, and the transcripts of
//! the proof-of-knowledge challenge, the round-one echo and the pairwise share cipher.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_params;
use crate::common::round::Expects;
use crate::common::wire::{Protocol, SessionId};
use crate::frost::suite::{self, CONTEXT};
use crate::hash::transcript::Transcript;
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;
use zeroize::Zeroizing;

pub(super) const ROUND1: u8 = 1;
pub(super) const ROUND2: u8 = 2;
/// A share f_i(l) sealed with ChaCha20-Poly1305: 32 bytes and the tag.
pub(super) const ENCRYPTED_SHARE_LEN: usize = 32 + 16;

/// Public parameters of one DKG session. `threshold` is the minimum number of signers.
#[derive(Debug, Clone)]
pub struct DkgParams {
    /// Session id every message is bound to.
    pub session: SessionId,
    /// Minimum number of signers (the paper's t).
    pub threshold: u16,
    /// Number of parties (the paper's n); identifiers are 1..=parties.
    pub parties: u16,
    /// The local party's identifier.
    pub me: u16,
}

impl DkgParams {
    pub(super) fn validate(&self) -> Result<()> {
        validate_params(self.threshold, self.parties)?;
        if self.me == 0 || self.me > self.parties {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "own id outside 1..=parties",
            ));
        }
        Ok(())
    }

    pub(super) fn others(&self) -> Vec<u16> {
        (1..=self.parties).filter(|i| *i != self.me).collect()
    }

    pub(super) fn all(&self) -> Vec<u16> {
        (1..=self.parties).collect()
    }

    pub(super) fn round1_len(&self) -> usize {
        usize::from(self.threshold) * 32 + 96
    }

    pub(super) fn round2_len(&self) -> usize {
        ENCRYPTED_SHARE_LEN + usize::from(self.parties) * 32
    }

    pub(super) fn expects(&self, round: u8, direct: bool, payload_len: usize) -> Expects {
        Expects {
            protocol: Protocol::FrostEd25519Dkg,
            session: self.session,
            round,
            me: self.me,
            direct,
            payload_len,
        }
    }
}

/// FROST KeyGen round 1 challenge c_i = H(i, Φ, g^{a_i0}, R_i), Φ binding suite, session and
/// parameters (Figure 1, round 1 step 2).
pub(super) fn pok_challenge(
    params: &DkgParams,
    id: u16,
    phi0: &EdwardsPoint,
    r: &EdwardsPoint,
) -> Scalar {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/pok/v1");
    t.append(CONTEXT)
        .append(&params.session)
        .append(&params.threshold.to_be_bytes())
        .append(&params.parties.to_be_bytes())
        .append(&id.to_be_bytes())
        .append(&suite::serialize_element(phi0))
        .append(&suite::serialize_element(r));
    Scalar::from_bytes_mod_order_wide(&t.finish())
}

/// The digest of one round-one broadcast that every round-two message echoes (equivocation
/// over point-to-point links becomes detectable).
pub(super) fn echo_digest(params: &DkgParams, sender: u16, payload: &[u8]) -> [u8; 32] {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/echo/v1");
    t.append(&params.session)
        .append(&sender.to_be_bytes())
        .append(payload);
    let mut d = [0u8; 32];
    d.copy_from_slice(&t.finish()[..32]);
    d
}

/// The pairwise cipher of one round-two share: a key from the ephemeral Diffie–Hellman point of
/// `sender` and `receiver`, bound to the session and both ephemeral keys.
pub(super) fn share_cipher(
    params: &DkgParams,
    sender: u16,
    receiver: u16,
    e_sender: &EdwardsPoint,
    e_receiver: &EdwardsPoint,
    shared: &EdwardsPoint,
) -> ChaCha20Poly1305 {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/share-key/v1");
    t.append(&params.session)
        .append(&sender.to_be_bytes())
        .append(&receiver.to_be_bytes())
        .append(&suite::serialize_element(e_sender))
        .append(&suite::serialize_element(e_receiver))
        .append(&suite::serialize_element(shared));
    let digest = Zeroizing::new(t.finish());
    ChaCha20Poly1305::new(Key::from_slice(&digest[..32]))
}
