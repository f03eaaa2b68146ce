//! Keygen round three: every party broadcasts a hash of what must be common knowledge; the key
//! is released only when all of them match.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::dkls23::keys::KeyShare;

/// Round-three state: the key, held back until every party confirms the same view.
pub struct Round3 {
    pub(super) input: RoundInput<()>,
    pub(super) confirm: [u8; 32],
    pub(super) key: KeyShare,
}

impl Receives for Round3 {
    type Message = ();
    fn input(&self) -> &RoundInput<()> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<()> {
        &mut self.input
    }

    /// Checks one peer's confirmation hash.
    fn read(&self, r: &mut Reader<'_>) -> Result<()> {
        if r.rest() != self.confirm {
            return Err(Error::blame(
                ErrorCode::InconsistentBroadcast,
                r.sender(),
                "parties disagree about the key generation transcript",
            ));
        }
        Ok(())
    }
}

impl Round3 {
    /// With every confirmation in, releases the key share.
    pub fn finish(self) -> Result<KeyShare> {
        self.input.require_complete()?;
        self.key.validate()
    }
}
