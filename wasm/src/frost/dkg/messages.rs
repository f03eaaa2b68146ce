//! The round-one broadcast as stored once read and verified, shared by the round that receives
//! it and the round that consumes it (so no round imports the one before it).
#![forbid(unsafe_code)]

use curve25519_dalek::edwards::EdwardsPoint;

/// A party's round-one broadcast as received and verified.
pub struct Round1Package {
    pub(super) commitment: Vec<EdwardsPoint>,
    pub(super) ephemeral: EdwardsPoint,
    pub(super) digest: [u8; 32],
}
