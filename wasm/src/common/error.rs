//! Typed errors for every protocol step: a stable code, the parties to blame, and a fixed
//! description. Descriptions are `&'static str` on purpose: no secret (or any runtime value
//! derived from one) can ever end up in an error message.

use core::fmt;

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Bytes that do not parse: truncated, extended, empty or garbage.
    Decode,
    /// A message or blob carries a format version this core does not speak.
    UnsupportedVersion,
    /// A message for another protocol (e.g. a signing message fed to a DKG).
    WrongProtocol,
    /// A message for another session.
    WrongSession,
    /// A message for another round: early, late or replayed from an earlier round.
    WrongRound,
    /// A direct message addressed to someone else, or a broadcast sent as direct (or vice versa).
    WrongReceiver,
    /// A sender outside the session's party set (or the receiver itself).
    UnknownSender,
    /// A second message from the same sender in the same round.
    DuplicateMessage,
    /// The round cannot advance: some parties have not sent their message yet.
    MissingMessages,
    /// An encoded group element that is non-canonical, the identity, small-order or off the subgroup.
    InvalidPoint,
    /// An encoded scalar that is non-canonical (≥ the group order) or zero where zero is forbidden.
    InvalidScalar,
    /// A party identifier that is 0, outside 1..=parties, or repeated.
    InvalidIdentifier,
    /// A proof of knowledge that does not verify (rogue-key defence in DKG).
    InvalidProof,
    /// A DKG secret share that does not match its sender's commitments.
    InvalidShare,
    /// A signature share that fails RFC 9591 §5.4 verification.
    InvalidSignatureShare,
    /// Parties disagree about what was broadcast, or about the request being run.
    InconsistentBroadcast,
    /// A commitment or proof vector of the wrong length.
    InvalidLength,
    /// A direct message that does not decrypt under the pairwise session key.
    DecryptionFailed,
    /// Bad parameters from the local caller (threshold, party counts, signer set, seed).
    InvalidParameters,
    /// Fewer signers than the key's threshold (the minimum number of signers).
    NotEnoughSigners,
    /// The aggregated signature does not verify: quarantine the key, never retry automatically.
    InvalidSignature,
    /// A state object used after it was consumed (e.g. signing nonces used twice).
    StateConsumed,
    /// An OT-extension, multiplication or Γ consistency check failed: ban the culprit's pairwise
    /// OT setup (no further signing with it until a complete refresh).
    ConsistencyCheckFailed,
    /// A key share whose pairwise setup with the culprit was banned after a failed check.
    PeerBanned,
}

impl ErrorCode {
    /// The stable string form used across the wasm boundary.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Decode => "DECODE",
            ErrorCode::UnsupportedVersion => "UNSUPPORTED_VERSION",
            ErrorCode::WrongProtocol => "WRONG_PROTOCOL",
            ErrorCode::WrongSession => "WRONG_SESSION",
            ErrorCode::WrongRound => "WRONG_ROUND",
            ErrorCode::WrongReceiver => "WRONG_RECEIVER",
            ErrorCode::UnknownSender => "UNKNOWN_SENDER",
            ErrorCode::DuplicateMessage => "DUPLICATE_MESSAGE",
            ErrorCode::MissingMessages => "MISSING_MESSAGES",
            ErrorCode::InvalidPoint => "INVALID_POINT",
            ErrorCode::InvalidScalar => "INVALID_SCALAR",
            ErrorCode::InvalidIdentifier => "INVALID_IDENTIFIER",
            ErrorCode::InvalidProof => "INVALID_PROOF",
            ErrorCode::InvalidShare => "INVALID_SHARE",
            ErrorCode::InvalidSignatureShare => "INVALID_SIGNATURE_SHARE",
            ErrorCode::InconsistentBroadcast => "INCONSISTENT_BROADCAST",
            ErrorCode::InvalidLength => "INVALID_LENGTH",
            ErrorCode::DecryptionFailed => "DECRYPTION_FAILED",
            ErrorCode::InvalidParameters => "INVALID_PARAMETERS",
            ErrorCode::NotEnoughSigners => "NOT_ENOUGH_SIGNERS",
            ErrorCode::InvalidSignature => "INVALID_SIGNATURE",
            ErrorCode::StateConsumed => "STATE_CONSUMED",
            ErrorCode::ConsistencyCheckFailed => "CONSISTENCY_CHECK_FAILED",
            ErrorCode::PeerBanned => "PEER_BANNED",
        }
    }
}

/// A protocol error: code, culprits (party ids; empty when the local caller is at fault) and a
/// fixed description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// Parties to blame, ascending, without repeats.
    pub culprits: Vec<u16>,
    /// A fixed, secret-free description.
    pub detail: &'static str,
}

impl Error {
    /// An error caused by the local caller (no remote culprit).
    pub fn local(code: ErrorCode, detail: &'static str) -> Self {
        Error {
            code,
            culprits: Vec::new(),
            detail,
        }
    }

    /// An error blamed on one party.
    pub fn blame(code: ErrorCode, culprit: u16, detail: &'static str) -> Self {
        Error {
            code,
            culprits: vec![culprit],
            detail,
        }
    }

    /// An error blamed on several parties.
    pub fn blame_all(code: ErrorCode, mut culprits: Vec<u16>, detail: &'static str) -> Self {
        culprits.sort_unstable();
        culprits.dedup();
        Error {
            code,
            culprits,
            detail,
        }
    }

    /// Sets the culprit of an error raised by a sender-agnostic decoder.
    pub fn from_party(mut self, culprit: u16) -> Self {
        if self.culprits.is_empty() {
            self.culprits.push(culprit);
        }
        self
    }

    /// JSON form used across the wasm boundary: `{"code","culprits","detail"}`.
    pub fn to_json(&self) -> String {
        let culprits: Vec<String> = self.culprits.iter().map(|c| c.to_string()).collect();
        format!(
            "{{\"code\":\"{}\",\"culprits\":[{}],\"detail\":\"{}\"}}",
            self.code.as_str(),
            culprits.join(","),
            self.detail
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)?;
        if !self.culprits.is_empty() {
            write!(f, " (culprits {:?})", self.culprits)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Result alias for the core.
pub type Result<T> = core::result::Result<T, Error>;
