//! KeyGen round one (Figure 1, round 1): sample the polynomial, commit to it, prove knowledge of
//! its constant term, broadcast with an ephemeral DH key; then verify every peer's broadcast.
#![forbid(unsafe_code)]

use super::messages::Round1Package;
use super::params::{echo_digest, pok_challenge, share_cipher, DkgParams, ROUND1, ROUND2};
use super::polynomial::evaluate;
use super::round2::Round2;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::rng;
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, Protocol, BROADCAST};
use crate::frost::suite;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use zeroize::{Zeroize, Zeroizing};

/// Secret state after round one: the polynomial and the ephemeral DH key (zeroized on drop).
/// Consumed by `advance`.
pub struct Round1 {
    params: DkgParams,
    coefficients: Zeroizing<Vec<Scalar>>,
    ephemeral_secret: Zeroizing<Scalar>,
    own: Round1Package,
    input: RoundInput<Round1Package>,
}

/// Round 1 (Figure 1, round 1 steps 1–4): sample the polynomial, commit, prove knowledge of the
/// constant term, and produce the broadcast.
pub fn round1(params: DkgParams, rng: &mut ChaCha20Rng) -> Result<Round1> {
    params.validate()?;
    // Step 1: t random coefficients a_i0..a_i(t-1).
    let coefficients: Zeroizing<Vec<Scalar>> = Zeroizing::new(
        (0..params.threshold)
            .map(|_| rng::random_scalar(rng))
            .collect(),
    );
    // Step 3: φ_ij = g^{a_ij}.
    let commitment: Vec<EdwardsPoint> = coefficients.iter().map(EdwardsPoint::mul_base).collect();
    // Step 2: σ_i = (R_i, μ_i) with k ← Z_q, R_i = g^k, μ_i = k + a_i0 · c_i.
    let mut k = rng::random_scalar(rng);
    let r = EdwardsPoint::mul_base(&k);
    let c = pok_challenge(&params, params.me, &commitment[0], &r);
    let mu = k + coefficients[0] * c;
    k.zeroize();
    let ephemeral_secret = Zeroizing::new(rng::random_scalar(rng));
    let ephemeral = EdwardsPoint::mul_base(&ephemeral_secret);

    let mut payload = Vec::with_capacity(params.round1_len());
    for phi in &commitment {
        payload.extend_from_slice(&suite::serialize_element(phi));
    }
    payload.extend_from_slice(&suite::serialize_element(&r));
    payload.extend_from_slice(&suite::serialize_scalar(&mu));
    payload.extend_from_slice(&suite::serialize_element(&ephemeral));
    let header = Header {
        protocol: Protocol::FrostEd25519Dkg,
        session: params.session,
        round: ROUND1,
        sender: params.me,
        receiver: BROADCAST,
    };
    // Step 4: broadcast C_i, σ_i.
    let outgoing = wire::frame(&[header.seal(&payload)]);
    let own = Round1Package {
        digest: echo_digest(&params, params.me, &payload),
        commitment,
        ephemeral,
    };
    let input = RoundInput::new(
        params.expects(ROUND1, false, params.round1_len()),
        params.others(),
        outgoing,
    );
    Ok(Round1 {
        params,
        coefficients,
        ephemeral_secret,
        own,
        input,
    })
}

impl Receives for Round1 {
    type Message = Round1Package;
    fn input(&self) -> &RoundInput<Round1Package> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Round1Package> {
        &mut self.input
    }

    /// Round 1 step 5: verifies one peer's broadcast.
    fn read(&self, r: &mut Reader<'_>) -> Result<Round1Package> {
        let p = &self.params;
        let (sender, payload) = (r.sender(), r.rest());
        let t = usize::from(p.threshold);
        let commitment = (0..t)
            .map(|k| suite::deserialize_element(&payload[32 * k..32 * (k + 1)]))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.from_party(sender))?;
        let r = suite::deserialize_element(&payload[32 * t..32 * t + 32])
            .map_err(|e| e.from_party(sender))?;
        let mu = suite::deserialize_scalar(&payload[32 * t + 32..32 * t + 64])
            .map_err(|e| e.from_party(sender))?;
        let ephemeral = suite::deserialize_element(&payload[32 * t + 64..])
            .map_err(|e| e.from_party(sender))?;
        // R_l ?= g^{μ_l} · φ_l0^{-c_l}
        let c = pok_challenge(p, sender, &commitment[0], &r);
        if EdwardsPoint::mul_base(&mu) - commitment[0] * c != r {
            return Err(Error::blame(
                ErrorCode::InvalidProof,
                sender,
                "proof of knowledge of the constant term does not verify",
            ));
        }
        let digest = echo_digest(p, sender, payload);
        Ok(Round1Package {
            commitment,
            ephemeral,
            digest,
        })
    }
}

impl Round1 {
    /// Round 2 step 1: with every broadcast in, produce each peer's encrypted share f_i(l)
    /// together with this party's view of all round-one broadcasts.
    pub fn advance(self) -> Result<Round2> {
        let Round1 {
            params: p,
            coefficients,
            ephemeral_secret,
            own,
            input,
        } = self;
        let mut packages: Vec<(u16, Round1Package)> = input.into_complete()?;
        packages.push((p.me, own));
        packages.sort_by_key(|(id, _)| *id);
        let echoes: Vec<u8> = packages.iter().flat_map(|(_, pkg)| pkg.digest).collect();
        let my_ephemeral = packages[usize::from(p.me - 1)].1.ephemeral;

        let mut messages = Vec::with_capacity(packages.len());
        for (l, pkg) in &packages {
            if *l == p.me {
                continue;
            }
            let header = Header {
                protocol: Protocol::FrostEd25519Dkg,
                session: p.session,
                round: ROUND2,
                sender: p.me,
                receiver: *l,
            };
            let share = Zeroizing::new(suite::serialize_scalar(&evaluate(&coefficients, *l)));
            let cipher = share_cipher(
                &p,
                p.me,
                *l,
                &my_ephemeral,
                &pkg.ephemeral,
                &(pkg.ephemeral * *ephemeral_secret),
            );
            let aad = header.bytes();
            let ct = cipher
                .encrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: share.as_slice(),
                        aad: &aad,
                    },
                )
                .map_err(|_| {
                    Error::local(ErrorCode::InvalidParameters, "share encryption failed")
                })?;
            let mut payload = ct;
            payload.extend_from_slice(&echoes);
            messages.push(header.seal(&payload));
        }
        let own_share = Zeroizing::new(evaluate(&coefficients, p.me));
        Ok(Round2 {
            input: RoundInput::new(
                p.expects(ROUND2, true, p.round2_len()),
                p.others(),
                wire::frame(&messages),
            ),
            ephemeral_secret,
            own_share,
            packages,
            params: p,
        })
    }
}
