//! FROST presignatures: RFC 9591 §5.1 round one run before the message is known, and a
//! one-round online signing (§5.2–5.4) that consumes the stored nonces.
//!
//! Presign (`FrostEd25519Presign`, one broadcast round): every signer commits (§5.1, the same
//! `round1::commit_with_randomness` as `sign`) and broadcasts request ‖ D_i ‖ E_i, with the
//! request a digest over the group key, the session and the signers (no message); each
//! commitment is checked as `sign` round one checks it (the same code). `finish` returns the
//! presignature: the session, the party, the signers, the group key, this signer's nonces
//! (secret) and the sorted commitment list.
//!
//! Online (`FrostEd25519Presigned`, one broadcast round): the signing context from the stored
//! list and the message (§4.4–4.6), z_i = round2::sign (§5.2, consuming the nonces), broadcast
//! bind ‖ z_i with bind a digest of (presign session, online session, group key, message). Each
//! share is verified on arrival (§5.4) and `finish` aggregates and checks (§5.3), with the code
//! of `sign` round two. A bind mismatch is `InconsistentBroadcast` naming the sender.
//!
//! A presignature is single-use, by the host: two messages signed with one nonce pair reveal the
//! signing share (RFC 9591 §5.1, "MUST NOT be reused"). The host deletes the blob before its
//! online round starts. Commitments fixed before the message are RFC 9591's own model (§5.1 is
//! message-independent; the binding factors of §4.4 bind the message at §5.2), so nothing else
//! changes.
#![forbid(unsafe_code)]

use super::keys::KeyPackage;
use super::round1::{self, SigningNonces};
use super::round2::{self, SigningContext};
use super::sign::{read_commitment, validate_signers, Shares, MAX_SIGNING_MESSAGE_LEN};
use super::suite::{self, Commitment};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::rng;
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, Protocol, SessionId, BROADCAST};
use crate::hash::transcript::Transcript;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const PRESIGN_LEN: usize = 32 + 64;
const ONLINE_LEN: usize = 32 + 32;
const ROUND: u8 = 1;
/// Presignature blob format version.
pub const PRESIGNATURE_VERSION: u8 = 1;
/// Blob kind tag: a FROST(Ed25519) presignature (key shares are 1 and 2, ECDSA presignatures 3).
pub const PRESIGNATURE_KIND: u8 = 4;
/// Largest presignature blob accepted (255 signers fit well below).
pub const MAX_PRESIGNATURE_LEN: usize = 32 * 1024;

fn expects(protocol: Protocol, session: SessionId, me: u16, payload_len: usize) -> Expects {
    Expects {
        protocol,
        session,
        round: ROUND,
        me,
        direct: false,
        payload_len,
    }
}

fn header(protocol: Protocol, session: SessionId, me: u16) -> Header {
    Header {
        protocol,
        session,
        round: ROUND,
        sender: me,
        receiver: BROADCAST,
    }
}

/// What the presigners agree to run: group key, session and signers (no message).
fn presign_digest(group_public_key: &[u8; 32], session: &SessionId, signers: &[u16]) -> [u8; 32] {
    let mut t = Transcript::new(b"tessera/frost-ed25519/presign/request/v1");
    let ids: Vec<u8> = signers.iter().flat_map(|s| s.to_be_bytes()).collect();
    t.append(session).append(group_public_key).append(&ids);
    let mut d = [0u8; 32];
    d.copy_from_slice(&t.finish()[..32]);
    d
}

/// What every online signer binds: the presignature, the request and the message.
fn online_bind(
    presign_session: &SessionId,
    session: &SessionId,
    group_public_key: &[u8; 32],
    message: &[u8],
) -> [u8; 32] {
    let mut t = Transcript::new(b"tessera/frost-ed25519/presigned/bind/v1");
    t.append(presign_session)
        .append(session)
        .append(group_public_key)
        .append(message);
    let mut d = [0u8; 32];
    d.copy_from_slice(&t.finish()[..32]);
    d
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Blob {
    version: u8,
    kind: u8,
    session: [u8; 32],
    id: u16,
    signers: Vec<u16>,
    group_public_key: [u8; 32],
    hiding: [u8; 32],
    binding: [u8; 32],
    commitments: Vec<(u16, [u8; 32], [u8; 32])>,
}

/// One signer's FROST presignature: its nonces (secret, single-use) and every signer's
/// commitments, with the presigning's public facts.
pub struct FrostPresignature {
    session: SessionId,
    id: u16,
    signers: Vec<u16>,
    group_public_key: EdwardsPoint,
    nonces: SigningNonces,
    list: Vec<Commitment>,
}

impl FrostPresignature {
    /// This party's id.
    pub fn id(&self) -> u16 {
        self.id
    }
    /// The signers (all of them sign online).
    pub fn signers(&self) -> &[u16] {
        &self.signers
    }
    /// The 32-byte group public key.
    pub fn group_public_key(&self) -> [u8; 32] {
        suite::serialize_element(&self.group_public_key)
    }

    /// Serialises for encrypted storage (secret).
    pub fn to_blob(&self) -> Result<Zeroizing<Vec<u8>>> {
        let blob = Blob {
            version: PRESIGNATURE_VERSION,
            kind: PRESIGNATURE_KIND,
            session: self.session,
            id: self.id,
            signers: self.signers.clone(),
            group_public_key: self.group_public_key(),
            hiding: suite::serialize_scalar(&self.nonces.hiding),
            binding: suite::serialize_scalar(&self.nonces.binding),
            commitments: self
                .list
                .iter()
                .map(|c| {
                    (
                        c.id,
                        suite::serialize_element(&c.hiding),
                        suite::serialize_element(&c.binding),
                    )
                })
                .collect(),
        };
        crate::common::secret::to_blob(&blob)
    }

    /// Parses and checks a stored blob: version, kind, every element (RFC 9591 §6.1), one
    /// commitment per signer in order, and this party's commitments matching its nonces.
    pub fn from_blob(bytes: &[u8]) -> Result<Self> {
        let bad = |_| {
            Error::local(
                ErrorCode::Decode,
                "presignature blob holds an invalid element, scalar or signer list",
            )
        };
        if bytes.len() > MAX_PRESIGNATURE_LEN {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob exceeds the size limit",
            ));
        }
        let (blob, rest): (Blob, &[u8]) = postcard::take_from_bytes(bytes)
            .map_err(|_| Error::local(ErrorCode::Decode, "presignature blob does not parse"))?;
        if !rest.is_empty() {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob has trailing bytes",
            ));
        }
        if blob.version != PRESIGNATURE_VERSION {
            return Err(Error::local(
                ErrorCode::UnsupportedVersion,
                "unsupported presignature blob version",
            ));
        }
        if blob.kind != PRESIGNATURE_KIND {
            return Err(Error::local(
                ErrorCode::WrongProtocol,
                "blob is not a FROST(Ed25519) presignature",
            ));
        }
        crate::common::params::validate_identifiers(
            &blob.signers,
            crate::common::params::MAX_PARTIES,
        )
        .map_err(bad)?;
        let list = blob
            .commitments
            .iter()
            .map(|(id, d, e)| {
                Ok(Commitment {
                    id: *id,
                    hiding: suite::deserialize_element(d).map_err(bad)?,
                    binding: suite::deserialize_element(e).map_err(bad)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let nonces = SigningNonces {
            hiding: suite::deserialize_nonzero_scalar(&blob.hiding).map_err(bad)?,
            binding: suite::deserialize_nonzero_scalar(&blob.binding).map_err(bad)?,
        };
        let ids: Vec<u16> = list.iter().map(|c| c.id).collect();
        let own = list.iter().find(|c| c.id == blob.id);
        if ids != blob.signers
            || blob.signers.len() < 2
            || !own.is_some_and(|c| {
                c.hiding == EdwardsPoint::mul_base(&nonces.hiding)
                    && c.binding == EdwardsPoint::mul_base(&nonces.binding)
            })
        {
            return Err(Error::local(
                ErrorCode::Decode,
                "presignature blob is inconsistent",
            ));
        }
        Ok(FrostPresignature {
            session: blob.session,
            id: blob.id,
            signers: blob.signers.clone(),
            group_public_key: suite::deserialize_element(&blob.group_public_key).map_err(bad)?,
            nonces,
            list,
        })
    }
}

/// Presign state: the nonces (secret) and the commitments received.
pub struct PresignRound1 {
    session: SessionId,
    id: u16,
    signers: Vec<u16>,
    group_public_key: EdwardsPoint,
    digest: [u8; 32],
    nonces: SigningNonces,
    own: Commitment,
    input: RoundInput<Commitment>,
}

/// Starts a presigning among `signers` (RFC 9591 §5.1 commit, broadcast).
pub fn start(
    key: KeyPackage,
    session: SessionId,
    signers: Vec<u16>,
    rng: &mut ChaCha20Rng,
) -> Result<PresignRound1> {
    validate_signers(&key.public, key.id, &signers)?;
    let hiding_randomness = Zeroizing::new(rng::random_bytes32(rng));
    let binding_randomness = Zeroizing::new(rng::random_bytes32(rng));
    let (nonces, own) = round1::commit_with_randomness(
        key.id,
        &key.signing_share,
        &hiding_randomness,
        &binding_randomness,
    );
    let digest = presign_digest(&key.public.group_public_key(), &session, &signers);
    let mut payload = Vec::with_capacity(PRESIGN_LEN);
    payload.extend_from_slice(&digest);
    payload.extend_from_slice(&suite::serialize_element(&own.hiding));
    payload.extend_from_slice(&suite::serialize_element(&own.binding));
    let protocol = Protocol::FrostEd25519Presign;
    let outgoing = wire::frame(&[header(protocol, session, key.id).seal(&payload)]);
    let others: Vec<u16> = signers.iter().copied().filter(|s| *s != key.id).collect();
    let input = RoundInput::new(
        expects(protocol, session, key.id, PRESIGN_LEN),
        others,
        outgoing,
    );
    // The secret share is wiped here, as `key` drops: the nonces are all that is kept.
    Ok(PresignRound1 {
        session,
        id: key.id,
        signers,
        group_public_key: key.public.group_public_key,
        digest,
        nonces,
        own,
        input,
    })
}

impl Receives for PresignRound1 {
    type Message = Commitment;
    fn input(&self) -> &RoundInput<Commitment> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Commitment> {
        &mut self.input
    }

    /// Reads one signer's commitments, as `sign` round one does.
    fn read(&self, r: &mut Reader<'_>) -> Result<Commitment> {
        read_commitment(r, &self.digest)
    }
}

impl PresignRound1 {
    /// With every commitment in, the presignature (secret; store it encrypted, use it once).
    pub fn finish(self) -> Result<FrostPresignature> {
        let PresignRound1 {
            session,
            id,
            signers,
            group_public_key,
            nonces,
            own,
            input,
            ..
        } = self;
        let mut list: Vec<Commitment> =
            input.into_complete()?.into_iter().map(|(_, c)| c).collect();
        list.push(own);
        list.sort_by_key(|c| c.id);
        Ok(FrostPresignature {
            session,
            id,
            signers,
            group_public_key,
            nonces,
            list,
        })
    }
}

/// Online state: the verified shares, aggregated by `finish` (`sign`'s code).
pub struct PresignedRound {
    bind: [u8; 32],
    shares: Shares,
    input: RoundInput<Scalar>,
}

/// Starts the online signing of `message` with `presignature` (consumed: its nonces sign here
/// once) and `key`, which must be the share the presignature was made with.
pub fn start_online(
    key: KeyPackage,
    presignature: FrostPresignature,
    session: SessionId,
    message: &[u8],
) -> Result<PresignedRound> {
    if presignature.group_public_key != key.public.group_public_key || presignature.id != key.id {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "the presignature was made with another key share",
        ));
    }
    validate_signers(&key.public, key.id, &presignature.signers)?;
    if message.len() > MAX_SIGNING_MESSAGE_LEN {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "message exceeds the size limit",
        ));
    }
    let FrostPresignature {
        session: presign_session,
        signers,
        nonces,
        list,
        ..
    } = presignature;
    let gpk = key.public.group_public_key();
    let bind = online_bind(&presign_session, &session, &gpk, message);
    let ctx = SigningContext::new(&key.public.group_public_key, &list, message);
    let z = round2::sign(&key, nonces, &ctx)?;
    let mut payload = [0u8; ONLINE_LEN];
    payload[..32].copy_from_slice(&bind);
    payload[32..].copy_from_slice(&suite::serialize_scalar(&z));
    let protocol = Protocol::FrostEd25519Presigned;
    let outgoing = wire::frame(&[header(protocol, session, key.id).seal(&payload)]);
    let others: Vec<u16> = signers.iter().copied().filter(|s| *s != key.id).collect();
    let input = RoundInput::new(
        expects(protocol, session, key.id, ONLINE_LEN),
        others,
        outgoing,
    );
    Ok(PresignedRound {
        bind,
        shares: Shares {
            public: key.public.clone(),
            ctx,
            list,
            own_share: z,
        },
        input,
    })
}

impl Receives for PresignedRound {
    type Message = Scalar;
    fn input(&self) -> &RoundInput<Scalar> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Scalar> {
        &mut self.input
    }

    /// Checks the bind, then verifies (RFC 9591 §5.4) the share, naming its signer.
    fn read(&self, r: &mut Reader<'_>) -> Result<Scalar> {
        let sender = r.sender();
        if r.take(32)? != self.bind {
            return Err(Error::blame(
                ErrorCode::InconsistentBroadcast,
                sender,
                "sender is using another presignature or request",
            ));
        }
        self.shares.verify(sender, r.take(32)?)
    }
}

impl PresignedRound {
    /// RFC 9591 §5.3: the 64-byte Ed25519 signature `R ‖ z`, checked before release.
    pub fn finish(self) -> Result<[u8; 64]> {
        self.shares.aggregate(&self.input)
    }
}
