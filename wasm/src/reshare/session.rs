//! What every reshare round shares: roles and parameters, the participant layout, the state
//! common to all rounds (session id, ephemeral key, own context), and the hashes and encodings
//! of spec §5.
#![forbid(unsafe_code)]

use super::group::{Context, Group};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::{validate_params, MAX_PARTIES};
use crate::common::wire::{SessionId, HEADER_LEN};
use crate::hash::{sid, th};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit};
use rand_chacha::ChaCha20Rng;
use zeroize::Zeroizing;

/// Hash tags of the reshare protocol.
pub(crate) mod tag {
    pub const CONTEXT: &[u8] = b"tessera/reshare/context/v1";
    pub const P2P_KEY: &[u8] = b"tessera/reshare/p2p-key/v1";
    pub const CONFIRM: &[u8] = b"tessera/reshare/confirm/v1";
}

/// Encrypted sub-share length: a 32-byte scalar plus the Poly1305 tag.
pub(crate) const SEALED_LEN: usize = 32 + 16;
/// Largest number of session participants (old ∪ new committee).
pub const MAX_PARTICIPANTS: u16 = 2 * MAX_PARTIES;

/// One participant's role; at least one of the two is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    /// Old party id; set iff this participant is a dealer.
    pub old_id: Option<u16>,
    /// New party id; set iff this participant receives a new share.
    pub new_id: Option<u16>,
}

impl Role {
    /// Parses flattened `(old_id, new_id)` pairs, 0 meaning none.
    pub fn from_pairs(pairs: &[u16]) -> Result<Vec<Role>> {
        if pairs.len() % 2 != 0 {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "roles must be (old id, new id) pairs",
            ));
        }
        let some = |v: u16| if v == 0 { None } else { Some(v) };
        Ok(pairs
            .chunks(2)
            .map(|c| Role {
                old_id: some(c[0]),
                new_id: some(c[1]),
            })
            .collect())
    }
}

/// Parameters of one reshare; every participant must pass the same ones (they are hashed into
/// every commitment, key and confirmation).
#[derive(Clone, Debug)]
pub struct ReshareParams {
    /// Session id; becomes the new ECDSA key's epoch.
    pub session: SessionId,
    /// This participant's index (1..=roles.len()).
    pub me: u16,
    /// The old key's threshold (minimum signers) = the number of dealers.
    pub old_threshold: u16,
    /// The new threshold (minimum signers).
    pub new_threshold: u16,
    /// Roles by participant index − 1.
    pub roles: Vec<Role>,
}

/// The validated shape of a session.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// Participant indices 1..=m except me.
    pub others: Vec<u16>,
    /// (participant, old id) of every dealer, by participant.
    pub dealers: Vec<(u16, u16)>,
    /// (participant, new id) of every receiver, by participant.
    pub receivers: Vec<(u16, u16)>,
    /// D: the dealers' old ids.
    pub old_ids: Vec<u16>,
    /// n': the number of receivers.
    pub new_parties: u16,
}

impl Layout {
    pub fn old_id(&self, participant: u16) -> Option<u16> {
        self.dealers
            .iter()
            .find(|(p, _)| *p == participant)
            .map(|(_, o)| *o)
    }
    pub fn new_id(&self, participant: u16) -> Option<u16> {
        self.receivers
            .iter()
            .find(|(p, _)| *p == participant)
            .map(|(_, n)| *n)
    }
    pub fn other_dealers(&self, me: u16) -> Vec<u16> {
        self.dealers
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| *p != me)
            .collect()
    }
    pub fn other_receivers(&self, me: u16) -> Vec<u16> {
        self.receivers
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| *p != me)
            .collect()
    }
}

impl ReshareParams {
    /// Checks the parameters (see the module docs) and derives the session layout.
    pub(crate) fn layout(&self) -> Result<Layout> {
        let m = self.roles.len();
        if m < 2 || m > usize::from(MAX_PARTICIPANTS) {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "a reshare needs 2..=510 participants",
            ));
        }
        if self.me == 0 || usize::from(self.me) > m {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "own participant index outside 1..=participants",
            ));
        }
        if self
            .roles
            .iter()
            .any(|r| r.old_id.is_none() && r.new_id.is_none())
        {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "every participant needs a role",
            ));
        }
        let index = |k: usize| (k + 1) as u16;
        let dealers: Vec<(u16, u16)> = self
            .roles
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.old_id.map(|o| (index(k), o)))
            .collect();
        let receivers: Vec<(u16, u16)> = self
            .roles
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.new_id.map(|n| (index(k), n)))
            .collect();
        let mut old_ids: Vec<u16> = dealers.iter().map(|(_, o)| *o).collect();
        old_ids.sort_unstable();
        old_ids.dedup();
        if self.old_threshold < 2
            || self.old_threshold > MAX_PARTIES
            || old_ids.len() != dealers.len()
            || dealers.len() != usize::from(self.old_threshold)
        {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "exactly old_threshold dealers with distinct old ids are required",
            ));
        }
        if old_ids.iter().any(|o| *o == 0 || *o > MAX_PARTIES) {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "old id outside 1..=255",
            ));
        }
        let new_parties = u16::try_from(receivers.len())
            .map_err(|_| Error::local(ErrorCode::InvalidParameters, "too many receivers"))?;
        validate_params(self.new_threshold, new_parties)?;
        let mut new_ids: Vec<u16> = receivers.iter().map(|(_, n)| *n).collect();
        new_ids.sort_unstable();
        if new_ids != (1..=new_parties).collect::<Vec<u16>>() {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "new ids must be exactly 1..=number of receivers",
            ));
        }
        let others = (1..=m as u16).filter(|p| *p != self.me).collect();
        Ok(Layout {
            others,
            dealers,
            receivers,
            old_ids,
            new_parties,
        })
    }

    /// The canonical encoding of the parameters every participant must agree on.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 4 * self.roles.len());
        out.extend_from_slice(&self.old_threshold.to_be_bytes());
        out.extend_from_slice(&self.new_threshold.to_be_bytes());
        for r in &self.roles {
            out.extend_from_slice(&r.old_id.unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&r.new_id.unwrap_or(0).to_be_bytes());
        }
        out
    }
}

/// State shared by every round.
pub(crate) struct Common<G: Group> {
    pub params: ReshareParams,
    pub layout: Layout,
    /// Domain-separated session id: binds the curve's protocol tag, the session and the parameters.
    pub dsid: [u8; 32],
    /// My ephemeral ECDH secret and its public point E_me.
    pub ephemeral: Zeroizing<G::Scalar>,
    pub e_me: G::Point,
    /// My old context, if I hold an old share.
    pub own_ctx: Option<Context<G>>,
}

impl<G: Group> Common<G> {
    pub fn new(
        params: ReshareParams,
        layout: Layout,
        own_ctx: Option<Context<G>>,
        rng: &mut ChaCha20Rng,
    ) -> Self {
        let dsid = sid(
            b"reshare",
            &[&[G::PROTOCOL as u8], &params.session, &params.encode()],
        );
        let ephemeral = Zeroizing::new(G::random_scalar(rng));
        let e_me = G::mul_base(&ephemeral);
        Common {
            params,
            layout,
            dsid,
            ephemeral,
            e_me,
            own_ctx,
        }
    }
    pub fn me(&self) -> u16 {
        self.params.me
    }
    pub fn is_dealer(&self, p: u16) -> bool {
        self.layout.old_id(p).is_some()
    }
    /// R1 payload length of `sender` (spec §5 step 2): E, plus Com for a dealer.
    pub fn r1_len(&self, sender: u16) -> usize {
        G::POINT_LEN + if self.is_dealer(sender) { 32 } else { 0 }
    }
    /// R2 payload length from a dealer to me, given the old committee size `n` it announces:
    /// `n u16 | B (t' points) | chain | salt | pk | X_1..X_n | sealed share if I receive`.
    pub fn r2_len(&self, n: usize) -> usize {
        let t = usize::from(self.params.new_threshold);
        2 + G::POINT_LEN * t
            + 32
            + 64
            + G::POINT_LEN * (1 + n)
            + if self.layout.new_id(self.me()).is_some() {
                SEALED_LEN
            } else {
                0
            }
    }
    /// The pairwise AEAD of direct messages from `sender` to `receiver` (like `dkls23::keygen`).
    pub fn cipher(
        &self,
        sender: u16,
        receiver: u16,
        e_s: &G::Point,
        e_r: &G::Point,
        shared: &G::Point,
    ) -> ChaCha20Poly1305 {
        let k = Zeroizing::new(th(
            tag::P2P_KEY,
            &[
                &self.dsid,
                &sender.to_be_bytes(),
                &receiver.to_be_bytes(),
                &G::enc_point(e_s),
                &G::enc_point(e_r),
                &G::enc_point(shared),
            ],
        ));
        ChaCha20Poly1305::new(Key::from_slice(&k[..]))
    }
}

/// ctx_hash = TH(pk ‖ old_threshold ‖ X_1..X_n), under the session (spec §5 step 4 context).
pub(crate) fn context_hash<G: Group>(
    dsid: &[u8; 32],
    old_threshold: u16,
    ctx: &Context<G>,
) -> [u8; 32] {
    let shares: Vec<u8> = ctx.shares.iter().flat_map(|p| G::enc_point(p)).collect();
    th(
        tag::CONTEXT,
        &[
            dsid,
            &G::enc_point(&ctx.pk),
            &old_threshold.to_be_bytes(),
            &shares,
        ],
    )
}

/// Encodes a list of points.
pub(crate) fn enc_points<G: Group>(points: &[G::Point]) -> Vec<u8> {
    points.iter().flat_map(|p| G::enc_point(p)).collect()
}

/// The sender field of a raw message, if it has a header (routing only; `wire::open` checks it).
pub(crate) fn peek_sender(msg: &[u8]) -> u16 {
    if msg.len() >= HEADER_LEN {
        u16::from_be_bytes([msg[35], msg[36]])
    } else {
        0
    }
}
