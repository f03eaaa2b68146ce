//! Keygen round two (spec §3.2 R2 and local processing): open the commitments, prove knowledge
//! of a_i0, and send the share f_i(j) and the seed opening encrypted under the pairwise key;
//! then combine every verified share into the key and the R3 confirmation.
#![forbid(unsafe_code)]

use super::messages::{PeerR1, PeerR2};
use super::params::{encode_commitment, p2p_cipher, DkgParams};
use super::round3::Round3;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, BROADCAST};
use crate::dkls23::curve::{commitment_eval, dec_nonzero_scalar, dec_point, enc_point};
use crate::dkls23::keys::{KeyShare, PeerSetup, PublicKeyShare};
use crate::dkls23::primitives::dlog;
use crate::hash::{opens, sid, tag, th};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use k256::elliptic_curve::group::Group;
use k256::{ProjectivePoint, Scalar};
use zeroize::Zeroizing;

/// Per peer until round three: zero seed half, ν, Δ, and both base-OT key vectors (all secret but ν).
pub(super) type Setup = (
    u16,
    Zeroizing<[u8; 32]>,
    [u8; 32],
    Zeroizing<[u8; 32]>,
    Zeroizing<Vec<([u8; 32], [u8; 32])>>,
    Zeroizing<Vec<[u8; 32]>>,
);

/// Round-two state.
pub struct Round2 {
    pub(super) params: DkgParams,
    pub(super) refresh: Option<KeyShare>,
    pub(super) own_share: Zeroizing<Scalar>,
    pub(super) commitment: Vec<ProjectivePoint>,
    pub(super) chain_part: [u8; 32],
    pub(super) e_me: ProjectivePoint,
    pub(super) ephemeral: Zeroizing<Scalar>,
    pub(super) peers: Vec<(u16, PeerR1)>,
    pub(super) setups: Vec<Setup>,
    pub(super) input: RoundInput<PeerR2>,
}

impl Receives for Round2 {
    type Message = PeerR2;
    fn input(&self) -> &RoundInput<PeerR2> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<PeerR2> {
        &mut self.input
    }

    /// Verifies one peer's openings, proof and share (spec §3.2 local processing, steps 1–2).
    fn read(&self, r: &mut Reader<'_>) -> Result<PeerR2> {
        let p = &self.params;
        let is_refresh = self.refresh.is_some();
        let (sender, pl) = (r.sender(), r.rest());
        let r1 = &self
            .peers
            .iter()
            .find(|(j, _)| *j == sender)
            .ok_or_else(|| Error::blame(ErrorCode::UnknownSender, sender, "no round-one message"))?
            .1;
        let c = p.commitment_len(is_refresh);
        let f_bytes = &pl[..33 * c];
        let commitment = f_bytes
            .chunks(33)
            .map(dec_point)
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.from_party(sender))?;
        let chain_part: [u8; 32] = pl[33 * c..33 * c + 32].try_into().unwrap_or([0; 32]);
        let salt: [u8; 64] = pl[33 * c + 32..33 * c + 96].try_into().unwrap_or([0; 64]);
        let opened = [f_bytes, &chain_part[..], &enc_point(&r1.ephemeral)[..]].concat();
        if !opens(
            &r1.commitment,
            &p.session,
            sender,
            BROADCAST,
            &salt,
            &opened,
        ) {
            return Err(Error::blame(
                ErrorCode::InvalidProof,
                sender,
                "commitment opening does not match",
            ));
        }
        let mut at = 33 * c + 96;
        if !is_refresh {
            let proven = dlog::verify(
                &pl[at..at + dlog::PROOF_LEN],
                &sid(b"dkg-pok", &[&p.session, &sender.to_be_bytes()]),
            )
            .map_err(|e| e.from_party(sender))?;
            if proven != commitment[0] {
                return Err(Error::blame(
                    ErrorCode::InvalidProof,
                    sender,
                    "proof is not for the constant-term commitment",
                ));
            }
            at += dlog::PROOF_LEN;
        }
        let header = Header {
            protocol: p.protocol(is_refresh),
            session: p.session,
            round: 2,
            sender,
            receiver: p.me,
        };
        let cipher = p2p_cipher(
            &p.session,
            sender,
            p.me,
            &r1.ephemeral,
            &self.e_me,
            &(r1.ephemeral * *self.ephemeral),
        );
        let aad = header.bytes();
        let secret = Zeroizing::new(
            cipher
                .decrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &pl[at..],
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
        let share =
            Zeroizing::new(dec_nonzero_scalar(&secret[..32]).map_err(|e| e.from_party(sender))?);
        // Share check: y_ji·G = Σ_k i^k·A_{j,k} (with A_{j,0} = O in a refresh).
        let full: Vec<ProjectivePoint> = if is_refresh {
            core::iter::once(ProjectivePoint::IDENTITY)
                .chain(commitment.iter().copied())
                .collect()
        } else {
            commitment.clone()
        };
        if ProjectivePoint::GENERATOR * *share != commitment_eval(&full, p.me) {
            return Err(Error::blame(
                ErrorCode::InvalidShare,
                sender,
                "share does not match the sender's commitments",
            ));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&secret[32..64]);
        let seed_salt: [u8; 64] = secret[64..128].try_into().unwrap_or([0; 64]);
        if !opens(
            &r1.seed_commitment,
            &p.session,
            sender,
            p.me,
            &seed_salt,
            &seed[..],
        ) {
            return Err(Error::blame(
                ErrorCode::InvalidProof,
                sender,
                "zero-share seed does not open its commitment",
            ));
        }
        Ok(PeerR2 {
            commitment: full,
            chain_part,
            share,
            seed,
        })
    }
}

impl Round2 {
    /// Local processing steps 3–7 and the R3 confirmation broadcast.
    pub fn advance(self) -> Result<Round3> {
        self.input.require_complete()?;
        let p = self.params.clone();
        let is_refresh = self.refresh.is_some();
        let received: Vec<(u16, PeerR2)> = self.input.into_complete()?;
        let own_full: Vec<ProjectivePoint> = if is_refresh {
            core::iter::once(ProjectivePoint::IDENTITY)
                .chain(self.commitment.iter().copied())
                .collect()
        } else {
            self.commitment.clone()
        };
        let mut all: Vec<(u16, &Vec<ProjectivePoint>)> =
            received.iter().map(|(j, r)| (*j, &r.commitment)).collect();
        all.push((p.me, &own_full));
        all.sort_by_key(|(j, _)| *j);
        let t = usize::from(p.threshold);
        let mut group = vec![ProjectivePoint::IDENTITY; t];
        for (_, c) in &all {
            for (g, a) in group.iter_mut().zip(c.iter()) {
                *g += a;
            }
        }
        // Step 3: x_i = Σ_j y_ji (plus the old share in a refresh).
        let mut x = Zeroizing::new(*self.own_share);
        for (_, r) in &received {
            *x += *r.share;
        }
        let (public_key, chain, public_shares) = match &self.refresh {
            None => {
                // Steps 4, 6: pk = Σ A_{j,0} ≠ O; chain = ⊕ cc_j.
                if bool::from(group[0].is_identity()) {
                    return Err(Error::local(
                        ErrorCode::InvalidPoint,
                        "the public key is the identity",
                    ));
                }
                let mut chain = self.chain_part;
                for (_, r) in &received {
                    for k in 0..32 {
                        chain[k] ^= r.chain_part[k];
                    }
                }
                let shares: Vec<ProjectivePoint> = (1..=p.parties)
                    .map(|k| commitment_eval(&group, k))
                    .collect();
                (group[0], chain, shares)
            }
            Some(old) => {
                *x += old.x;
                let shares: Vec<ProjectivePoint> = (1..=p.parties)
                    .map(|k| {
                        old.public.public_shares[usize::from(k - 1)] + commitment_eval(&group, k)
                    })
                    .collect();
                (old.public.public_key, old.public.chain, shares)
            }
        };
        // Step 5: x_i·G = X_i.
        if ProjectivePoint::GENERATOR * *x != public_shares[usize::from(p.me - 1)] {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "own share does not match the public shares",
            ));
        }
        // R3: hash of what must be common knowledge.
        let mut ephemerals: Vec<(u16, ProjectivePoint)> =
            self.peers.iter().map(|(j, r)| (*j, r.ephemeral)).collect();
        ephemerals.push((p.me, self.e_me));
        ephemerals.sort_by_key(|(j, _)| *j);
        let commitments: Vec<u8> = all.iter().flat_map(|(_, c)| encode_commitment(c)).collect();
        let eph: Vec<u8> = ephemerals.iter().flat_map(|(_, e)| enc_point(e)).collect();
        let shares_enc: Vec<u8> = public_shares.iter().flat_map(|s| enc_point(s)).collect();
        let confirm = th(
            tag::CONFIRM,
            &[
                &p.session,
                &enc_point(&public_key),
                &chain,
                &commitments,
                &eph,
                &shares_enc,
            ],
        );
        let header = Header {
            protocol: p.protocol(is_refresh),
            session: p.session,
            round: 3,
            sender: p.me,
            receiver: BROADCAST,
        };
        let input = RoundInput::new(
            p.expects(is_refresh, 3, false, 32),
            p.others(),
            wire::frame(&[header.seal(&confirm)]),
        );
        // Step 7: zero seeds; step 8: the pairwise OT state.
        let mut peers = Vec::new();
        for (j, seed, nu, delta, mut bob_keys, mut alice_keys) in self.setups {
            let r1 = &self
                .peers
                .iter()
                .find(|(k, _)| *k == j)
                .ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing peer"))?
                .1;
            let r2 = &received
                .iter()
                .find(|(k, _)| *k == j)
                .ok_or_else(|| Error::blame(ErrorCode::UnknownSender, j, "missing peer"))?
                .1;
            // PeerSetup wipes itself on drop; the vectors move into it without a copy.
            let (bob_keys, alice_keys) = (
                core::mem::take(&mut *bob_keys),
                core::mem::take(&mut *alice_keys),
            );
            let mut zero_seed = [0u8; 32];
            for k in 0..32 {
                zero_seed[k] = seed[k] ^ r2.seed[k];
            }
            peers.push(PeerSetup {
                peer: j,
                zero_seed,
                bob_keys,
                bob_nu: nu,
                alice_delta: *delta,
                alice_keys,
                alice_nu: r1.nu,
            });
        }
        let key = KeyShare {
            id: p.me,
            x: *x,
            peers,
            public: PublicKeyShare {
                threshold: p.threshold,
                parties: p.parties,
                epoch: p.session,
                public_key,
                public_shares,
                chain,
            },
        };
        Ok(Round3 {
            input,
            confirm,
            key,
        })
    }
}
