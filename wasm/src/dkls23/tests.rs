//! Native round trips of DKLs23: key generation, signing by every signer set, refresh,
//! derivation, and tampering with each message type.

use super::curve::{enc_point, random_scalar};
use super::derive;
use super::dkg::{self, DkgParams};
use super::keys::KeyShare;
use super::sign::{self, EcdsaSignature, SignRequest};
use crate::error::ErrorCode;
use crate::rng;
use crate::test_util::frames;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::ProjectivePoint;


fn to(m: &[u8]) -> u16 {
    u16::from_be_bytes([m[37], m[38]])
}
fn from(m: &[u8]) -> u16 {
    u16::from_be_bytes([m[35], m[36]])
}

/// Delivers `msgs` to the parties `ids` (a broadcast reaches everyone but its sender).
fn route<F: FnMut(usize, &[u8])>(ids: &[u16], msgs: &[Vec<u8>], mut deliver: F) {
    for m in msgs {
        for (i, id) in ids.iter().enumerate() {
            if *id != from(m) && (to(m) == 0 || to(m) == *id) {
                deliver(i, m);
            }
        }
    }
}

pub(crate) fn run_dkg(t: u16, n: u16, old: Option<Vec<KeyShare>>, session: [u8; 32]) -> Vec<KeyShare> {
    let ids: Vec<u16> = (1..=n).collect();
    let mut rng = rng::from_seed(&[session[0] | 1; 32]).unwrap();
    let mut old = old.map(|v| v.into_iter().map(Some).collect::<Vec<_>>());
    let mut r1: Vec<dkg::Round1> = ids
        .iter()
        .map(|me| dkg::round1(DkgParams { session, threshold: t, parties: n, me: *me }, old.as_mut().and_then(|o| o[usize::from(*me - 1)].take()), &mut rng).unwrap())
        .collect();
    let msgs: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r1[i].receive(m).unwrap());
    let mut r2: Vec<dkg::Round2> = r1.into_iter().map(|s| s.advance(&mut rng).unwrap()).collect();
    let msgs: Vec<Vec<u8>> = r2.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r2[i].receive(m).unwrap());
    let mut r3: Vec<dkg::Round3> = r2.into_iter().map(|s| s.advance().unwrap()).collect();
    let msgs: Vec<Vec<u8>> = r3.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(&ids, &msgs, |i, m| r3[i].receive(m).unwrap());
    r3.into_iter().map(|s| s.finish().unwrap()).collect()
}

pub(crate) fn run_sign(keys: &[KeyShare], signers: &[u16], digest: [u8; 32], path: &[u32]) -> crate::error::Result<EcdsaSignature> {
    let session = [signers.len() as u8 + 100; 32];
    let mut rng = rng::from_seed(&[7; 32]).unwrap();
    let mut s1 = Vec::new();
    for id in signers {
        s1.push(sign::start(keys[usize::from(*id - 1)].clone(), SignRequest { session, signers: signers.to_vec(), digest, path: path.to_vec() }, &mut rng)?);
    }
    let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
    let mut err = None;
    route(signers, &msgs, |i, m| if let Err(e) = s1[i].receive(m) { err = Some(e) });
    if let Some(e) = err { return Err(e); }
    let mut s2 = Vec::new();
    for s in s1 { s2.push(s.advance(&mut rng)?); }
    let msgs: Vec<Vec<u8>> = s2.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| if let Err(e) = s2[i].receive(m) { err = Some(e) });
    if let Some(e) = err { return Err(e); }
    let mut s3 = Vec::new();
    for s in s2 { s3.push(s.advance()?); }
    let msgs: Vec<Vec<u8>> = s3.iter().flat_map(|s| frames(s.outgoing())).collect();
    route(signers, &msgs, |i, m| if let Err(e) = s3[i].receive(m) { err = Some(e) });
    if let Some(e) = err { return Err(e); }
    let sigs: Vec<EcdsaSignature> = s3.into_iter().map(|s| s.finish()).collect::<crate::error::Result<_>>()?;
    assert!(sigs.iter().all(|s| *s == sigs[0]));
    Ok(sigs[0].clone())
}

fn check(sig: &EcdsaSignature, digest: &[u8; 32], pk: &[u8; 33]) {
    let vk = VerifyingKey::from_sec1_bytes(pk).unwrap();
    let s = Signature::try_from(&sig.signature[..]).unwrap();
    vk.verify_prehash(digest, &s).unwrap();
    assert!(s.normalize_s().is_none(), "low-s");
    let recovered = VerifyingKey::recover_from_prehash(digest, &s, RecoveryId::from_byte(sig.recovery_id).unwrap()).unwrap();
    assert_eq!(recovered, vk);
}

#[test]
fn keygen_and_sign_2_of_3_every_subset_then_refresh_and_derive() {
    let keys = run_dkg(2, 3, None, [1; 32]);
    let pk = keys[0].public_key();
    for k in &keys {
        assert_eq!(k.public_key(), pk);
        assert_eq!(KeyShare::from_blob(&k.to_blob()).unwrap().public_key(), pk);
    }
    let digest = [0x42; 32];
    for signers in [vec![1u16, 2], vec![1, 3], vec![2, 3], vec![1, 2, 3]] {
        let sig = run_sign(&keys, &signers, digest, &[]).unwrap();
        assert_eq!(sig.public_key, pk);
        check(&sig, &digest, &pk);
    }
    assert_eq!(run_sign(&keys, &[1], digest, &[]).unwrap_err().code, ErrorCode::NotEnoughSigners);

    // Derivation: the child key is computed independently from (pk, chain) here.
    let path = [0u32, 5];
    let child = derive::derive(&keys[0].public_key, &keys[0].chain, &path).unwrap();
    let sig = run_sign(&keys, &[1, 3], digest, &path).unwrap();
    assert_eq!(sig.public_key, enc_point(&child.public_key));
    check(&sig, &digest, &sig.public_key);

    // Refresh keeps pk; mixing old and new shares fails.
    let fresh = run_dkg(2, 3, Some(keys.clone()), [2; 32]);
    assert_eq!(fresh[0].public_key(), pk);
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
    let pk = keys[0].public_key();
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

