//! KeyGen round two (Figure 1, round 2): check every echo of round one, open and verify each
//! share against its sender's commitments, and sum them into the key package.
#![forbid(unsafe_code)]

use super::messages::Round1Package;
use super::params::{share_cipher, DkgParams, ENCRYPTED_SHARE_LEN, ROUND2};
use super::polynomial::evaluate_commitment;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{Header, Protocol};
use crate::frost::keys::{KeyPackage, PublicKeyPackage};
use crate::frost::suite;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::Identity;
use curve25519_dalek::Scalar;
use zeroize::Zeroizing;

/// Secret state after round two: this party's own share f_i(i), the shares received so far and
/// the DH key to open them (all zeroized on drop). Consumed by `finish`.
pub struct Round2 {
    pub(super) params: DkgParams,
    pub(super) ephemeral_secret: Zeroizing<Scalar>,
    pub(super) own_share: Zeroizing<Scalar>,
    pub(super) packages: Vec<(u16, Round1Package)>,
    pub(super) input: RoundInput<Zeroizing<Scalar>>,
}

impl Round2 {
    pub(super) fn package(&self, id: u16) -> &Round1Package {
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
