//! Reshare round three (spec §5 step 6, the R3 confirmation): every receiver broadcasts
//! TH(session ‖ pk ‖ chain ‖ B_i… ‖ X'_1..X'_n' ‖ E…); every participant, dealer-only ones
//! included, checks each receiver's hash before anyone's new key is released.
#![forbid(unsafe_code)]

use super::group::{Group, NewKey};
use super::session::Common;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Expects, Reader, Receives, RoundInput};

/// Round-three state: the new key, held back until every receiver confirms the same view.
pub struct Round3<G: Group> {
    pub(crate) confirm: [u8; 32],
    pub(crate) key: Option<NewKey<G>>,
    pub(crate) input: RoundInput<()>,
}

impl<G: Group> Round3<G> {
    pub(crate) fn new(
        common: Common<G>,
        confirm: [u8; 32],
        key: Option<NewKey<G>>,
        outgoing: Vec<u8>,
    ) -> Self {
        let expects = Expects {
            protocol: G::PROTOCOL,
            session: common.params.session,
            round: 3,
            me: common.me(),
            direct: false,
            payload_len: 32,
        };
        let input = RoundInput::new(
            expects,
            common.layout.other_receivers(common.me()),
            outgoing,
        );
        Round3 {
            confirm,
            key,
            input,
        }
    }
}

impl<G: Group> Receives for Round3<G> {
    type Message = ();
    fn input(&self) -> &RoundInput<()> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<()> {
        &mut self.input
    }

    /// Checks one receiver's confirmation hash.
    fn read(&self, r: &mut Reader<'_>) -> Result<()> {
        if r.rest() != self.confirm {
            return Err(Error::blame(
                ErrorCode::InconsistentBroadcast,
                r.sender(),
                "parties disagree about the reshare transcript",
            ));
        }
        Ok(())
    }
}

impl<G: Group> Round3<G> {
    /// With every confirmation in, returns the new key blob (an ECDSA one is pending its
    /// pairwise setup), or an empty vector for a dealer-only participant.
    pub fn finish(self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.input.require_complete()?;
        match &self.key {
            Some(k) => G::store_key(k),
            None => Ok(zeroize::Zeroizing::new(Vec::new())),
        }
    }
}
