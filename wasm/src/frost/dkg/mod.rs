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
//!
//! One file per round (`round1`, `round2`); `params` holds the parameters and the transcripts
//! both rounds use, `polynomial` the evaluations, `messages` what round one hands round two.
#![forbid(unsafe_code)]

mod messages;
mod params;
mod polynomial;
mod round1;
mod round2;

pub use messages::Round1Package;
pub use params::DkgParams;
pub use round1::{round1, Round1};
pub use round2::Round2;

#[cfg(test)]
mod tests {
    use super::params::{share_cipher, ENCRYPTED_SHARE_LEN, ROUND2};
    use super::*;
    use crate::common::error::ErrorCode;
    use crate::common::rng;
    use crate::common::round::Round;
    use crate::common::wire::{Header, Protocol};
    use crate::frost::suite;
    use crate::test_util::{frames, receiver};
    use chacha20poly1305::aead::{Aead, Payload};
    use chacha20poly1305::Nonce;
    use curve25519_dalek::Scalar;

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
