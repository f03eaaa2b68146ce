//! Reshare round one (spec §5 steps 1–2), broadcast by every participant: an ephemeral ECDH
//! point E_i; a dealer adds Com_i = Com(B_i ‖ chain ‖ ctx_hash), where B_i are the Feldman
//! commitments of g_i (degree t'−1, g_i(0) = λ_i^D·x_i).
#![forbid(unsafe_code)]

use super::group::{lagrange, poly_eval, Context, Group, OldKey};
use super::messages::{Dealing, PeerR1};
use super::round2::Round2;
use super::session::{context_hash, enc_points, peek_sender, Common, ReshareParams, SEALED_LEN};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, BROADCAST};
use crate::hash::commit;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

/// What a dealer holds from round one on.
pub(crate) struct DealerSecret<G: Group> {
    /// The coefficients of g_i.
    pub coefficients: Zeroizing<Vec<G::Scalar>>,
    /// B_i.
    pub commitment: Vec<G::Point>,
    /// The salt of Com_i.
    pub salt: [u8; 64],
    /// The old context this dealer vouches for.
    pub ctx: Context<G>,
}

/// Round-one state.
pub struct Round1<G: Group> {
    pub(crate) common: Common<G>,
    pub(crate) dealer: Option<DealerSecret<G>>,
    pub(crate) input: RoundInput<PeerR1<G>>,
}

/// Starts a reshare as `params.me`; `key_blob` is this participant's old share, if it has one
/// (required for a dealer, whose blob id must equal its old id).
pub fn start<G: Group>(
    params: ReshareParams,
    key_blob: Option<&[u8]>,
    rng: &mut ChaCha20Rng,
) -> Result<Round1<G>> {
    start_with(params, key_blob, rng, |_, _| {})
}

/// `start`, letting tests corrupt a dealer's polynomial or context before it commits.
pub(crate) fn start_with<G: Group, F: FnOnce(&mut Vec<G::Scalar>, &mut Context<G>)>(
    params: ReshareParams,
    key_blob: Option<&[u8]>,
    rng: &mut ChaCha20Rng,
    tamper: F,
) -> Result<Round1<G>> {
    let layout = params.layout()?;
    let key: Option<OldKey<G>> = match key_blob {
        Some(b) => Some(G::load_key(b)?),
        None => None,
    };
    let my_old_id = layout.old_id(params.me);
    if let Some(k) = &key {
        if k.threshold != params.old_threshold {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "old threshold does not match the key share",
            ));
        }
        if layout
            .old_ids
            .iter()
            .any(|o| usize::from(*o) > k.ctx.shares.len())
        {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "a dealer's old id is outside the old committee",
            ));
        }
        if my_old_id.map_or(false, |o| o != k.id) {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "the key share's id is not this dealer's old id",
            ));
        }
    } else if my_old_id.is_some() {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "a dealer needs its old key share",
        ));
    }
    let common = Common::new(params, layout, key.as_ref().map(|k| k.ctx.clone()), rng);
    let mut payload = G::enc_point(&common.e_me);
    let dealer = match (&key, my_old_id) {
        (Some(k), Some(old_id)) => {
            // Spec §5 step 1: s_i = λ_i^D·x_i, g_i of degree t'−1 with g_i(0) = s_i.
            let t = usize::from(common.params.new_threshold);
            let s = lagrange::<G>(&common.layout.old_ids, old_id) * *k.x;
            let mut coefficients = Zeroizing::new(
                core::iter::once(s)
                    .chain((1..t).map(|_| G::random_scalar(rng)))
                    .collect::<Vec<_>>(),
            );
            let mut ctx = k.ctx.clone();
            tamper(&mut coefficients, &mut ctx);
            let commitment: Vec<G::Point> = coefficients.iter().map(G::mul_base).collect();
            let mut salt = [0u8; 64];
            rng.fill_bytes(&mut salt);
            // Spec §5 step 2: Com_i over B_i ‖ chain ‖ ctx_hash.
            let opened = [
                enc_points::<G>(&commitment),
                ctx.chain.to_vec(),
                context_hash(&common.dsid, common.params.old_threshold, &ctx).to_vec(),
            ]
            .concat();
            payload.extend_from_slice(&commit(
                &common.dsid,
                common.me(),
                BROADCAST,
                &salt,
                &opened,
            ));
            Some(DealerSecret {
                coefficients,
                commitment,
                salt,
                ctx,
            })
        }
        _ => None,
    };
    let header = Header {
        protocol: G::PROTOCOL,
        session: common.params.session,
        round: 1,
        sender: common.me(),
        receiver: BROADCAST,
    };
    let outgoing = wire::frame(&[header.seal(&payload)]);
    // The payload length depends on the sender's role: see `payload_len`.
    let expects = Expects {
        protocol: G::PROTOCOL,
        session: common.params.session,
        round: 1,
        me: common.me(),
        direct: false,
        payload_len: 0,
    };
    let input = RoundInput::new(expects, common.layout.others.clone(), outgoing);
    Ok(Round1 {
        common,
        dealer,
        input,
    })
}

impl<G: Group> Receives for Round1<G> {
    type Message = PeerR1<G>;
    fn input(&self) -> &RoundInput<PeerR1<G>> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<PeerR1<G>> {
        &mut self.input
    }

    /// The broadcast's length must fit the sender's role.
    fn payload_len(&self, msg: &[u8]) -> usize {
        self.common.r1_len(peek_sender(msg))
    }

    /// Reads one participant's broadcast.
    fn read(&self, r: &mut Reader<'_>) -> Result<PeerR1<G>> {
        let c = &self.common;
        let (sender, pl) = (r.sender(), r.rest());
        let ephemeral = G::dec_point(&pl[..G::POINT_LEN]).map_err(|e| e.from_party(sender))?;
        let commitment = if c.is_dealer(sender) {
            pl[G::POINT_LEN..].try_into().ok()
        } else {
            None
        };
        Ok(PeerR1 {
            ephemeral,
            commitment,
        })
    }
}

impl<G: Group> Round1<G> {
    /// Spec §5 step 3: a dealer opens B_i to everyone, with its context, and seals g_i(j) to
    /// each receiver j (keeping its own); a non-dealer sends nothing.
    pub fn advance(self) -> Result<Round2<G>> {
        let Round1 {
            common: c,
            dealer,
            input,
        } = self;
        let peers: Vec<(u16, PeerR1<G>)> = input.into_complete()?;
        let mut messages = Vec::new();
        let mut own_share = None;
        if let Some(d) = &dealer {
            let n = u16::try_from(d.ctx.shares.len()).map_err(|_| {
                Error::local(ErrorCode::InvalidParameters, "old committee too large")
            })?;
            let mut public = Vec::new();
            public.extend_from_slice(&n.to_be_bytes());
            public.extend_from_slice(&enc_points::<G>(&d.commitment));
            public.extend_from_slice(&d.ctx.chain);
            public.extend_from_slice(&d.salt);
            public.extend_from_slice(&G::enc_point(&d.ctx.pk));
            public.extend_from_slice(&enc_points::<G>(&d.ctx.shares));
            for (j, pr) in &peers {
                let header = Header {
                    protocol: G::PROTOCOL,
                    session: c.params.session,
                    round: 2,
                    sender: c.me(),
                    receiver: *j,
                };
                let mut payload = public.clone();
                if let Some(new_id) = c.layout.new_id(*j) {
                    let share =
                        Zeroizing::new(G::enc_scalar(&poly_eval::<G>(&d.coefficients, new_id)));
                    let cipher = c.cipher(
                        c.me(),
                        *j,
                        &c.e_me,
                        &pr.ephemeral,
                        &(pr.ephemeral * *c.ephemeral),
                    );
                    let aad = header.bytes();
                    let ct = cipher
                        .encrypt(
                            Nonce::from_slice(&[0u8; 12]),
                            Payload {
                                msg: &share[..],
                                aad: &aad,
                            },
                        )
                        .map_err(|_| {
                            Error::local(ErrorCode::InvalidParameters, "encryption failed")
                        })?;
                    debug_assert_eq!(ct.len(), SEALED_LEN);
                    payload.extend_from_slice(&ct);
                }
                messages.push(header.seal(&payload));
            }
            if let Some(my_new) = c.layout.new_id(c.me()) {
                own_share = Some(Zeroizing::new(poly_eval::<G>(&d.coefficients, my_new)));
            }
        }
        let own = dealer.map(|d| Dealing {
            commitment: d.commitment,
            ctx: d.ctx,
            share: own_share,
        });
        Ok(Round2::new(c, peers, own, wire::frame(&messages)))
    }
}
