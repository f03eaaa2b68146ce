//! Distributed key generation without a dealer: the FROST paper's KeyGen (Komlo–Goldberg,
//! "FROST: Flexible Round-Optimized Schnorr Threshold Signatures", 2020, Figure 1), a Pedersen
//! DKG with Feldman commitments and a Schnorr proof of knowledge of each constant term.
//!
//! The paper assumes a broadcast channel; over point-to-point links we make equivocation
//! detectable instead: every round-two message echoes the digests of all round-one broadcasts its
//! sender saw, and a receiver whose view differs aborts, naming the parties involved.
//! Round-two shares are encrypted inside the core under a pairwise key from ephemeral
//! Diffie–Hellman keys carried in the (authenticated) round-one broadcasts, so a secret share
//! never crosses into JavaScript in the clear.
#![forbid(unsafe_code)]

use super::keys::{KeyPackage, PublicKeyPackage};
use super::suite::{self, CONTEXT};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_params;
use crate::common::rng;
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, Protocol, SessionId, BROADCAST};
use crate::hash::transcript::Transcript;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::Identity;
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use zeroize::{Zeroize, Zeroizing};

const ROUND1: u8 = 1;
const ROUND2: u8 = 2;
const ENCRYPTED_SHARE_LEN: usize = 32 + 16;

/// Public parameters of one DKG session. `threshold` is the minimum number of signers.
#[derive(Debug, Clone)]
pub struct DkgParams {
    /// Session id every message is bound to.
    pub session: SessionId,
    /// Minimum number of signers (the paper's t).
    pub threshold: u16,
    /// Number of parties (the paper's n); identifiers are 1..=parties.
    pub parties: u16,
    /// The local party's identifier.
    pub me: u16,
}

impl DkgParams {
    fn validate(&self) -> Result<()> {
        validate_params(self.threshold, self.parties)?;
        if self.me == 0 || self.me > self.parties {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "own id outside 1..=parties",
            ));
        }
        Ok(())
    }

    fn others(&self) -> Vec<u16> {
        (1..=self.parties).filter(|i| *i != self.me).collect()
    }

    fn all(&self) -> Vec<u16> {
        (1..=self.parties).collect()
    }

    fn round1_len(&self) -> usize {
        usize::from(self.threshold) * 32 + 96
    }

    fn round2_len(&self) -> usize {
        ENCRYPTED_SHARE_LEN + usize::from(self.parties) * 32
    }

    fn expects(&self, round: u8, direct: bool, payload_len: usize) -> Expects {
        Expects {
            protocol: Protocol::FrostEd25519Dkg,
            session: self.session,
            round,
            me: self.me,
            direct,
            payload_len,
        }
    }
}

/// A party's round-one broadcast as received and verified.
pub struct Round1Package {
    commitment: Vec<EdwardsPoint>,
    ephemeral: EdwardsPoint,
    digest: [u8; 32],
}

/// Secret state after round one: the polynomial and the ephemeral DH key (zeroized on drop).
/// Consumed by `advance`.
pub struct Round1 {
    params: DkgParams,
    coefficients: Zeroizing<Vec<Scalar>>,
    ephemeral_secret: Zeroizing<Scalar>,
    own: Round1Package,
    input: RoundInput<Round1Package>,
}

/// FROST KeyGen round 1 challenge c_i = H(i, Φ, g^{a_i0}, R_i), Φ binding suite, session and
/// parameters (Figure 1, round 1 step 2).
fn pok_challenge(params: &DkgParams, id: u16, phi0: &EdwardsPoint, r: &EdwardsPoint) -> Scalar {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/pok/v1");
    t.append(CONTEXT)
        .append(&params.session)
        .append(&params.threshold.to_be_bytes())
        .append(&params.parties.to_be_bytes())
        .append(&id.to_be_bytes())
        .append(&suite::serialize_element(phi0))
        .append(&suite::serialize_element(r));
    Scalar::from_bytes_mod_order_wide(&t.finish())
}

fn echo_digest(params: &DkgParams, sender: u16, payload: &[u8]) -> [u8; 32] {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/echo/v1");
    t.append(&params.session)
        .append(&sender.to_be_bytes())
        .append(payload);
    let mut d = [0u8; 32];
    d.copy_from_slice(&t.finish()[..32]);
    d
}

fn share_cipher(
    params: &DkgParams,
    sender: u16,
    receiver: u16,
    e_sender: &EdwardsPoint,
    e_receiver: &EdwardsPoint,
    shared: &EdwardsPoint,
) -> ChaCha20Poly1305 {
    let mut t = Transcript::new(b"tessera/frost-ed25519/dkg/share-key/v1");
    t.append(&params.session)
        .append(&sender.to_be_bytes())
        .append(&receiver.to_be_bytes())
        .append(&suite::serialize_element(e_sender))
        .append(&suite::serialize_element(e_receiver))
        .append(&suite::serialize_element(shared));
    let digest = Zeroizing::new(t.finish());
    ChaCha20Poly1305::new(Key::from_slice(&digest[..32]))
}

/// Evaluates f(x) = Σ a_k x^k by Horner's rule.
fn evaluate(coefficients: &[Scalar], x: u16) -> Scalar {
    let x = suite::identifier(x);
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, a| acc * x + a)
}

/// Evaluates Σ φ_k x^k in the exponent (Figure 1, round 2 step 2).
fn evaluate_commitment(commitment: &[EdwardsPoint], x: u16) -> EdwardsPoint {
    let x = suite::identifier(x);
    commitment
        .iter()
        .rev()
        .fold(EdwardsPoint::identity(), |acc, phi| acc * x + phi)
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

/// Secret state after round two: this party's own share f_i(i), the shares received so far and
/// the DH key to open them (all zeroized on drop). Consumed by `finish`.
pub struct Round2 {
    params: DkgParams,
    ephemeral_secret: Zeroizing<Scalar>,
    own_share: Zeroizing<Scalar>,
    packages: Vec<(u16, Round1Package)>,
    input: RoundInput<Zeroizing<Scalar>>,
}

impl Round2 {
    fn package(&self, id: u16) -> &Round1Package {
        &self.packages[usize::from(id - 1)].1
    }
}

impl Receives for Round2 {
    type Message = Zeroizing<Scalar>;
    fn input(&self) -> &RoundInput<Zeroizing<Scalar>> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<Zeroizing<Scalar>> {
        &mut self.input
    }

    /// Round 2 step 2: checks the sender's echo of round one, decrypts its share f_l(i) and
    /// verifies it against the sender's commitments.
    fn read(&self, r: &mut Reader<'_>) -> Result<Zeroizing<Scalar>> {
        let p = &self.params;
        let sender = r.sender();
        let (ct, echoes) = (r.take(ENCRYPTED_SHARE_LEN)?, r.rest());
        for j in p.all() {
            let theirs = &echoes[32 * usize::from(j - 1)..32 * usize::from(j)];
            if theirs != self.package(j).digest.as_slice() {
                let culprits = if j == sender || j == p.me {
                    vec![sender]
                } else {
                    vec![j, sender]
                };
                return Err(Error::blame_all(
                    ErrorCode::InconsistentBroadcast,
                    culprits,
                    "parties saw different round-one broadcasts",
                ));
            }
        }
        let header = Header {
            protocol: Protocol::FrostEd25519Dkg,
            session: p.session,
            round: ROUND2,
            sender,
            receiver: p.me,
        };
        let theirs = self.package(sender);
        let mine = self.package(p.me);
        let cipher = share_cipher(
            p,
            sender,
            p.me,
            &theirs.ephemeral,
            &mine.ephemeral,
            &(theirs.ephemeral * *self.ephemeral_secret),
        );
        let aad = header.bytes();
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload { msg: ct, aad: &aad },
                )
                .map_err(|_| {
                    Error::blame(
                        ErrorCode::DecryptionFailed,
                        sender,
                        "share does not decrypt under the pairwise key",
                    )
                })?,
        );
        let share = Zeroizing::new(
            suite::deserialize_nonzero_scalar(&plain).map_err(|e| e.from_party(sender))?,
        );
        // g^{f_l(i)} ?= Π φ_lk^{i^k mod q}
        if EdwardsPoint::mul_base(&share) != evaluate_commitment(&theirs.commitment, p.me) {
            return Err(Error::blame(
                ErrorCode::InvalidShare,
                sender,
                "share does not match the sender's commitments",
            ));
        }
        Ok(share)
    }
}

impl Round2 {
    /// Round 2 steps 3–5: s_i = Σ f_l(i), every verifying share Y_j and the group key Y = Π φ_l0.
    pub fn finish(self) -> Result<KeyPackage> {
        self.input.require_complete()?;
        let p = &self.params;
        let mut signing_share = Zeroizing::new(*self.own_share);
        for (_, share) in self.input.iter() {
            *signing_share += **share;
        }
        // Σ_l φ_lk for each k: the commitment to the group polynomial.
        let t = usize::from(p.threshold);
        let mut group_commitment = vec![EdwardsPoint::identity(); t];
        for (_, pkg) in &self.packages {
            for (acc, phi) in group_commitment.iter_mut().zip(&pkg.commitment) {
                *acc += phi;
            }
        }
        let verifying_shares: Vec<EdwardsPoint> = p
            .all()
            .into_iter()
            .map(|j| evaluate_commitment(&group_commitment, j))
            .collect();
        let public = PublicKeyPackage::new(
            p.threshold,
            p.parties,
            verifying_shares,
            group_commitment[0],
        )?;
        KeyPackage::new(p.me, *signing_share, public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::round::Round;
    use crate::test_util::{frames, receiver};

    /// A malicious party 2 encrypts a share that does not match its own commitments: party 1
    /// must reject it as `InvalidShare` naming party 2, and keep waiting for a valid one.
    #[test]
    fn share_not_matching_commitment_is_blamed() {
        let session = [3u8; 32];
        let mut r1: Vec<Round1> = (1..=3u16)
            .map(|me| {
                round1(
                    DkgParams {
                        session,
                        threshold: 2,
                        parties: 3,
                        me,
                    },
                    &mut rng::from_seed(&[me as u8 + 1; 32]).unwrap(),
                )
                .unwrap()
            })
            .collect();
        let msgs: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
        for (i, s) in r1.iter_mut().enumerate() {
            for (j, m) in msgs.iter().enumerate() {
                if i != j {
                    s.receive(m).unwrap();
                }
            }
        }
        let mut r2: Vec<Round2> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
        let honest = frames(r2[1].outgoing())
            .into_iter()
            .find(|m| receiver(m) == 1)
            .unwrap();
        let evil = {
            let p2 = &r2[1];
            let (e1, e2) = (p2.package(1).ephemeral, p2.package(2).ephemeral);
            let cipher = share_cipher(&p2.params, 2, 1, &e2, &e1, &(e1 * *p2.ephemeral_secret));
            let header = Header {
                protocol: Protocol::FrostEd25519Dkg,
                session,
                round: ROUND2,
                sender: 2,
                receiver: 1,
            };
            let aad = header.bytes();
            let plain = cipher
                .decrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &honest[39..39 + ENCRYPTED_SHARE_LEN],
                        aad: &aad,
                    },
                )
                .unwrap();
            let wrong = suite::deserialize_scalar(&plain).unwrap() + Scalar::ONE;
            let mut payload = cipher
                .encrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &wrong.to_bytes(),
                        aad: &aad,
                    },
                )
                .unwrap();
            payload.extend_from_slice(&honest[39 + ENCRYPTED_SHARE_LEN..]);
            header.seal(&payload)
        };
        let err = r2[0].receive(&evil).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidShare);
        assert_eq!(err.culprits, vec![2]);
        assert_eq!(r2[0].missing(), vec![2, 3]);
        r2[0].receive(&honest).unwrap();
    }
}
