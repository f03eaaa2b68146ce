//! The keygen messages as stored once read and verified, shared by the round that receives them
//! and the round that consumes them (so no round imports the one before it).
#![forbid(unsafe_code)]

use k256::{ProjectivePoint, Scalar};
use zeroize::Zeroizing;

/// A peer's round-one message as received.
pub struct PeerR1 {
    pub(super) commitment: [u8; 32],
    pub(super) ephemeral: ProjectivePoint,
    pub(super) seed_commitment: [u8; 32],
    pub(super) nu: [u8; 32],
    pub(super) sender_msg: Vec<u8>,
    pub(super) receiver_msg: Vec<u8>,
}

/// A peer's verified round-two message.
pub struct PeerR2 {
    pub(super) commitment: Vec<ProjectivePoint>,
    pub(super) chain_part: [u8; 32],
    pub(super) share: Zeroizing<Scalar>,
    pub(super) seed: Zeroizing<[u8; 32]>,
}
