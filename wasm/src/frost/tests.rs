//! RFC 9591 Appendix E.1 test vectors (nonces injected through `commit_with_randomness`, which is
//! `pub(crate)` and unreachable from the wasm exports), plus DKG and session round trips.

use super::aggregate;
use super::keys::{KeyPackage, PublicKeyPackage};
use super::round1;
use super::round2::{self, SigningContext};
use super::suite::{self, Commitment};
use super::{dkg, sign};
use crate::common::error::ErrorCode;
use crate::common::rng;
use crate::common::round::Round;
use crate::test_util::{ed25519 as hostile, frames, receiver};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::Scalar;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}
fn h32(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap()
}
fn scalar(s: &str) -> Scalar {
    suite::deserialize_scalar(&h(s)).unwrap()
}

// RFC 9591 Appendix E.1, FROST(Ed25519, SHA-512).
const GROUP_PUBLIC_KEY: &str = "15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673";
const MESSAGE: &str = "74657374";
const SHARES: [&str; 3] = [
    "929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509",
    "a91e66e012e4364ac9aaa405fcafd370402d9859f7b6685c07eed76bf409e80d",
    "d3cb090a075eb154e82fdb4b3cb507f110040905468bb9c46da8bdea643a9a02",
];
struct Round1Vector {
    id: u16,
    hiding_randomness: &'static str,
    binding_randomness: &'static str,
    hiding_nonce: &'static str,
    binding_nonce: &'static str,
    hiding_commitment: &'static str,
    binding_commitment: &'static str,
    binding_factor_input: &'static str,
    binding_factor: &'static str,
    sig_share: &'static str,
}
const ROUND1: [Round1Vector; 2] = [
    Round1Vector {
        id: 1,
        hiding_randomness: "06894e04ee4aceec8619d5f6a0a180e2f47194d2ac306cba586b555e7c48d765",
        binding_randomness: "40d6f879ff22e22409f7d808fed81f37118e7d3e4af71c0f44c60207553bcbce",
        hiding_nonce: "ef6599dea4010581a72b3018c37c29a4341d7cab0773e8687ca74dcf14009701",
        binding_nonce: "2baadfa0c69aa60d517ad4751de372a73f9d89cfc39026601f18458cdec12605",
        hiding_commitment: "9b116f12589591a7e23fe8048059ab10ab48e67739e7a2fb3890f61a7999478c",
        binding_commitment: "c39b66b7dfccb122da24f13587f9a08c4347cae70046ca15169adf90ba65854d",
        binding_factor_input: "15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673504df914fa965023fb75c25ded4bb260f417de6d32e5c442c6ba313791cc9a4948d6273e8d3511f93348ea7a708a9b862bc73ba2a79cfdfe07729a193751cbc93df7739fd1223d8697dfc21b1679435bafda1f92815944f28d2faf21ded33ae94a16100090ae7d83555c9b2d961e3d5d1b62828e8cb58a88a73cda404f8f725a0100000000000000000000000000000000000000000000000000000000000000",
        binding_factor: "ff960a65374e216a0918729b153466016664fa980d409bc3f308daa7acb30d0d",
        sig_share: "60997f0142e43e8005027fe5ab7447dac00d22c2d7ddd9571a02613ba7d81c08",
    },
    Round1Vector {
        id: 3,
        hiding_randomness: "fa5d950626782aade9e33fa781376d4888c2d1de7c37518bc248eb818ed0cdde",
        binding_randomness: "7459a4d14ded0e365b085271be8dc6600d5b88f3978a2174297ffa32001a5afc",
        hiding_nonce: "80f8d9a4b8f9366e1a0b618107c907cd3ee29fa9bb40b4691cc1bde696240005",
        binding_nonce: "2610b664a5a187b4855e87d2ff485bebdf043dc2f161fcd4854cd01dc0276404",
        hiding_commitment: "e679a2a971748ccfaabead4dbe8ac1def61275c186c79d471e1e45091ad1e687",
        binding_commitment: "b2a942478453fabb6bd3181c56ba657413447b4136e1daea2484d396d1a516b3",
        binding_factor_input: "15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673504df914fa965023fb75c25ded4bb260f417de6d32e5c442c6ba313791cc9a4948d6273e8d3511f93348ea7a708a9b862bc73ba2a79cfdfe07729a193751cbc93df7739fd1223d8697dfc21b1679435bafda1f92815944f28d2faf21ded33ae94a16100090ae7d83555c9b2d961e3d5d1b62828e8cb58a88a73cda404f8f725a0300000000000000000000000000000000000000000000000000000000000000",
        binding_factor: "279d48ec56f16d234c09ea62f3d02ab776ee38e03f66b20f939f1316e13df10f",
        sig_share: "79390e78bc59699c7af831f8f5fb478ec871a85f561a8641b5670ac4443f720f",
    },
];
const FINAL_SIG: &str = "154fb694ee7fcb37bf2381d94488c2a84b03b3352ad085feca81ad26d45852b7ecfe971ce4da95c4a95db93ac376b053897fca212ef85f99cf696bffeb178f07";

fn vector_key(id: u16) -> KeyPackage {
    let shares: Vec<Scalar> = SHARES.iter().map(|s| scalar(s)).collect();
    let verifying: Vec<EdwardsPoint> = shares.iter().map(EdwardsPoint::mul_base).collect();
    let gpk = suite::deserialize_element(&h(GROUP_PUBLIC_KEY)).unwrap();
    let public = PublicKeyPackage::new(2, 3, verifying, gpk).unwrap();
    KeyPackage::new(id, shares[usize::from(id - 1)], public).unwrap()
}

#[test]
fn rfc9591_e1_vectors_byte_for_byte() {
    let msg = h(MESSAGE);
    let gpk = suite::deserialize_element(&h(GROUP_PUBLIC_KEY)).unwrap();
    let mut nonces = Vec::new();
    let mut list = Vec::new();
    for v in &ROUND1 {
        let key = vector_key(v.id);
        let (n, c) = round1::commit_with_randomness(
            v.id,
            &key.signing_share,
            &h32(v.hiding_randomness),
            &h32(v.binding_randomness),
        );
        assert_eq!(n.hiding.to_bytes().to_vec(), h(v.hiding_nonce));
        assert_eq!(n.binding.to_bytes().to_vec(), h(v.binding_nonce));
        assert_eq!(
            suite::serialize_element(&c.hiding).to_vec(),
            h(v.hiding_commitment)
        );
        assert_eq!(
            suite::serialize_element(&c.binding).to_vec(),
            h(v.binding_commitment)
        );
        nonces.push((key, n));
        list.push(c);
    }
    let ctx = SigningContext::new(&gpk, &list, &msg);
    let mut shares = Vec::new();
    for ((key, n), v) in nonces.into_iter().zip(&ROUND1) {
        // Binding factor input (RFC 9591 §4.4 rho_input) and binding factor.
        let mut input = Vec::new();
        input.extend_from_slice(&suite::serialize_element(&gpk));
        input.extend_from_slice(&suite::h4(&msg));
        input.extend_from_slice(&suite::h5(&suite::encode_group_commitment_list(&list)));
        input.extend_from_slice(&suite::identifier(v.id).to_bytes());
        assert_eq!(input, h(v.binding_factor_input));
        assert_eq!(
            suite::binding_factor_for(&ctx.binding_factors, v.id)
                .unwrap()
                .to_bytes()
                .to_vec(),
            h(v.binding_factor)
        );
        let z = round2::sign(&key, n, &ctx).unwrap();
        assert_eq!(z.to_bytes().to_vec(), h(v.sig_share));
        let c = list.iter().find(|c| c.id == v.id).unwrap();
        aggregate::verify_signature_share(
            &ctx,
            c,
            &key.public().verifying_share(v.id).unwrap(),
            &z,
        )
        .unwrap();
        shares.push(z);
    }
    let sig = aggregate::aggregate(&ctx, &gpk, &shares).unwrap();
    assert_eq!(sig.to_vec(), h(FINAL_SIG));
}

#[test]
fn tampered_signature_share_is_blamed() {
    let msg = h(MESSAGE);
    let gpk = suite::deserialize_element(&h(GROUP_PUBLIC_KEY)).unwrap();
    let key = vector_key(1);
    let (n1, c1) = round1::commit_with_randomness(1, &key.signing_share, &[1; 32], &[2; 32]);
    let (_n3, c3) =
        round1::commit_with_randomness(3, &vector_key(3).signing_share, &[3; 32], &[4; 32]);
    let list = vec![c1, c3];
    let ctx = SigningContext::new(&gpk, &list, &msg);
    let z = round2::sign(&key, n1, &ctx).unwrap() + Scalar::ONE;
    let err = aggregate::verify_signature_share(
        &ctx,
        &list[0],
        &key.public().verifying_share(1).unwrap(),
        &z,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSignatureShare);
    assert_eq!(err.culprits, vec![1]);
}

fn run_dkg(t: u16, n: u16) -> Vec<KeyPackage> {
    let session = [7u8; 32];
    let mut r1: Vec<dkg::Round1> = (1..=n)
        .map(|me| {
            dkg::round1(
                dkg::DkgParams {
                    session,
                    threshold: t,
                    parties: n,
                    me,
                },
                &mut rng::from_seed(&[me as u8; 32]).unwrap(),
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
    let mut r2: Vec<dkg::Round2> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
    let msgs: Vec<Vec<u8>> = r2.iter().flat_map(|s| frames(s.outgoing())).collect();
    for (i, s) in r2.iter_mut().enumerate() {
        for m in msgs.iter().filter(|m| usize::from(receiver(m)) == i + 1) {
            s.receive(m).unwrap();
        }
    }
    r2.into_iter().map(|s| s.finish().unwrap()).collect()
}

#[test]
fn dkg_then_sign_every_subset_of_3_of_4() {
    let keys = run_dkg(3, 4);
    let gpk = keys[0].public().group_public_key();
    for k in &keys {
        assert_eq!(k.public().group_public_key(), gpk);
        let again = KeyPackage::from_blob(&k.to_blob().unwrap()).unwrap();
        assert_eq!(again.public().group_public_key(), gpk);
    }
    for signers in [
        vec![1u16, 2, 3],
        vec![1, 2, 4],
        vec![2, 3, 4],
        vec![1, 2, 3, 4],
    ] {
        let session = [signers.len() as u8; 32];
        let mut s1: Vec<sign::SignRound1> = signers
            .iter()
            .map(|id| {
                sign::start(
                    keys[usize::from(*id - 1)].clone(),
                    session,
                    signers.clone(),
                    b"hello".to_vec(),
                    &mut rng::from_seed(&[*id as u8 + 40; 32]).unwrap(),
                )
                .unwrap()
            })
            .collect();
        let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
        for (i, s) in s1.iter_mut().enumerate() {
            for (j, m) in msgs.iter().enumerate() {
                if i != j {
                    s.receive(m).unwrap();
                }
            }
        }
        let mut s2: Vec<sign::SignRound2> = s1.into_iter().map(|s| s.advance().unwrap()).collect();
        let msgs: Vec<Vec<u8>> = s2.iter().flat_map(|s| frames(s.outgoing())).collect();
        for (i, s) in s2.iter_mut().enumerate() {
            for (j, m) in msgs.iter().enumerate() {
                if i != j {
                    s.receive(m).unwrap();
                }
            }
        }
        let sigs: Vec<[u8; 64]> = s2.into_iter().map(|s| s.finish().unwrap()).collect();
        assert!(sigs.iter().all(|s| s == &sigs[0]));
    }
    let err = sign::start(
        keys[0].clone(),
        [1; 32],
        vec![1, 2],
        b"x".to_vec(),
        &mut rng::from_seed(&[9; 32]).unwrap(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code, ErrorCode::NotEnoughSigners);
}

#[test]
fn hostile_points_are_rejected() {
    // Identity, a small-order point (order 2: y = -1), and a non-canonical encoding of y = 1.
    for b in [
        hostile::IDENTITY,
        hostile::ORDER_2,
        hostile::NON_CANONICAL_Y,
    ] {
        assert_eq!(
            suite::deserialize_element(&b).unwrap_err().code,
            ErrorCode::InvalidPoint
        );
    }
    // Mixed-order point: a valid point plus a torsion component.
    let p = EdwardsPoint::mul_base(&Scalar::from(5u64)) + suite_order2();
    assert_eq!(
        suite::deserialize_element(&p.compress().to_bytes())
            .unwrap_err()
            .code,
        ErrorCode::InvalidPoint
    );
    let _ = Commitment {
        id: 1,
        hiding: p,
        binding: p,
    };
}

/// The byte-level canonical check and the [ℓ − 1]P = −P subgroup check against dalek's own
/// re-encoding and `is_torsion_free`: every y ≥ p (either sign bit), and every point of a prime-order
/// point plus each of the eight torsion points.
#[test]
fn deserialize_element_agrees_with_reencoding_and_torsion_checks() {
    for i in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut b = [0xffu8; 32];
            b[0] = 0xed + i;
            b[31] = 0x7f | sign;
            assert_eq!(
                suite::deserialize_element(&b).unwrap_err().code,
                ErrorCode::InvalidPoint,
                "y = p + {i}"
            );
        }
    }
    for k in 1u64..40 {
        let q = EdwardsPoint::mul_base(&Scalar::from(k * 7919));
        assert_eq!(
            suite::deserialize_element(&q.compress().to_bytes()).unwrap(),
            q
        );
        for t in curve25519_dalek::constants::EIGHT_TORSION.iter().skip(1) {
            let p = q + t;
            assert!(!p.is_torsion_free());
            assert_eq!(
                suite::deserialize_element(&p.compress().to_bytes())
                    .unwrap_err()
                    .code,
                ErrorCode::InvalidPoint
            );
        }
    }
}

fn suite_order2() -> EdwardsPoint {
    curve25519_dalek::edwards::CompressedEdwardsY(hostile::ORDER_2)
        .decompress()
        .unwrap()
}

#[test]
fn hostile_scalars_are_rejected() {
    assert_eq!(
        hostile::ORDER,
        h32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
    );
    for b in hostile::non_canonical_scalars() {
        assert_eq!(
            suite::deserialize_scalar(&b).unwrap_err().code,
            ErrorCode::InvalidScalar
        );
    }
    assert_eq!(
        suite::deserialize_nonzero_scalar(&[0; 32])
            .unwrap_err()
            .code,
        ErrorCode::InvalidScalar
    );
}

// ---- Presignatures (`presign`): §5.1 ahead of the message, then one online round. ----

use super::presign::{self, FrostPresignature};
use crate::common::error::{Error, Result};
use crate::test_util::route;

/// A presigning among `signers`; each signer's presignature blob, in signer order.
fn run_frost_presign(keys: &[KeyPackage], signers: &[u16], session: [u8; 32]) -> Vec<Vec<u8>> {
    let mut p1: Vec<presign::PresignRound1> = signers
        .iter()
        .map(|id| {
            presign::start(
                keys[usize::from(*id - 1)].clone(),
                session,
                signers.to_vec(),
                &mut rng::from_seed(&[(*id as u8 ^ session[0]) | 0x80; 32]).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let msgs: Vec<Vec<u8>> = p1.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| p1[i].receive(m).unwrap());
    p1.into_iter()
        .map(|s| s.finish().unwrap().to_blob().unwrap().to_vec())
        .collect()
}

/// The online round: signer k signs `messages[k]` with `keys[k]` and `blobs[k]`; the error of
/// the first signer (in signer order) that meets one.
fn run_frost_online(
    keys: &[KeyPackage],
    blobs: &[Vec<u8>],
    session: [u8; 32],
    messages: &[&[u8]],
) -> Result<[u8; 64]> {
    let mut rounds = Vec::new();
    let mut ids = Vec::new();
    for ((key, blob), message) in keys.iter().zip(blobs).zip(messages) {
        ids.push(key.id());
        let p = FrostPresignature::from_blob(blob)?;
        rounds.push(presign::start_online(key.clone(), p, session, message)?);
    }
    let msgs: Vec<Vec<u8>> = rounds.iter().flat_map(|s| frames(s.outgoing())).collect();
    let mut errs: Vec<Option<Error>> = vec![None; ids.len()];
    route(&ids, &msgs, |i, m| {
        if let Err(e) = rounds[i].receive(m) {
            errs[i].get_or_insert(e);
        }
    });
    if let Some(e) = errs.into_iter().flatten().next() {
        return Err(e);
    }
    let sigs: Vec<[u8; 64]> = rounds
        .into_iter()
        .map(|s| s.finish())
        .collect::<Result<_>>()?;
    assert!(sigs.iter().all(|s| s == &sigs[0]));
    Ok(sigs[0])
}

fn dalek_verify(gpk: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> bool {
    let vk = ed25519_dalek::VerifyingKey::from_bytes(gpk).unwrap();
    vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(sig))
        .is_ok()
}

fn signer_keys(keys: &[KeyPackage], signers: &[u16]) -> Vec<KeyPackage> {
    signers
        .iter()
        .map(|id| keys[usize::from(*id - 1)].clone())
        .collect()
}

#[test]
fn frost_presign_then_online_2_of_3_and_3_of_5() {
    for (t, n, sets) in [
        (2u16, 3u16, vec![vec![1u16, 3], vec![1, 2, 3]]),
        (3, 5, vec![vec![1, 3, 5], vec![1, 2, 3, 4, 5]]),
    ] {
        let keys = run_dkg(t, n);
        let gpk = keys[0].public().group_public_key();
        for signers in sets {
            let blobs = run_frost_presign(&keys, &signers, [signers.len() as u8; 32]);
            let p = FrostPresignature::from_blob(&blobs[0]).unwrap();
            assert_eq!(p.signers(), &signers[..]);
            assert_eq!(p.group_public_key(), gpk);
            let message: &[u8] = b"presigned message";
            let sig = run_frost_online(
                &signer_keys(&keys, &signers),
                &blobs,
                [0x77; 32],
                &vec![message; signers.len()],
            )
            .unwrap();
            assert!(dalek_verify(&gpk, message, &sig));
            assert!(!dalek_verify(&gpk, b"another message", &sig));
        }
    }
}

#[test]
fn frost_presigned_disagreements_and_bad_blobs_are_refused() {
    let keys = run_dkg(2, 3);
    let signers = [1u16, 2];
    let ks = signer_keys(&keys, &signers);
    let a = run_frost_presign(&keys, &signers, [0x10; 32]);
    let b = run_frost_presign(&keys, &signers, [0x11; 32]);
    let m: &[u8] = b"m";
    let err = run_frost_online(&ks, &[a[0].clone(), b[1].clone()], [1; 32], &[m, m]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    assert_eq!(err.culprits, vec![2]);
    let err = run_frost_online(&ks, &a, [2; 32], &[m, b"n"]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    assert_eq!(err.culprits, vec![2]);
    // A presignature for another key (the RFC's vector key), or another party's, is refused.
    let other = vector_key(1);
    let err = presign::start_online(
        other,
        FrostPresignature::from_blob(&a[0]).unwrap(),
        [3; 32],
        m,
    )
    .err()
    .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidParameters);
    let err = presign::start_online(
        keys[1].clone(),
        FrostPresignature::from_blob(&a[0]).unwrap(),
        [3; 32],
        m,
    )
    .err()
    .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidParameters);
    // Truncated, garbage, trailing bytes: Decode; another kind: WrongProtocol.
    let blob = &a[0];
    for bad in [
        blob[..blob.len() - 1].to_vec(),
        blob[..8].to_vec(),
        vec![],
        vec![0xff; 200],
        [blob.clone(), vec![0]].concat(),
    ] {
        assert_eq!(
            FrostPresignature::from_blob(&bad).err().unwrap().code,
            ErrorCode::Decode
        );
    }
    let mut other_kind = blob.clone();
    other_kind[1] = 3;
    assert_eq!(
        FrostPresignature::from_blob(&other_kind)
            .err()
            .unwrap()
            .code,
        ErrorCode::WrongProtocol
    );
    // The honest pair still signs.
    let sig = run_frost_online(&ks, &a, [4; 32], &[m, m]).unwrap();
    assert!(dalek_verify(&keys[0].public().group_public_key(), m, &sig));
}
