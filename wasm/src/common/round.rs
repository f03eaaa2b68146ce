//! The one round driver every protocol shares. A round declares its input once, as data
//! ([`Expects`]: protocol, session, round, direction, payload length, and who must send), and
//! says how to read one message ([`Receives::read`]); the envelope check (`wire::open`), the
//! duplicate check, the length-checked [`Reader`] and the inbox are then run here, once, for
//! every round of every protocol, and the round gets `outgoing`, `missing` and `receive`.
#![forbid(unsafe_code)]

use super::error::{Error, ErrorCode, Result};
use super::wire::{self, Expect, Inbox, Protocol, SessionId};

/// What a round expects of each incoming message, besides who sends it.
#[derive(Debug, Clone, Copy)]
pub struct Expects {
    /// The protocol tag.
    pub protocol: Protocol,
    /// The session every message is bound to.
    pub session: SessionId,
    /// The round number.
    pub round: u8,
    /// The local party (the receiver).
    pub me: u16,
    /// Direct (true) or broadcast (false) messages.
    pub direct: bool,
    /// The exact payload length (a round whose length depends on the message overrides
    /// [`Receives::payload_len`]).
    pub payload_len: usize,
}

/// One round's declared input, its inbox (one slot per expected sender) and the framed
/// messages it sent.
pub struct RoundInput<T> {
    expects: Expects,
    senders: Vec<u16>,
    inbox: Inbox<T>,
    outgoing: Vec<u8>,
}

impl<T> RoundInput<T> {
    /// Expects one message from each of `senders` (the local party excluded), having sent
    /// `outgoing` (framed, possibly empty).
    pub fn new(expects: Expects, senders: Vec<u16>, outgoing: Vec<u8>) -> Self {
        RoundInput {
            expects,
            inbox: Inbox::new(senders.iter().copied()),
            senders,
            outgoing,
        }
    }

    /// The declared expectation.
    pub fn expects(&self) -> &Expects {
        &self.expects
    }

    /// The framed messages this round sends: `count u16 | (len u32 | message)*`.
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// Senders whose message has not arrived, ascending.
    pub fn missing(&self) -> Vec<u16> {
        self.inbox.missing()
    }

    /// Checks the envelope (size cap first, then sender, version, protocol, session, round,
    /// receiver, exact length) and refuses a second message from the same sender.
    pub fn open<'m>(&self, msg: &'m [u8], payload_len: usize) -> Result<Reader<'m>> {
        let e = &self.expects;
        let expect = Expect {
            protocol: e.protocol,
            session: &e.session,
            round: e.round,
            me: e.me,
            direct: e.direct,
            senders: &self.senders,
            payload_len,
        };
        let (sender, payload) = wire::open(msg, &expect)?;
        if self.inbox.has(sender) {
            return Err(Error::blame(
                ErrorCode::DuplicateMessage,
                sender,
                "second message from this sender in this round",
            ));
        }
        Ok(Reader {
            sender,
            bytes: payload,
        })
    }

    /// Stores a message that was read and verified.
    pub fn put(&mut self, sender: u16, value: T) -> Result<()> {
        self.inbox.put(sender, value)
    }

    /// Fails with `MissingMessages` naming the absent senders.
    pub fn require_complete(&self) -> Result<()> {
        self.inbox.require_complete()
    }

    /// Borrowing view of the delivered messages.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &T)> {
        self.inbox.iter()
    }

    /// Every `(sender, message)`, in sender order; fails if any is missing.
    pub fn into_complete(self) -> Result<Vec<(u16, T)>> {
        self.inbox.require_complete()?;
        Ok(self.inbox.into_complete())
    }
}

/// A payload whose length `wire::open` already checked; every read is bounds-checked anyway, so
/// a layout mistake is an `INVALID_LENGTH` blamed on the sender rather than a panic.
pub struct Reader<'m> {
    sender: u16,
    bytes: &'m [u8],
}

impl<'m> Reader<'m> {
    /// The authenticated sender of the message.
    pub fn sender(&self) -> u16 {
        self.sender
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'m [u8]> {
        if n > self.bytes.len() {
            return Err(Error::blame(
                ErrorCode::InvalidLength,
                self.sender,
                "payload has the wrong length for this round",
            ));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// The bytes not read yet (all of them before the first read).
    pub fn rest(&self) -> &'m [u8] {
        self.bytes
    }
}

/// The three calls a round driver makes: the wasm classes, the tests and the bench use these.
pub trait Round {
    /// The framed messages to send.
    fn outgoing(&self) -> &[u8];
    /// Senders still to be heard from, ascending.
    fn missing(&self) -> Vec<u16>;
    /// Validates and stores one incoming message; on error the state is unchanged.
    fn receive(&mut self, msg: &[u8]) -> Result<()>;
}

/// A round built on [`RoundInput`]: name the input and how to read one message, and
/// [`Round`] follows.
pub trait Receives {
    /// What one verified message is stored as.
    type Message;
    /// This round's input.
    fn input(&self) -> &RoundInput<Self::Message>;
    /// This round's input, to store into.
    fn input_mut(&mut self) -> &mut RoundInput<Self::Message>;
    /// Parses and verifies one opened message; runs only after the envelope, sender and
    /// duplicate checks passed, and must not change the state.
    fn read(&self, r: &mut Reader<'_>) -> Result<Self::Message>;
    /// Called once `message` from `sender` is stored (a round that remembers the first
    /// arrival, say, does it here).
    fn accepted(&mut self, _sender: u16) {}
    /// The exact payload length of `msg` (fixed unless a round announces its own).
    fn payload_len(&self, _msg: &[u8]) -> usize {
        self.input().expects().payload_len
    }
}

impl<R: Receives> Round for R {
    fn outgoing(&self) -> &[u8] {
        self.input().outgoing()
    }

    fn missing(&self) -> Vec<u16> {
        self.input().missing()
    }

    fn receive(&mut self, msg: &[u8]) -> Result<()> {
        let mut r = self.input().open(msg, self.payload_len(msg))?;
        let message = self.read(&mut r)?;
        self.input_mut().put(r.sender(), message)?;
        self.accepted(r.sender());
        Ok(())
    }
}
