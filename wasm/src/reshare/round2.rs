//! Reshare round two (spec §5 steps 3–5), direct from each dealer to every other participant:
//! the opening of Com_i (B_i, chain, salt), the old context (pk, X_1..X_n) and, for a receiver,
//! the sealed sub-share g_i(j). Every check of spec §5 step 4 runs on receipt and blames the
//! dealer; once all dealings are in, the new public shares and the R3 confirmation follow.
#![forbid(unsafe_code)]

use super::group::{commitment_eval, lagrange, Context, Group, NewKey};
use super::messages::{Dealing, PeerR1};
use super::round3::Round3;
use super::session::{context_hash, enc_points, tag, Common, SEALED_LEN};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::MAX_PARTIES;
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, BROADCAST, HEADER_LEN};
use crate::hash::{opens, th};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use zeroize::Zeroizing;

/// Round-two state.
pub struct Round2<G: Group> {
    pub(crate) common: Common<G>,
    pub(crate) peers: Vec<(u16, PeerR1<G>)>,
    pub(crate) own: Option<Dealing<G>>,
    /// Without an old share of my own: the first dealer's context, which every other must match.
    pub(crate) reference: Option<(u16, Context<G>)>,
    pub(crate) input: RoundInput<Dealing<G>>,
}

impl<G: Group> Round2<G> {
    pub(crate) fn new(
        common: Common<G>,
        peers: Vec<(u16, PeerR1<G>)>,
        own: Option<Dealing<G>>,
        outgoing: Vec<u8>,
    ) -> Self {
        // The payload length depends on the old committee size it announces: see `payload_len`.
        let expects = Expects {
            protocol: G::PROTOCOL,
            session: common.params.session,
            round: 2,
            me: common.me(),
            direct: true,
            payload_len: 0,
        };
        let input = RoundInput::new(expects, common.layout.other_dealers(common.me()), outgoing);
        Round2 {
            common,
            peers,
            own,
            reference: None,
            input,
        }
    }
}

/// The old committee size a dealing announces in its first two payload bytes (0 if absent).
fn announced(payload: &[u8]) -> usize {
    if payload.len() >= 2 {
        usize::from(u16::from_be_bytes([payload[0], payload[1]]))
    } else {
        0
    }
}

impl<G: Group> Receives for Round2<G> {
    type Message = Dealing<G>;
    fn input(&self) -> &RoundInput<Dealing<G>> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Dealing<G>> {
        &mut self.input
    }

    fn payload_len(&self, msg: &[u8]) -> usize {
        self.common
            .r2_len(announced(msg.get(HEADER_LEN..).unwrap_or(&[])))
    }

    /// Without an old share of my own, the first dealing accepted is the reference context.
    fn accepted(&mut self, sender: u16) {
        if self.common.own_ctx.is_none() && self.reference.is_none() {
            let ctx = self
                .input
                .iter()
                .find(|(j, _)| *j == sender)
                .map(|(_, d)| d.ctx.clone());
            self.reference = ctx.map(|ctx| (sender, ctx));
        }
    }

    /// Runs the checks of spec §5 step 4 on one dealing; each failure blames the dealer.
    fn read(&self, r: &mut Reader<'_>) -> Result<Dealing<G>> {
        let c = &self.common;
        let (sender, pl) = (r.sender(), r.rest());
        let n = announced(pl);
        if n == 0 || n > usize::from(MAX_PARTIES) {
            return Err(Error::blame(
                ErrorCode::InvalidLength,
                sender,
                "old committee size outside 1..=255",
            ));
        }
        let pl_len = G::POINT_LEN;
        let t = usize::from(c.params.new_threshold);
        r.take(2)?;
        let b_bytes = r.take(pl_len * t)?;
        let chain = r.array::<32>()?;
        let salt = r.array::<64>()?;
        let pk_bytes = r.take(pl_len)?;
        let x_bytes = r.take(pl_len * n)?;
        let sealed = r.rest();
        let dec = |b: &[u8]| {
            b.chunks(pl_len)
                .map(G::dec_point)
                .collect::<Result<Vec<_>>>()
                .map_err(|e| e.from_party(sender))
        };
        let commitment = dec(b_bytes)?;
        let ctx = Context {
            pk: dec(pk_bytes)?[0],
            shares: dec(x_bytes)?,
            chain,
        };
        // The commitment of round one opens.
        let com = self
            .peers
            .iter()
            .find(|(j, _)| *j == sender)
            .and_then(|(_, r)| r.commitment)
            .ok_or_else(|| {
                Error::blame(
                    ErrorCode::UnknownSender,
                    sender,
                    "no round-one commitment from this dealer",
                )
            })?;
        let opened = [
            b_bytes,
            &chain[..],
            &context_hash(&c.dsid, c.params.old_threshold, &ctx)[..],
        ]
        .concat();
        if !opens(&com, &c.dsid, sender, BROADCAST, &salt, &opened) {
            return Err(Error::blame(
                ErrorCode::InvalidProof,
                sender,
                "commitment opening does not match",
            ));
        }
        // Every dealer vouches for the same old context (pk, X_k, chain), and for mine if I hold one.
        if let Some(own) = &c.own_ctx {
            if ctx != *own {
                return Err(Error::blame(
                    ErrorCode::InconsistentBroadcast,
                    sender,
                    "dealer's key context differs from this party's",
                ));
            }
        } else if let Some((first, reference)) = &self.reference {
            if ctx != *reference {
                return Err(Error::blame_all(
                    ErrorCode::InconsistentBroadcast,
                    vec![*first, sender],
                    "dealers disagree about the key context",
                ));
            }
        }
        if c.layout.old_ids.iter().any(|o| usize::from(*o) > n) {
            return Err(Error::blame(
                ErrorCode::InvalidLength,
                sender,
                "old public shares do not cover every dealer",
            ));
        }
        // B_{i,0} = λ_i^D·X_{old id}: the dealer reshares exactly its share of the key. A
        // mismatch is INVALID_SHARE (the dealing does not match the dealer's public share).
        let old_id = c.layout.old_id(sender).unwrap_or(0);
        let expected =
            ctx.shares[usize::from(old_id) - 1] * lagrange::<G>(&c.layout.old_ids, old_id);
        if commitment[0] != expected {
            return Err(Error::blame(
                ErrorCode::InvalidShare,
                sender,
                "dealing does not reshare the dealer's old public share",
            ));
        }
        // g_i(j) decrypts and g_i(j)·G = Σ_k j^k·B_{i,k}.
        let share = match c.layout.new_id(c.me()) {
            None => None,
            Some(j) => {
                debug_assert_eq!(sealed.len(), SEALED_LEN);
                let e_s = self
                    .peers
                    .iter()
                    .find(|(k, _)| *k == sender)
                    .map(|(_, r)| r.ephemeral)
                    .unwrap_or(c.e_me);
                let header = Header {
                    protocol: G::PROTOCOL,
                    session: c.params.session,
                    round: 2,
                    sender,
                    receiver: c.me(),
                };
                let cipher = c.cipher(sender, c.me(), &e_s, &c.e_me, &(e_s * *c.ephemeral));
                let aad = header.bytes();
                let plain = Zeroizing::new(
                    cipher
                        .decrypt(
                            Nonce::from_slice(&[0u8; 12]),
                            Payload {
                                msg: sealed,
                                aad: &aad,
                            },
                        )
                        .map_err(|_| {
                            Error::blame(
                                ErrorCode::DecryptionFailed,
                                sender,
                                "direct message does not decrypt",
                            )
                        })?,
                );
                let s = Zeroizing::new(G::dec_scalar(&plain).map_err(|e| e.from_party(sender))?);
                if G::mul_base(&s) != commitment_eval::<G>(&commitment, j) {
                    return Err(Error::blame(
                        ErrorCode::InvalidShare,
                        sender,
                        "share does not match the dealer's commitments",
                    ));
                }
                Some(s)
            }
        };
        Ok(Dealing {
            commitment,
            ctx,
            share,
        })
    }
}

impl<G: Group> Round2<G> {
    /// Spec §5 steps 4–5: Σ_i B_{i,0} = pk, x'_j = Σ_i g_i(j), X'_k = Σ_i Σ_m k^m·B_{i,m}, and
    /// the R3 confirmation over everything that must be common knowledge.
    pub fn advance(self) -> Result<Round3<G>> {
        let Round2 {
            common: c,
            peers,
            own,
            input,
            ..
        } = self;
        let mut all: Vec<(u16, Dealing<G>)> = input.into_complete()?;
        if let Some(d) = own {
            all.push((c.me(), d));
        }
        all.sort_by_key(|(p, _)| *p);
        let ctx = all
            .first()
            .map(|(_, d)| d.ctx.clone())
            .ok_or_else(|| Error::local(ErrorCode::MissingMessages, "no dealings"))?;
        let t = usize::from(c.params.new_threshold);
        let mut group = vec![G::identity(); t];
        for (_, d) in &all {
            for (g, b) in group.iter_mut().zip(d.commitment.iter()) {
                *g = *g + *b;
            }
        }
        if group[0] != ctx.pk {
            let dealers = all.iter().map(|(p, _)| *p).collect();
            return Err(Error::blame_all(
                ErrorCode::InvalidShare,
                dealers,
                "dealings do not add up to the public key",
            ));
        }
        let new_shares: Vec<G::Point> = (1..=c.layout.new_parties)
            .map(|k| commitment_eval::<G>(&group, k))
            .collect();
        let key = match c.layout.new_id(c.me()) {
            None => None,
            Some(j) => {
                let mut x = Zeroizing::new(G::zero());
                for (_, d) in &all {
                    let s = d.share.as_ref().ok_or_else(|| {
                        Error::local(
                            ErrorCode::MissingMessages,
                            "a dealing lacks this party's share",
                        )
                    })?;
                    *x = *x + **s;
                }
                if G::mul_base(&x) != new_shares[usize::from(j) - 1] {
                    return Err(Error::local(
                        ErrorCode::InvalidShare,
                        "new share does not match the new public shares",
                    ));
                }
                Some(NewKey {
                    threshold: c.params.new_threshold,
                    id: j,
                    epoch: c.params.session,
                    x,
                    ctx: Context {
                        pk: ctx.pk,
                        shares: new_shares.clone(),
                        chain: ctx.chain,
                    },
                })
            }
        };
        let mut ephemerals: Vec<(u16, G::Point)> =
            peers.iter().map(|(j, r)| (*j, r.ephemeral)).collect();
        ephemerals.push((c.me(), c.e_me));
        ephemerals.sort_by_key(|(j, _)| *j);
        let commitments: Vec<u8> = all
            .iter()
            .flat_map(|(_, d)| enc_points::<G>(&d.commitment))
            .collect();
        let eph: Vec<u8> = ephemerals
            .iter()
            .flat_map(|(_, e)| G::enc_point(e))
            .collect();
        let confirm = th(
            tag::CONFIRM,
            &[
                &c.dsid,
                &G::enc_point(&ctx.pk),
                &ctx.chain,
                &commitments,
                &enc_points::<G>(&new_shares),
                &eph,
            ],
        );
        let outgoing = if key.is_some() {
            let header = Header {
                protocol: G::PROTOCOL,
                session: c.params.session,
                round: 3,
                sender: c.me(),
                receiver: BROADCAST,
            };
            wire::frame(&[header.seal(&confirm)])
        } else {
            wire::frame(&[])
        };
        Ok(Round3::new(c, confirm, key, outgoing))
    }
}
