//! Native round trips of DKLs23: key generation, signing by every signer set, refresh,
//! derivation, and tampering with each message type.

use super::curve::{enc_point, random_scalar};
use super::derive;
use super::keygen::{self as dkg, DkgParams};
use super::keys::KeyShare;
use super::sign::{self, EcdsaSignature, SignRequest};
use crate::common::error::ErrorCode;
use crate::common::rng;
use crate::common::round::Round;
use crate::test_util::{frames, receiver as to, route, sender as from};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::ProjectivePoint;

pub(crate) fn run_dkg(
    t: u16,
    n: u16,
    old: Option<Vec<KeyShare>>,
    session: [u8; 32],
) -> Vec<KeyShare> {
    let ids: Vec<u16> = (1..=n).collect();
    let mut rng = rng::from_seed(&[session[0] | 1; 32]).unwrap();
    let mut old = old.map(|v| v.into_iter().map(Some).collect::<Vec<_>>());
    let mut r1: Vec<dkg::Round1> = ids
        .iter()
        .map(|me| {
            dkg::round1(
                DkgParams {
                    session,
                    threshold: t,
                    parties: n,
                    me: *me,
                },
                old.as_mut().and_then(|o| o[usize::from(*me - 1)].take()),
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let msgs: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r1[i].receive(m).unwrap());
    let mut r2: Vec<dkg::Round2> = r1
        .into_iter()
        .map(|s| s.advance(&mut rng).unwrap())
        .collect();
    let msgs: Vec<Vec<u8>> = r2.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r2[i].receive(m).unwrap());
    let mut r3: Vec<dkg::Round3> = r2.into_iter().map(|s| s.advance().unwrap()).collect();
    let msgs: Vec<Vec<u8>> = r3.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r3[i].receive(m).unwrap());
    r3.into_iter().map(|s| s.finish().unwrap()).collect()
}

pub(crate) fn run_sign(
    keys: &[KeyShare],
    signers: &[u16],
    digest: [u8; 32],
    path: &[u32],
) -> crate::common::error::Result<EcdsaSignature> {
    let session = [signers.len() as u8 + 100; 32];
    let mut rng = rng::from_seed(&[7; 32]).unwrap();
    let mut s1 = Vec::new();
    for id in signers {
        s1.push(sign::start(
            keys[usize::from(*id - 1)].clone(),
            SignRequest {
                session,
                signers: signers.to_vec(),
                digest,
                path: path.to_vec(),
            },
            &mut rng,
        )?);
    }
    let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
    let mut err = None;
    route(signers, &msgs, |i, m| {
        if let Err(e) = s1[i].receive(m) {
            err = Some(e)
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let mut s2 = Vec::new();
    for s in s1 {
        s2.push(s.advance(&mut rng)?);
    }
    let msgs: Vec<Vec<u8>> = s2.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| {
        if let Err(e) = s2[i].receive(m) {
            err = Some(e)
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let mut s3 = Vec::new();
    for s in s2 {
        s3.push(s.advance()?);
    }
    let msgs: Vec<Vec<u8>> = s3.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| {
        if let Err(e) = s3[i].receive(m) {
            err = Some(e)
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let sigs: Vec<EcdsaSignature> = s3
        .into_iter()
        .map(|s| s.finish())
        .collect::<crate::common::error::Result<_>>()?;
    assert!(sigs.iter().all(|s| *s == sigs[0]));
    Ok(sigs[0].clone())
}

fn check(sig: &EcdsaSignature, digest: &[u8; 32], pk: &[u8; 33]) {
    let vk = VerifyingKey::from_sec1_bytes(pk).unwrap();
    let s = Signature::try_from(&sig.signature[..]).unwrap();
    vk.verify_prehash(digest, &s).unwrap();
    assert!(s.normalize_s().is_none(), "low-s");
    let recovered = VerifyingKey::recover_from_prehash(
        digest,
        &s,
        RecoveryId::from_byte(sig.recovery_id).unwrap(),
    )
    .unwrap();
    assert_eq!(recovered, vk);
}

#[test]
fn keygen_and_sign_2_of_3_every_subset_then_refresh_and_derive() {
    let keys = run_dkg(2, 3, None, [1; 32]);
    let pk = keys[0].public().public_key();
    for k in &keys {
        assert_eq!(k.public().public_key(), pk);
        assert_eq!(
            KeyShare::from_blob(&k.to_blob().unwrap())
                .unwrap()
                .public()
                .public_key(),
            pk
        );
    }
    let digest = [0x42; 32];
    for signers in [vec![1u16, 2], vec![1, 3], vec![2, 3], vec![1, 2, 3]] {
        let sig = run_sign(&keys, &signers, digest, &[]).unwrap();
        assert_eq!(sig.public_key, pk);
        check(&sig, &digest, &pk);
    }
    assert_eq!(
        run_sign(&keys, &[1], digest, &[]).unwrap_err().code,
        ErrorCode::NotEnoughSigners
    );

    // Derivation: the child key is computed independently from (pk, chain) here.
    let path = [0u32, 5];
    let child = derive::derive(&keys[0].public.public_key, &keys[0].public.chain, &path).unwrap();
    let sig = run_sign(&keys, &[1, 3], digest, &path).unwrap();
    assert_eq!(sig.public_key, enc_point(&child.public_key));
    check(&sig, &digest, &sig.public_key);

    // Refresh keeps pk; mixing old and new shares fails.
    let fresh = run_dkg(2, 3, Some(keys.clone()), [2; 32]);
    assert_eq!(fresh[0].public().public_key(), pk);
    assert!(fresh[0].x != keys[0].x);
    let sig = run_sign(&fresh, &[2, 3], digest, &[]).unwrap();
    check(&sig, &digest, &pk);
    let mixed = vec![keys[0].clone(), fresh[1].clone(), fresh[2].clone()];
    let err = run_sign(&mixed, &[1, 2], digest, &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
}

#[test]
fn keygen_3_of_5_signs_with_three_and_five() {
    let keys = run_dkg(3, 5, None, [3; 32]);
    let pk = keys[0].public().public_key();
    for signers in [vec![1u16, 3, 5], vec![2, 4, 5], vec![1, 2, 3, 4, 5]] {
        let sig = run_sign(&keys, &signers, [9; 32], &[]).unwrap();
        check(&sig, &[9; 32], &pk);
    }
}

#[test]
fn random_scalars_are_nonzero() {
    let mut r = rng::from_seed(&[5; 32]).unwrap();
    let s = random_scalar(&mut r);
    assert!(ProjectivePoint::GENERATOR * s != ProjectivePoint::IDENTITY);
}

/// Rounds one and two of signing `[1, 2]` under one session id; `nonces` fixes every signer's
/// run nonce (the derivation before issue 11, where nothing per-run entered sid_O or sid_M).
/// Returns Bob 2's choice bits towards 1, Alice 1's round-two message to 2, and sk_2.
fn rerun_rounds(
    keys: &[KeyShare],
    seed: u8,
    nonces: Option<[u8; 32]>,
) -> ([u8; 52], Vec<u8>, k256::Scalar) {
    let (signers, session, digest) = (vec![1u16, 2], [0x5e; 32], [0x11; 32]);
    let mut rng = rng::from_seed(&[seed; 32]).unwrap();
    let mut s1: Vec<sign::SignRound1> = signers
        .iter()
        .map(|id| {
            let req = SignRequest {
                session,
                signers: signers.clone(),
                digest,
                path: vec![],
            };
            let key = keys[usize::from(*id - 1)].clone();
            match nonces {
                Some(n) => sign::start_with_nonce(key, req, n, &mut rng).unwrap(),
                None => sign::start(key, req, &mut rng).unwrap(),
            }
        })
        .collect();
    let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&signers, &msgs, |i, m| s1[i].receive(m).unwrap());
    let beta = s1[1].choice_bits(1);
    let s2: Vec<sign::SignRound2> = s1
        .into_iter()
        .map(|s| s.advance(&mut rng).unwrap())
        .collect();
    let to_2 = frames(s2[0].outgoing())
        .into_iter()
        .find(|m| to(m) == 2)
        .unwrap();
    (beta, to_2, s2[1].additive_share())
}

/// The co-signer's computation of issue 11: in a column k where its choice bits differ between
/// the runs, τ_k + τ'_k = ã + ã' (pads cancel) and γ + γ' = 2·sk_1 − (ã + ã'), so
/// sk_1 = (γ + γ' + τ_k + τ'_k) / 2. Returns the candidates, one per such column.
fn rerun_candidates(run: &[([u8; 52], Vec<u8>, k256::Scalar); 2]) -> Vec<k256::Scalar> {
    use super::curve::dec_scalar;
    let m2 = |msg: &[u8]| msg[39 + 228..].to_vec();
    let (a, b) = (m2(&run[0].1), m2(&run[1].1));
    let tail = 4 * 416 * 32;
    let gamma1 = |m: &[u8]| dec_scalar(&m[tail + 128..tail + 160]).unwrap();
    let tau = |m: &[u8], k: usize, w: usize| {
        dec_scalar(&m[32 * (k * 4 + w)..32 * (k * 4 + w) + 32]).unwrap()
    };
    let half = k256::Scalar::from(2u64).invert().unwrap();
    (0..416)
        .filter(|k| (run[0].0[k / 8] ^ run[1].0[k / 8]) >> (k % 8) & 1 == 1)
        .map(|k| (gamma1(&a) + gamma1(&b) + tau(&a, k, 1) + tau(&b, k, 1)) * half)
        .collect()
}

#[test]
fn rerun_of_a_session_id_gave_the_co_signer_the_key_and_with_run_nonces_gives_nothing() {
    let keys = run_dkg(2, 3, None, [0x31; 32]);
    let pk = keys[0].public.public_key;
    let pk_1 = |msg: &[u8]| super::curve::dec_point(&msg[39 + 97..39 + 130]).unwrap();

    // Old derivation (no per-run input): two honest runs of one session id, fresh randomness.
    let old = [
        rerun_rounds(&keys, 1, Some([0xaa; 32])),
        rerun_rounds(&keys, 2, Some([0xaa; 32])),
    ];
    let candidates = rerun_candidates(&old);
    assert!(candidates.len() > 100, "about half the 416 columns differ");
    let sk_1 = candidates[0];
    assert!(
        candidates.iter().all(|c| *c == sk_1),
        "every differing column gives the same value"
    );
    assert_eq!(
        ProjectivePoint::GENERATOR * sk_1,
        pk_1(&old[0].1),
        "party 2 recovered party 1's sk_1"
    );
    assert_eq!(
        ProjectivePoint::GENERATOR * (sk_1 + old[0].2),
        pk,
        "and with its own sk_2, the whole key"
    );

    // With each signer's fresh nonce: the same computation on two honest runs yields garbage.
    let new = [rerun_rounds(&keys, 1, None), rerun_rounds(&keys, 2, None)];
    let candidates = rerun_candidates(&new);
    assert!(candidates.len() > 100);
    let target = pk_1(&new[0].1);
    assert!(candidates
        .iter()
        .all(|c| ProjectivePoint::GENERATOR * c != target
            && ProjectivePoint::GENERATOR * (c + new[0].2) != pk));
    assert!(
        candidates.windows(2).any(|w| w[0] != w[1]),
        "no common value across columns"
    );
}

#[test]
fn a_run_nonce_the_peers_disagree_on_fails_the_session_typed_and_named() {
    let keys = run_dkg(2, 2, None, [0x32; 32]);
    let (signers, session, digest) = (vec![1u16, 2], [0x5f; 32], [0x12; 32]);
    let mut rng = rng::from_seed(&[3; 32]).unwrap();
    let mut s1: Vec<sign::SignRound1> = signers
        .iter()
        .map(|id| {
            sign::start(
                keys[usize::from(*id - 1)].clone(),
                SignRequest {
                    session,
                    signers: signers.clone(),
                    digest,
                    path: vec![],
                },
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
    // Party 1 sees another nonce from party 2 than the one party 2 extended under.
    let mut from_2 = msgs.iter().find(|m| from(m) == 2).unwrap().clone();
    from_2[39 + 32] ^= 1;
    s1[0].receive(&from_2).unwrap();
    s1[1]
        .receive(msgs.iter().find(|m| from(m) == 1).unwrap())
        .unwrap();
    let mut it = s1.into_iter();
    let err = it
        .next()
        .unwrap()
        .advance(&mut rng)
        .err()
        .expect("party 1 must not go on");
    assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed);
    assert_eq!(err.culprits, vec![2]);
    assert!(
        it.next().unwrap().advance(&mut rng).is_ok(),
        "party 2's view is consistent"
    );
}

// ---- Presignatures (`presign`): rounds 1–2 ahead of the message, one online round. ----

use super::presign::{self, Presignature};
use crate::common::error::{Error, Result};

/// Runs a presigning among `signers`; returns each signer's presignature blob, in signer order.
fn run_presign(keys: &[KeyShare], signers: &[u16], session: [u8; 32]) -> Vec<Vec<u8>> {
    let mut rng = rng::from_seed(&[session[0] ^ 0x55; 32]).unwrap();
    let mut p1: Vec<presign::PresignRound1> = signers
        .iter()
        .map(|id| {
            presign::start(
                keys[usize::from(*id - 1)].clone(),
                session,
                signers.to_vec(),
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let msgs: Vec<Vec<u8>> = p1.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| p1[i].receive(m).unwrap());
    let mut p2: Vec<presign::PresignRound2> = p1
        .into_iter()
        .map(|s| s.advance(&mut rng).unwrap())
        .collect();
    let msgs: Vec<Vec<u8>> = p2.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| p2[i].receive(m).unwrap());
    p2.into_iter()
        .map(|s| s.finish().unwrap().to_blob().unwrap().to_vec())
        .collect()
}

/// The online round: signer k uses `blobs[k]` and `digests[k]`; the error of the first signer
/// (in signer order) that meets one is returned.
fn run_online(
    blobs: &[Vec<u8>],
    session: [u8; 32],
    digests: &[[u8; 32]],
    path: &[u32],
) -> Result<EcdsaSignature> {
    let mut rounds = Vec::new();
    let mut ids = Vec::new();
    for (blob, digest) in blobs.iter().zip(digests) {
        let p = Presignature::from_blob(blob)?;
        ids.push(p.id());
        rounds.push(presign::start_online(p, session, *digest, path)?);
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
    let sigs: Vec<EcdsaSignature> = rounds
        .into_iter()
        .map(|s| s.finish())
        .collect::<Result<_>>()?;
    assert!(sigs.iter().all(|s| *s == sigs[0]));
    Ok(sigs[0].clone())
}

fn presign_and_sign(keys: &[KeyShare], signers: &[u16], path: &[u32], seed: u8) {
    let blobs = run_presign(keys, signers, [seed; 32]);
    let info = Presignature::from_blob(&blobs[0]).unwrap();
    assert_eq!(info.signers(), signers);
    let big_r = info.big_r();
    let digest = [seed ^ 0x0f; 32];
    let sig = run_online(
        &blobs,
        [seed ^ 0xf0; 32],
        &vec![digest; signers.len()],
        path,
    )
    .unwrap();
    let child = derive::derive(&keys[0].public.public_key, &keys[0].public.chain, path).unwrap();
    assert_eq!(sig.public_key, enc_point(&child.public_key));
    check(&sig, &digest, &sig.public_key);
    // Re-randomised: r is x(R'), not x(R).
    assert_ne!(
        &sig.signature[..32],
        &big_r[1..],
        "R' = R + δG differs from R"
    );
}

#[test]
fn presign_then_online_2_of_3_and_3_of_5_with_and_without_a_path() {
    let keys = run_dkg(2, 3, None, [0x41; 32]);
    presign_and_sign(&keys, &[1, 3], &[], 1);
    presign_and_sign(&keys, &[1, 2, 3], &[7, 0, 42], 2);
    presign_and_sign(&keys, &[2, 3], &[1], 3);
    let keys = run_dkg(3, 5, None, [0x43; 32]);
    presign_and_sign(&keys, &[1, 3, 5], &[], 4);
    presign_and_sign(&keys, &[1, 2, 3, 4, 5], &[0, 5], 5);
}

#[test]
fn presigned_online_disagreements_are_named() {
    let keys = run_dkg(2, 3, None, [0x45; 32]);
    let a = run_presign(&keys, &[1, 2], [0x10; 32]);
    let b = run_presign(&keys, &[1, 2], [0x11; 32]);
    let digest = [0x33; 32];
    // Two presignatures: signer 1 on a, signer 2 on b.
    let err = run_online(&[a[0].clone(), b[1].clone()], [0x20; 32], &[digest; 2], &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    assert_eq!(err.culprits, vec![2], "signer 1 names signer 2");
    // Two digests.
    let err = run_online(&a, [0x21; 32], &[digest, [0x34; 32]], &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    assert_eq!(err.culprits, vec![2]);
    // Two paths.
    let mut rounds: Vec<presign::PresignedRound> = a
        .iter()
        .zip([vec![], vec![1u32]])
        .map(|(b, p)| {
            presign::start_online(Presignature::from_blob(b).unwrap(), [0x22; 32], digest, &p)
                .unwrap()
        })
        .collect();
    let from_2 = frames(rounds[1].outgoing()).remove(0);
    let err = rounds[0].receive(&from_2).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    assert_eq!(err.culprits, vec![2]);
    // A presignature of another key: its signers use another sid.
    let other = run_dkg(2, 3, None, [0x47; 32]);
    let c = run_presign(&other, &[1, 2], [0x10; 32]);
    let err = run_online(&[a[0].clone(), c[1].clone()], [0x23; 32], &[digest; 2], &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InconsistentBroadcast);
    // The honest pair still signs.
    let sig = run_online(&a, [0x24; 32], &[digest; 2], &[]).unwrap();
    check(&sig, &digest, &keys[0].public().public_key());
}

#[test]
fn presignature_blobs_that_are_truncated_garbage_or_another_kind_are_refused() {
    let keys = run_dkg(2, 2, None, [0x49; 32]);
    let blobs = run_presign(&keys, &[1, 2], [0x12; 32]);
    let blob = &blobs[0];
    for bad in [
        blob[..blob.len() - 1].to_vec(),
        blob[..10].to_vec(),
        vec![],
        vec![0xff; 300],
        [blob.clone(), vec![0]].concat(),
    ] {
        assert_eq!(
            Presignature::from_blob(&bad).err().unwrap().code,
            ErrorCode::Decode
        );
    }
    let key_blob = keys[0].to_blob().unwrap();
    assert!(Presignature::from_blob(&key_blob).is_err());
    let mut other_kind = blob.clone();
    other_kind[1] = 4;
    assert_eq!(
        Presignature::from_blob(&other_kind).err().unwrap().code,
        ErrorCode::WrongProtocol
    );
    // Presigning checks the signer set as signing does.
    let mut rng = rng::from_seed(&[1; 32]).unwrap();
    assert_eq!(
        presign::start(keys[0].clone(), [1; 32], vec![1], &mut rng)
            .err()
            .unwrap()
            .code,
        ErrorCode::NotEnoughSigners
    );
}
