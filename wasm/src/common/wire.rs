//! The peer-message envelope every protocol step consumes and produces.
//!
//! Layout (fixed, big-endian, 39 bytes then payload):
//! `version u8 | protocol u8 | session [32] | round u8 | sender u16 | receiver u16 | payload`.
//! `receiver = 0` marks a broadcast. Payload layouts are fixed per (protocol, round), so every
//! length is checked exactly and there is one encoding per message.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};

/// Envelope format version: 2 since the signing oracles moved to BLAKE3 (issue 13), so that a
/// peer of another core refuses the message as UNSUPPORTED_VERSION instead of failing (and
/// banning) on a consistency check.
pub const WIRE_VERSION: u8 = 2;
/// Header length in bytes.
pub const HEADER_LEN: usize = 39;
/// Largest message the core accepts; anything longer is rejected before parsing.
pub const MAX_MESSAGE_LEN: usize = 128 * 1024;
/// The receiver id of a broadcast.
pub const BROADCAST: u16 = 0;
/// Session ids are 32 bytes.
pub type SessionId = [u8; 32];

/// Protocol tags carried in every envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Protocol {
    /// FROST(Ed25519, SHA-512) distributed key generation.
    FrostEd25519Dkg = 1,
    /// FROST(Ed25519, SHA-512) signing (RFC 9591 §5).
    FrostEd25519Sign = 2,
    /// DKLs23 secp256k1 key generation.
    EcdsaDkg = 3,
    /// DKLs23 secp256k1 signing.
    EcdsaSign = 4,
    /// DKLs23 secp256k1 complete refresh.
    EcdsaRefresh = 5,
    /// secp256k1 resharing (committee or threshold change, spec §5).
    EcdsaReshare = 6,
    /// Ed25519 resharing (committee or threshold change; also the Ed25519 refresh).
    FrostEd25519Reshare = 7,
    /// DKLs23 secp256k1 presigning: signing rounds 1–2, message-independent (`dkls23::presign`).
    EcdsaPresign = 8,
    /// DKLs23 secp256k1 online signing with a presignature (one broadcast round).
    EcdsaPresigned = 9,
    /// FROST(Ed25519) presigning: RFC 9591 §5.1 commitments ahead of the message.
    FrostEd25519Presign = 10,
    /// FROST(Ed25519) online signing with a presignature (RFC 9591 §5.2–5.4, one round).
    FrostEd25519Presigned = 11,
}

/// The routing and binding fields of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Which protocol the message belongs to.
    pub protocol: Protocol,
    /// The session it is bound to.
    pub session: SessionId,
    /// The round it belongs to.
    pub round: u8,
    /// Who sent it.
    pub sender: u16,
    /// Who it is for (`BROADCAST` for everyone).
    pub receiver: u16,
}

impl Header {
    /// Encodes the header followed by `payload`.
    pub fn seal(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&self.bytes());
        out.extend_from_slice(payload);
        out
    }

    /// The 39 header bytes; also used as AEAD associated data for direct messages.
    pub fn bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0] = WIRE_VERSION;
        h[1] = self.protocol as u8;
        h[2..34].copy_from_slice(&self.session);
        h[34] = self.round;
        h[35..37].copy_from_slice(&self.sender.to_be_bytes());
        h[37..39].copy_from_slice(&self.receiver.to_be_bytes());
        h
    }
}

/// What a state machine expects of the next message.
pub struct Expect<'a> {
    /// The protocol.
    pub protocol: Protocol,
    /// The session.
    pub session: &'a SessionId,
    /// The round.
    pub round: u8,
    /// The local party (the receiver).
    pub me: u16,
    /// Whether this round's messages are direct (true) or broadcast (false).
    pub direct: bool,
    /// The parties allowed to send (the local party is excluded by the check itself).
    pub senders: &'a [u16],
    /// The exact payload length of this round.
    pub payload_len: usize,
}

/// Checks a raw message against what the round expects and returns `(sender, payload)`.
///
/// Order matters: the size cap comes before any parsing, and the sender is named as culprit
/// only once it is known to be a member of the session.
pub fn open<'m>(msg: &'m [u8], expect: &Expect<'_>) -> Result<(u16, &'m [u8])> {
    if msg.len() > MAX_MESSAGE_LEN {
        return Err(Error::local(
            ErrorCode::Decode,
            "message exceeds the size limit",
        ));
    }
    if msg.len() < HEADER_LEN {
        return Err(Error::local(
            ErrorCode::Decode,
            "message shorter than its header",
        ));
    }
    let sender = u16::from_be_bytes([msg[35], msg[36]]);
    let receiver = u16::from_be_bytes([msg[37], msg[38]]);
    if sender == expect.me || !expect.senders.contains(&sender) {
        return Err(Error::blame(
            ErrorCode::UnknownSender,
            sender,
            "sender is not a member of this session",
        ));
    }
    if msg[0] != WIRE_VERSION {
        return Err(Error::blame(
            ErrorCode::UnsupportedVersion,
            sender,
            "unsupported message version",
        ));
    }
    if msg[1] != expect.protocol as u8 {
        return Err(Error::blame(
            ErrorCode::WrongProtocol,
            sender,
            "message belongs to another protocol",
        ));
    }
    if &msg[2..34] != expect.session.as_slice() {
        return Err(Error::blame(
            ErrorCode::WrongSession,
            sender,
            "message belongs to another session",
        ));
    }
    if msg[34] != expect.round {
        return Err(Error::blame(
            ErrorCode::WrongRound,
            sender,
            "message belongs to another round",
        ));
    }
    let want_receiver = if expect.direct { expect.me } else { BROADCAST };
    if receiver != want_receiver {
        return Err(Error::blame(
            ErrorCode::WrongReceiver,
            sender,
            "message is addressed to another receiver",
        ));
    }
    let payload = &msg[HEADER_LEN..];
    if payload.len() != expect.payload_len {
        return Err(Error::blame(
            ErrorCode::InvalidLength,
            sender,
            "payload has the wrong length for this round",
        ));
    }
    Ok((sender, payload))
}

/// Frames several messages into one buffer: `count u16 | (len u32 | bytes)*`, big-endian.
pub fn frame(messages: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = messages.iter().map(|m| 4 + m.len()).sum();
    let mut out = Vec::with_capacity(2 + total);
    out.extend_from_slice(&(messages.len() as u16).to_be_bytes());
    for m in messages {
        out.extend_from_slice(&(m.len() as u32).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

/// One slot per expected sender; rejects duplicates without touching the stored message.
pub struct Inbox<T> {
    slots: Vec<(u16, Option<T>)>,
}

impl<T> Inbox<T> {
    /// An inbox expecting one message from each of `senders`.
    pub fn new(senders: impl IntoIterator<Item = u16>) -> Self {
        Inbox {
            slots: senders.into_iter().map(|s| (s, None)).collect(),
        }
    }

    /// Stores `value` from `sender` unless one is already there.
    pub fn put(&mut self, sender: u16, value: T) -> Result<()> {
        match self.slots.iter_mut().find(|(s, _)| *s == sender) {
            None => Err(Error::blame(
                ErrorCode::UnknownSender,
                sender,
                "sender is not expected in this round",
            )),
            Some((_, Some(_))) => Err(Error::blame(
                ErrorCode::DuplicateMessage,
                sender,
                "second message from this sender in this round",
            )),
            Some((_, slot)) => {
                *slot = Some(value);
                Ok(())
            }
        }
    }

    /// Whether `sender` has already delivered.
    pub fn has(&self, sender: u16) -> bool {
        self.slots.iter().any(|(s, v)| *s == sender && v.is_some())
    }

    /// The senders still missing, ascending.
    pub fn missing(&self) -> Vec<u16> {
        let mut m: Vec<u16> = self
            .slots
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(s, _)| *s)
            .collect();
        m.sort_unstable();
        m
    }

    /// Fails with `MissingMessages` naming the absent senders.
    pub fn require_complete(&self) -> Result<()> {
        let missing = self.missing();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::blame_all(
                ErrorCode::MissingMessages,
                missing,
                "round is missing messages",
            ))
        }
    }

    /// All `(sender, value)` pairs; call after `require_complete`.
    pub fn into_complete(self) -> Vec<(u16, T)> {
        self.slots
            .into_iter()
            .filter_map(|(s, v)| v.map(|v| (s, v)))
            .collect()
    }

    /// Borrowing view of the delivered values.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &T)> {
        self.slots
            .iter()
            .filter_map(|(s, v)| v.as_ref().map(|v| (*s, v)))
    }
}
