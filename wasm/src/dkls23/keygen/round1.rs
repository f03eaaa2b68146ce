//! Keygen round one (spec §3.2 R1, §3.3): commit to the polynomial and chain-code share, send
//! an ephemeral ECDH key, commit to each zero-sharing seed, and open both base OTs per pair.
#![forbid(unsafe_code)]

use super::messages::PeerR1;
use super::params::{base_ot_sid, encode_commitment, p2p_cipher, DkgParams, R1_LEN, SECRET_LEN};
use super::round2::Round2;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_params;
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, BROADCAST};
use crate::dkls23::curve::{dec_point, enc_point, enc_scalar, poly_eval, random_scalar};
use crate::dkls23::keys::KeyShare;
use crate::dkls23::primitives::base_ot::{self, SENDER_MSG_LEN};
use crate::dkls23::primitives::dlog;
use crate::hash::{commit, sid};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use k256::{ProjectivePoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

/// This party's secret pairwise state from round one.
pub(super) struct MyPeer {
    pub(super) seed: Zeroizing<[u8; 32]>,
    pub(super) seed_salt: [u8; 64],
    pub(super) nu: [u8; 32],
    pub(super) delta: Zeroizing<[u8; 32]>,
    pub(super) sender: base_ot::Sender,
    pub(super) receiver: base_ot::Receiver,
}

/// Round-one state.
pub struct Round1 {
    params: DkgParams,
    refresh: Option<KeyShare>,
    coefficients: Zeroizing<Vec<Scalar>>,
    commitment: Vec<ProjectivePoint>,
    chain_part: [u8; 32],
    salt: [u8; 64],
    ephemeral: Zeroizing<Scalar>,
    mine: Vec<(u16, MyPeer)>,
    input: RoundInput<PeerR1>,
}

/// Starts a key generation (`refresh = None`) or a complete refresh of `refresh`.
pub fn round1(
    params: DkgParams,
    refresh: Option<KeyShare>,
    rng: &mut ChaCha20Rng,
) -> Result<Round1> {
    validate_params(params.threshold, params.parties)?;
    if params.me == 0 || params.me > params.parties {
        return Err(Error::local(
            ErrorCode::InvalidIdentifier,
            "own id outside 1..=parties",
        ));
    }
    if let Some(k) = &refresh {
        if k.public.threshold != params.threshold
            || k.public.parties != params.parties
            || k.id != params.me
        {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "refresh parameters do not match the key share",
            ));
        }
        if k.public.epoch == params.session {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "refresh needs a fresh session id",
            ));
        }
    }
    let is_refresh = refresh.is_some();
    let t = usize::from(params.threshold);
    // Spec §3.2 R1 (and §5: a refresh polynomial has a_{i,0} = 0).
    let coefficients: Zeroizing<Vec<Scalar>> = Zeroizing::new(
        (0..t)
            .map(|k| {
                if k == 0 && is_refresh {
                    Scalar::ZERO
                } else {
                    random_scalar(rng)
                }
            })
            .collect(),
    );
    let commitment: Vec<ProjectivePoint> = coefficients
        .iter()
        .skip(usize::from(is_refresh))
        .map(|a| ProjectivePoint::GENERATOR * a)
        .collect();
    let mut chain_part = [0u8; 32];
    rng.fill_bytes(&mut chain_part);
    let mut salt = [0u8; 64];
    rng.fill_bytes(&mut salt);
    let ephemeral = Zeroizing::new(random_scalar(rng));
    let e_pub = enc_point(&(ProjectivePoint::GENERATOR * *ephemeral));
    let com = commit(
        &params.session,
        params.me,
        BROADCAST,
        &salt,
        &[
            encode_commitment(&commitment),
            chain_part.to_vec(),
            e_pub.to_vec(),
        ]
        .concat(),
    );

    let mut mine = Vec::new();
    let mut messages = Vec::new();
    for j in params.others() {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut seed[..]);
        let mut seed_salt = [0u8; 64];
        rng.fill_bytes(&mut seed_salt);
        let mut nu = [0u8; 32];
        rng.fill_bytes(&mut nu);
        let mut delta = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut delta[..]);
        let (sender, sender_msg) =
            base_ot::sender_start(&base_ot_sid(&params.session, params.me, j), rng);
        let (receiver, receiver_msg) =
            base_ot::receiver_start(&base_ot_sid(&params.session, j, params.me), &delta, rng)?;
        let mut payload = Vec::with_capacity(R1_LEN);
        payload.extend_from_slice(&com);
        payload.extend_from_slice(&e_pub);
        payload.extend_from_slice(&commit(
            &params.session,
            params.me,
            j,
            &seed_salt,
            &seed[..],
        ));
        payload.extend_from_slice(&nu);
        payload.extend_from_slice(&sender_msg);
        payload.extend_from_slice(&receiver_msg);
        let header = Header {
            protocol: params.protocol(is_refresh),
            session: params.session,
            round: 1,
            sender: params.me,
            receiver: j,
        };
        messages.push(header.seal(&payload));
        mine.push((
            j,
            MyPeer {
                seed,
                seed_salt,
                nu,
                delta,
                sender,
                receiver,
            },
        ));
    }
    let input = RoundInput::new(
        params.expects(is_refresh, 1, true, R1_LEN),
        params.others(),
        wire::frame(&messages),
    );
    Ok(Round1 {
        params,
        refresh,
        coefficients,
        commitment,
        chain_part,
        salt,
        ephemeral,
        mine,
        input,
    })
}

impl Receives for Round1 {
    type Message = PeerR1;
    fn input(&self) -> &RoundInput<PeerR1> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<PeerR1> {
        &mut self.input
    }

    /// Reads one peer's round-one message (checked for shape and canonical points).
    fn read(&self, r: &mut Reader<'_>) -> Result<PeerR1> {
        let sender = r.sender();
        let commitment = r.array::<32>()?;
        let ephemeral = dec_point(r.take(33)?).map_err(|e| e.from_party(sender))?;
        let seed_commitment = r.array::<32>()?;
        let nu = r.array::<32>()?;
        let sender_msg = r.take(SENDER_MSG_LEN)?.to_vec();
        Ok(PeerR1 {
            commitment,
            ephemeral,
            seed_commitment,
            nu,
            sender_msg,
            receiver_msg: r.rest().to_vec(),
        })
    }
}

impl Round1 {
    /// Finishes the base OTs (spec §3.2 step 8, §3.3) and produces round two.
    pub fn advance(self, rng: &mut ChaCha20Rng) -> Result<Round2> {
        let Round1 {
            params: p,
            refresh,
            coefficients,
            commitment,
            chain_part,
            salt,
            ephemeral,
            mine,
            input,
        } = self;
        let is_refresh = refresh.is_some();
        let peers: Vec<(u16, PeerR1)> = input.into_complete()?;
        let e_me = ProjectivePoint::GENERATOR * *ephemeral;
        let pok = if is_refresh {
            Vec::new()
        } else {
            dlog::prove(
                &coefficients[0],
                &sid(b"dkg-pok", &[&p.session, &p.me.to_be_bytes()]),
                rng,
            )
        };
        let mut setups = Vec::new();
        let mut messages = Vec::new();
        for ((j, mp), (j2, pr)) in mine.into_iter().zip(peers.iter()) {
            debug_assert_eq!(j, *j2);
            // As Bob (B = me, A = j): my sender keys from j's receiver message.
            let bob_keys = mp
                .sender
                .finish(&base_ot_sid(&p.session, p.me, j), &pr.receiver_msg)
                .map_err(|e| e.from_party(j))?;
            // As Alice (B = j, A = me): my keys from j's proof of z.
            let alice_keys = mp
                .receiver
                .finish(&base_ot_sid(&p.session, j, p.me), &pr.sender_msg)
                .map_err(|e| e.from_party(j))?;
            let mut payload = Vec::with_capacity(p.r2_len(is_refresh));
            payload.extend_from_slice(&encode_commitment(&commitment));
            payload.extend_from_slice(&chain_part);
            payload.extend_from_slice(&salt);
            payload.extend_from_slice(&pok);
            let mut secret = Zeroizing::new(Vec::with_capacity(SECRET_LEN));
            secret.extend_from_slice(&enc_scalar(&poly_eval(&coefficients, j)));
            secret.extend_from_slice(&mp.seed[..]);
            secret.extend_from_slice(&mp.seed_salt);
            let header = Header {
                protocol: p.protocol(is_refresh),
                session: p.session,
                round: 2,
                sender: p.me,
                receiver: j,
            };
            let cipher = p2p_cipher(
                &p.session,
                p.me,
                j,
                &e_me,
                &pr.ephemeral,
                &(pr.ephemeral * *ephemeral),
            );
            let aad = header.bytes();
            let ct = cipher
                .encrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &secret,
                        aad: &aad,
                    },
                )
                .map_err(|_| Error::local(ErrorCode::InvalidParameters, "encryption failed"))?;
            payload.extend_from_slice(&ct);
            messages.push(header.seal(&payload));
            setups.push((j, mp.seed, mp.nu, mp.delta, bob_keys, alice_keys));
        }
        let own_share = Zeroizing::new(poly_eval(&coefficients, p.me));
        Ok(Round2 {
            input: RoundInput::new(
                p.expects(is_refresh, 2, true, p.r2_len(is_refresh)),
                p.others(),
                wire::frame(&messages),
            ),
            params: p,
            refresh,
            own_share,
            commitment,
            chain_part,
            e_me,
            ephemeral,
            peers,
            setups,
        })
    }
}
