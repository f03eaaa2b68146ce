//! The signing session: RFC 9591 §5 run without a trusted coordinator. Every signer broadcasts
//! its round-one commitments, then its round-two share; every signer verifies each share
//! (§5.4) and aggregates (§5.3) itself, so no single party can bias or forge the outcome.
#![forbid(unsafe_code)]

use super::aggregate;
use super::keys::{KeyPackage, PublicKeyPackage};
use super::round1::{self, SigningNonces};
use super::round2::{self, SigningContext};
use super::suite::{self, Commitment};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_identifiers;
use crate::common::rng;
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, Protocol, SessionId, BROADCAST, MAX_MESSAGE_LEN};
use crate::hash::transcript::Transcript;
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use zeroize::Zeroizing;

const ROUND1: u8 = 1;
const ROUND2: u8 = 2;
const ROUND1_LEN: usize = 32 + 64;
const ROUND2_LEN: usize = 32;
/// Largest message a signing request may carry.
pub const MAX_SIGNING_MESSAGE_LEN: usize = MAX_MESSAGE_LEN;

/// Validates a signer list against a key: ascending, distinct, within 1..=parties, including the
/// local party `me`, and at least `threshold` (the minimum number of signers) long.
pub fn validate_signers(public: &PublicKeyPackage, me: u16, signers: &[u16]) -> Result<()> {
    validate_identifiers(signers, public.parties)?;
    if signers.len() < usize::from(public.threshold) {
        return Err(Error::local(
            ErrorCode::NotEnoughSigners,
            "fewer signers than the key's threshold",
        ));
    }
    if !signers.contains(&me) {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "the local party is not among the signers",
        ));
    }
    Ok(())
}

/// What the signers agree to sign: bound into round one so a disagreement aborts before any
/// share is released.
fn request_digest(
    public: &PublicKeyPackage,
    session: &SessionId,
    signers: &[u16],
    message: &[u8],
) -> [u8; 32] {
    let mut t = Transcript::new(b"tessera/frost-ed25519/sign/request/v1");
    let ids: Vec<u8> = signers.iter().flat_map(|s| s.to_be_bytes()).collect();
    t.append(session)
        .append(&public.group_public_key())
        .append(&ids)
        .append(message);
    let mut d = [0u8; 32];
    d.copy_from_slice(&t.finish()[..32]);
    d
}

/// Round-one state: the nonces (secret, consumed by `advance`) and the commitments received.
pub struct SignRound1 {
    key: KeyPackage,
    session: SessionId,
    signers: Vec<u16>,
    message: Vec<u8>,
    digest: [u8; 32],
    nonces: SigningNonces,
    own: Commitment,
    input: RoundInput<Commitment>,
}

/// Both rounds broadcast among the signers.
fn expects(session: SessionId, round: u8, me: u16, payload_len: usize) -> Expects {
    Expects {
        protocol: Protocol::FrostEd25519Sign,
        session,
        round,
        me,
        direct: false,
        payload_len,
    }
}

/// Starts a signing session: RFC 9591 §5.1 commit, and the round-one broadcast.
pub fn start(
    key: KeyPackage,
    session: SessionId,
    signers: Vec<u16>,
    message: Vec<u8>,
    rng: &mut ChaCha20Rng,
) -> Result<SignRound1> {
    validate_signers(&key.public, key.id, &signers)?;
    if message.len() > MAX_SIGNING_MESSAGE_LEN {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "message exceeds the size limit",
        ));
    }
    let hiding_randomness = Zeroizing::new(rng::random_bytes32(rng));
    let binding_randomness = Zeroizing::new(rng::random_bytes32(rng));
    let (nonces, own) = round1::commit_with_randomness(
        key.id,
        &key.signing_share,
        &hiding_randomness,
        &binding_randomness,
    );
    let digest = request_digest(&key.public, &session, &signers, &message);
    let mut payload = Vec::with_capacity(ROUND1_LEN);
    payload.extend_from_slice(&digest);
    payload.extend_from_slice(&suite::serialize_element(&own.hiding));
    payload.extend_from_slice(&suite::serialize_element(&own.binding));
    let header = Header {
        protocol: Protocol::FrostEd25519Sign,
        session,
        round: ROUND1,
        sender: key.id,
        receiver: BROADCAST,
    };
    let outgoing = wire::frame(&[header.seal(&payload)]);
    let others: Vec<u16> = signers.iter().copied().filter(|s| *s != key.id).collect();
    let input = RoundInput::new(
        expects(session, ROUND1, key.id, ROUND1_LEN),
        others,
        outgoing,
    );
    Ok(SignRound1 {
        key,
        session,
        signers,
        message,
        digest,
        nonces,
        own,
        input,
    })
}

impl Receives for SignRound1 {
    type Message = Commitment;
    fn input(&self) -> &RoundInput<Commitment> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Commitment> {
        &mut self.input
    }

    /// Reads one signer's commitments (RFC 9591 §5.2: every element deserialized and checked).
    fn read(&self, r: &mut Reader<'_>) -> Result<Commitment> {
        read_commitment(r, &self.digest)
    }
}

/// Reads `digest ‖ hiding ‖ binding` (RFC 9591 §5.2: every element deserialized and checked);
/// a sender on another request is `InconsistentBroadcast`. Shared with `presign`.
pub(crate) fn read_commitment(r: &mut Reader<'_>, digest: &[u8; 32]) -> Result<Commitment> {
    let sender = r.sender();
    if r.take(32)? != digest {
        return Err(Error::blame(
            ErrorCode::InconsistentBroadcast,
            sender,
            "sender is signing a different request",
        ));
    }
    let hiding = suite::deserialize_element(r.take(32)?).map_err(|e| e.from_party(sender))?;
    let binding = suite::deserialize_element(r.take(32)?).map_err(|e| e.from_party(sender))?;
    Ok(Commitment {
        id: sender,
        hiding,
        binding,
    })
}

impl SignRound1 {
    /// RFC 9591 §5.2: with every commitment in, consume the nonces and produce this signer's share.
    pub fn advance(self) -> Result<SignRound2> {
        let SignRound1 {
            key,
            session,
            signers,
            message,
            nonces,
            own,
            input,
            ..
        } = self;
        let mut list: Vec<Commitment> =
            input.into_complete()?.into_iter().map(|(_, c)| c).collect();
        list.push(own);
        list.sort_by_key(|c| c.id);
        let ctx = SigningContext::new(&key.public.group_public_key, &list, &message);
        let z = round2::sign(&key, nonces, &ctx)?;
        let header = Header {
            protocol: Protocol::FrostEd25519Sign,
            session,
            round: ROUND2,
            sender: key.id,
            receiver: BROADCAST,
        };
        let outgoing = wire::frame(&[header.seal(&suite::serialize_scalar(&z))]);
        let others: Vec<u16> = signers.iter().copied().filter(|s| *s != key.id).collect();
        let input = RoundInput::new(
            expects(session, ROUND2, key.id, ROUND2_LEN),
            others,
            outgoing,
        );
        // The secret share is wiped here, as `key` drops: the last round needs only public data.
        Ok(SignRound2 {
            shares: Shares {
                public: key.public.clone(),
                ctx,
                list,
                own_share: z,
            },
            input,
        })
    }
}

/// What verifying and aggregating the shares needs (RFC 9591 §5.3–5.4): the group's public
/// data, the signing context, the commitment list and this signer's share. Shared by round two
/// and the presigned online round (`presign`).
pub(crate) struct Shares {
    pub(crate) public: PublicKeyPackage,
    pub(crate) ctx: SigningContext,
    pub(crate) list: Vec<Commitment>,
    pub(crate) own_share: Scalar,
}

impl Shares {
    /// Verifies (RFC 9591 §5.4) one signer's share; an invalid share names its signer.
    pub(crate) fn verify(&self, sender: u16, bytes: &[u8]) -> Result<Scalar> {
        let z = suite::deserialize_scalar(bytes).map_err(|e| e.from_party(sender))?;
        let commitment = self.list.iter().find(|c| c.id == sender).ok_or_else(|| {
            Error::blame(
                ErrorCode::UnknownSender,
                sender,
                "no commitment from this sender",
            )
        })?;
        aggregate::verify_signature_share(
            &self.ctx,
            commitment,
            &self.public.verifying_share(sender)?,
            &z,
        )?;
        Ok(z)
    }

    /// RFC 9591 §5.3: aggregates the verified shares of `input` and this signer's into the
    /// 64-byte Ed25519 signature `R ‖ z` and checks it.
    pub(crate) fn aggregate(&self, input: &RoundInput<Scalar>) -> Result<[u8; 64]> {
        input.require_complete()?;
        let mut shares: Vec<Scalar> = input.iter().map(|(_, z)| *z).collect();
        shares.push(self.own_share);
        aggregate::aggregate(&self.ctx, &self.public.group_public_key, &shares)
    }
}

/// Round-two state: the shared signing context and the shares received, each verified on arrival.
pub struct SignRound2 {
    shares: Shares,
    input: RoundInput<Scalar>,
}

impl SignRound2 {
    /// The binding factors of RFC 9591 §4.4, `(id, ρ)` ascending by id (public values).
    pub fn binding_factors(&self) -> &[(u16, Scalar)] {
        &self.shares.ctx.binding_factors
    }
}

impl Receives for SignRound2 {
    type Message = Scalar;
    fn input(&self) -> &RoundInput<Scalar> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Scalar> {
        &mut self.input
    }

    /// Verifies (RFC 9591 §5.4) one signer's share; an invalid share names its signer.
    fn read(&self, r: &mut Reader<'_>) -> Result<Scalar> {
        self.shares.verify(r.sender(), r.rest())
    }
}

impl SignRound2 {
    /// RFC 9591 §5.3: aggregates into the 64-byte Ed25519 signature `R ‖ z` and checks it.
    pub fn finish(self) -> Result<[u8; 64]> {
        self.shares.aggregate(&self.input)
    }
}
