//! DKLs23 key generation (spec §3.2, Feldman-VSS variant; the paper's relaxed KeyGen) with the
//! pairwise multiplication setup of spec §3.3 and zero-sharing seeds, in three rounds; and the
//! complete refresh of spec §5, which is the same protocol with a zero constant term.
//!
//! R1 (direct to each peer): Com(F_i ‖ cc_i), an ephemeral ECDH key, Com(s_ij), and both base-OT
//!    openings for the pair (as Bob: ν and z with its proof; as Alice: the receiver message).
//! R2 (direct): the opening of F_i and cc_i, a proof of knowledge of a_i0, and, encrypted under
//!    the pairwise ECDH key, the share f_i(j) and the opening of s_ij.
//! R3 (broadcast): a hash of everything that should be common knowledge; any mismatch aborts.
//!
//! One file per round (`round1`, `round2`, `round3`); `params` holds the parameters, the
//! session ids and the pairwise cipher they share, `messages` what one round hands the next.
#![forbid(unsafe_code)]

mod messages;
mod params;
mod round1;
mod round2;
mod round3;

pub use params::{setup_sid, DkgParams};
pub use round1::{round1, Round1};
pub use round2::Round2;
pub use round3::Round3;

#[cfg(test)]
mod tests {
    use super::params::*;
    use super::*;
    use crate::common::error::ErrorCode;
    use crate::common::rng;
    use crate::common::round::Round;
    use crate::common::wire::{Header, Protocol};
    use crate::test_util::frames;
    use chacha20poly1305::aead::{Aead, Payload};
    use chacha20poly1305::Nonce;
    use k256::Scalar;

    /// A malicious party 2 encrypts a share that does not match its Feldman commitments: party 1
    /// must reject it as `InvalidShare` naming party 2 and keep waiting for a valid message.
    #[test]
    fn share_not_matching_commitment_is_blamed() {
        let session = [4u8; 32];
        let mut rng = rng::from_seed(&[8; 32]).unwrap();
        let mut r1: Vec<Round1> = (1..=2u16)
            .map(|me| {
                round1(
                    DkgParams {
                        session,
                        threshold: 2,
                        parties: 2,
                        me,
                    },
                    None,
                    &mut rng,
                )
                .unwrap()
            })
            .collect();
        let m1: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
        r1[0].receive(&m1[1]).unwrap();
        r1[1].receive(&m1[0]).unwrap();
        let mut r2: Vec<Round2> = r1
            .into_iter()
            .map(|s| s.advance(&mut rng).unwrap())
            .collect();
        let honest = frames(r2[1].outgoing()).remove(0);
        let evil = {
            let p2 = &r2[1];
            let e1 = p2.peers.iter().find(|(j, _)| *j == 1).unwrap().1.ephemeral;
            let cipher = p2p_cipher(&session, 2, 1, &p2.e_me, &e1, &(e1 * *p2.ephemeral));
            let header = Header {
                protocol: Protocol::EcdsaDkg,
                session,
                round: 2,
                sender: 2,
                receiver: 1,
            };
            let aad = header.bytes();
            let at = 39 + p2.params.r2_len(false) - SEALED_LEN;
            let mut secret = cipher
                .decrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &honest[at..],
                        aad: &aad,
                    },
                )
                .unwrap();
            let wrong = crate::dkls23::curve::dec_scalar(&secret[..32]).unwrap() + Scalar::ONE;
            secret[..32].copy_from_slice(&crate::dkls23::curve::enc_scalar(&wrong));
            let ct = cipher
                .encrypt(
                    Nonce::from_slice(&[0u8; 12]),
                    Payload {
                        msg: &secret,
                        aad: &aad,
                    },
                )
                .unwrap();
            let mut m = honest[..at].to_vec();
            m.extend_from_slice(&ct);
            m
        };
        let err = r2[0].receive(&evil).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidShare);
        assert_eq!(err.culprits, vec![2]);
        assert_eq!(r2[0].missing(), vec![2]);
        r2[0].receive(&honest).unwrap();
    }
}
