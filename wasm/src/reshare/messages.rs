//! The reshare messages as stored once read and verified: a participant's round-one broadcast
//! and a dealer's dealing. Round one builds this party's own dealing and round two collects the
//! others', so both rounds import this file rather than each other.
#![forbid(unsafe_code)]

use super::group::{Context, Group};
use zeroize::Zeroizing;

/// One participant's round-one broadcast.
pub struct PeerR1<G: Group> {
    /// E_j.
    pub(crate) ephemeral: G::Point,
    /// Com_j, for a dealer.
    pub(crate) commitment: Option<[u8; 32]>,
}

/// One dealer's verified dealing (or my own).
pub struct Dealing<G: Group> {
    /// B_i.
    pub(crate) commitment: Vec<G::Point>,
    /// The old context the dealer vouched for.
    pub(crate) ctx: Context<G>,
    /// g_i(my new id), if I receive.
    pub(crate) share: Option<Zeroizing<G::Scalar>>,
}
