//! Reshare round three (spec §5 step 6, the R3 confirmation): every receiver broadcasts
//! TH(session ‖ pk ‖ chain ‖ B_i… ‖ X'_1..X'_n' ‖ E…); every participant, dealer-only ones
//! included, checks each receiver's hash before anyone's new key is released.
#![forbid(unsafe_code)]

use super::group::{Group, NewKey};
use super::Common;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::wire::{self, Expect, Inbox};

/// Round-three state: the new key, held back until every receiver confirms the same view.
pub struct Round3<G: Group> {
    pub(crate) common: Common<G>,
    pub(crate) confirm: [u8; 32],
    pub(crate) key: Option<NewKey<G>>,
    pub(crate) inbox: Inbox<()>,
    pub(crate) outgoing: Vec<u8>,
}

impl<G: Group> Round3<G> {
    pub(crate) fn new(common: Common<G>, confirm: [u8; 32], key: Option<NewKey<G>>, outgoing: Vec<u8>) -> Self {
        let inbox = Inbox::new(common.layout.other_receivers(common.me()));
        Round3 { common, confirm, key, inbox, outgoing }
    }

    /// Framed outgoing messages (empty for a dealer-only participant).
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Receivers still to be heard from.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Checks one receiver's confirmation hash.
    pub fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let c = &self.common;
        let receivers = c.layout.other_receivers(c.me());
        let (sender, pl) = wire::open(msg, &Expect { protocol: G::PROTOCOL, session: &c.params.session, round: 3, me: c.me(), direct: false, senders: &receivers, payload_len: 32 })?;
        if self.inbox.has(sender) {
            return Err(Error::blame(ErrorCode::DuplicateMessage, sender, "second message from this sender in this round"));
        }
        if pl != self.confirm {
            return Err(Error::blame(ErrorCode::InconsistentBroadcast, sender, "parties disagree about the reshare transcript"));
        }
        self.inbox.put(sender, ())
    }

    /// With every confirmation in, returns the new key blob (an ECDSA one is pending its
    /// pairwise setup), or an empty vector for a dealer-only participant.
    pub fn finish(self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.inbox.require_complete()?;
        match &self.key {
            Some(k) => G::store_key(k),
            None => Ok(zeroize::Zeroizing::new(Vec::new())),
        }
    }
}
