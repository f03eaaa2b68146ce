//! Native resharing tests: happy paths on both curves (threshold up, committee change, same
//! committee), the ECDSA finish by complete refresh then signing, and hostile dealers.

use super::group::{lagrange, poly_eval, Context, Ed25519, Group, NewKey, Secp256k1};
use super::round1::start_with;
use super::session::*;
use super::*;
use crate::common::error::ErrorCode;
use crate::common::rng;
use crate::common::round::Round;
use crate::common::wire::Header;
use crate::dkls23::keygen::{self as dkg, DkgParams};
use crate::dkls23::keys::KeyShare;
use crate::dkls23::sign::{self, SignRequest};
use crate::test_util::{self, frames, receiver as to, sender as from, with_sender};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};

/// Delivers every message to its receiver (all but the sender for a broadcast); panics on error.
fn route<S>(
    states: &mut [S],
    msgs: &[Vec<u8>],
    mut recv: impl FnMut(&mut S, &[u8]) -> crate::common::error::Result<()>,
) {
    let ids: Vec<u16> = (1..=states.len() as u16).collect();
    test_util::route(&ids, msgs, |i, m| recv(&mut states[i], m).unwrap());
}

/// A trusted-dealer `t`-of-`n` key (secret known to the test) as blobs, plus the secret.
fn dealt<G: Group>(t: u16, n: u16, seed: u8) -> (Vec<Vec<u8>>, G::Scalar) {
    let mut r = rng::from_seed(&[seed; 32]).unwrap();
    let f: Vec<G::Scalar> = (0..t).map(|_| G::random_scalar(&mut r)).collect();
    let shares: Vec<G::Point> = (1..=n)
        .map(|i| G::mul_base(&poly_eval::<G>(&f, i)))
        .collect();
    let mut chain = [0u8; 32];
    if G::PROTOCOL == Secp256k1::PROTOCOL {
        chain = [7; 32];
    }
    let ctx = Context {
        pk: G::mul_base(&f[0]),
        shares,
        chain,
    };
    let blobs = (1..=n)
        .map(|i| {
            G::store_key(&NewKey {
                threshold: t,
                id: i,
                epoch: [seed; 32],
                x: Zeroizing::new(poly_eval::<G>(&f, i)),
                ctx: ctx.clone(),
            })
            .unwrap()
            .to_vec()
        })
        .collect();
    (blobs, f[0])
}

fn params(session: u8, me: u16, old_t: u16, new_t: u16, roles: &[(u16, u16)]) -> ReshareParams {
    let flat: Vec<u16> = roles.iter().flat_map(|(o, n)| [*o, *n]).collect();
    ReshareParams {
        session: [session; 32],
        me,
        old_threshold: old_t,
        new_threshold: new_t,
        roles: Role::from_pairs(&flat).unwrap(),
    }
}

/// Participant k's old blob: the blob of its old id, if it has one in `old_of`.
fn starts<G: Group>(
    session: u8,
    old_t: u16,
    new_t: u16,
    roles: &[(u16, u16)],
    old_of: &[u16],
    blobs: &[Vec<u8>],
) -> Vec<Round1<G>> {
    let mut r = rng::from_seed(&[session ^ 0x55; 32]).unwrap();
    (1..=roles.len() as u16)
        .map(|me| {
            let o = old_of[usize::from(me - 1)];
            let blob = if o == 0 {
                None
            } else {
                Some(&blobs[usize::from(o - 1)][..])
            };
            start::<G>(params(session, me, old_t, new_t, roles), blob, &mut r).unwrap()
        })
        .collect()
}

fn out<S>(states: &[S], f: impl Fn(&S) -> &[u8]) -> Vec<Vec<u8>> {
    states.iter().flat_map(|s| frames(f(s))).collect()
}

fn finish_all<G: Group>(mut r1: Vec<Round1<G>>) -> Vec<Vec<u8>> {
    let m = out(&r1, |s| s.outgoing());
    route(&mut r1, &m, |s, m| s.receive(m));
    let mut r2: Vec<Round2<G>> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&r2, |s| s.outgoing());
    route(&mut r2, &m, |s, m| s.receive(m));
    let mut r3: Vec<Round3<G>> = r2.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&r3, |s| s.outgoing());
    route(&mut r3, &m, |s, m| s.receive(m));
    r3.into_iter()
        .map(|s| s.finish().unwrap().to_vec())
        .collect()
}

/// Checks the new keys: same pk and chain, and every `t`-subset interpolates to `sk`, while a
/// mix with an old share does not.
fn check_keys<G: Group>(new: &[Vec<u8>], old: &[Vec<u8>], t: u16, sk: G::Scalar) -> Vec<OldKey<G>> {
    let keys: Vec<OldKey<G>> = new
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| G::load_key(b).unwrap())
        .collect();
    let old0 = G::load_key(&old[0]).unwrap();
    let mut keys = keys;
    keys.sort_by_key(|k| k.id);
    for (k, key) in keys.iter().enumerate() {
        assert_eq!(key.id, (k + 1) as u16);
        assert_eq!(key.threshold, t);
        assert!(key.ctx.pk == old0.ctx.pk && key.ctx.chain == old0.ctx.chain);
    }
    let interp = |ids: &[u16], xs: &[G::Scalar]| {
        ids.iter()
            .zip(xs)
            .fold(G::zero(), |acc, (i, x)| acc + lagrange::<G>(ids, *i) * *x)
    };
    let ids: Vec<u16> = (1..=t).collect();
    assert!(
        interp(
            &ids,
            &ids.iter()
                .map(|i| *keys[usize::from(*i - 1)].x)
                .collect::<Vec<_>>()
        ) == sk
    );
    let last: Vec<u16> = (keys.len() as u16 + 1 - t..=keys.len() as u16).collect();
    assert!(
        interp(
            &last,
            &last
                .iter()
                .map(|i| *keys[usize::from(*i - 1)].x)
                .collect::<Vec<_>>()
        ) == sk
    );
    // An old share in place of new share 1 gives a wrong secret.
    let mut xs: Vec<G::Scalar> = ids.iter().map(|i| *keys[usize::from(*i - 1)].x).collect();
    xs[0] = *old0.x;
    assert!(interp(&ids, &xs) != sk);
    keys
}

use super::group::OldKey;
use zeroize::Zeroizing;

/// 2-of-3 → 3-of-4: old 1, 2 deal; old 3 only receives; participant 4 is new.
const UP: [(u16, u16); 4] = [(1, 1), (2, 2), (0, 3), (0, 4)];
const UP_OLD: [u16; 4] = [1, 2, 3, 0];

fn happy<G: Group>(seed: u8) -> (Vec<Vec<u8>>, G::Scalar) {
    let (old, sk) = dealt::<G>(2, 3, seed);
    let new = finish_all(starts::<G>(seed, 2, 3, &UP, &UP_OLD, &old));
    check_keys::<G>(&new, &old, 3, sk);
    // 3-of-4 → 2-of-3, dropping new party 2; participant 1 only deals (old 1), others both.
    let roles = [(1, 0), (3, 1), (4, 2), (0, 3)];
    let again = finish_all(starts::<G>(seed + 1, 3, 2, &roles, &[1, 3, 4, 0], &new));
    assert!(again[0].is_empty(), "a dealer-only participant gets no key");
    check_keys::<G>(&again, &new, 2, sk);
    let again: Vec<Vec<u8>> = again[1..].to_vec(); // by new id
                                                   // Same committee and threshold (how Ed25519 keys are refreshed): new shares, same key.
    let fresh = finish_all(starts::<G>(
        seed + 2,
        2,
        2,
        &[(1, 1), (2, 2), (0, 3)],
        &[1, 2, 3],
        &again,
    ));
    let keys = check_keys::<G>(&fresh, &again, 2, sk);
    assert!(*keys[0].x != *G::load_key(&again[0]).unwrap().x);
    (new, sk)
}

#[test]
fn ed25519_reshare_threshold_up_down_and_refresh() {
    let (new, _) = happy::<Ed25519>(10);
    // The new packages sign with FROST.
    let keys: Vec<_> = new
        .iter()
        .map(|b| crate::frost::keys::KeyPackage::from_blob(b).unwrap())
        .collect();
    assert_eq!(keys[3].public().threshold(), 3);
    assert_eq!(keys[3].public().parties(), 4);
}

#[test]
fn secp256k1_reshare_then_refresh_then_sign() {
    let (new, _) = happy::<Secp256k1>(20);
    let pending: Vec<KeyShare> = new
        .iter()
        .map(|b| KeyShare::from_blob(b).unwrap())
        .collect();
    assert!(pending
        .iter()
        .all(|k| k.is_pending() && k.public().epoch() == [20; 32]));
    let mut r = rng::from_seed(&[3; 32]).unwrap();
    let req = |signers: Vec<u16>| SignRequest {
        session: [9; 32],
        signers,
        digest: [0x42; 32],
        path: vec![],
    };
    let err = sign::start(pending[0].clone(), req(vec![1, 2, 3]), &mut r)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidParameters);
    // Spec §5 step 6: the complete refresh among the new committee creates the pairwise setup.
    let session = [21u8; 32];
    let mut d1: Vec<dkg::Round1> = pending
        .iter()
        .map(|k| {
            dkg::round1(
                DkgParams {
                    session,
                    threshold: 3,
                    parties: 4,
                    me: k.id(),
                },
                Some(k.clone()),
                &mut r,
            )
            .unwrap()
        })
        .collect();
    let m = out(&d1, |s| s.outgoing());
    route(&mut d1, &m, |s, m| s.receive(m));
    let mut d2: Vec<dkg::Round2> = d1.into_iter().map(|s| s.advance(&mut r).unwrap()).collect();
    let m = out(&d2, |s| s.outgoing());
    route(&mut d2, &m, |s, m| s.receive(m));
    let mut d3: Vec<dkg::Round3> = d2.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&d3, |s| s.outgoing());
    route(&mut d3, &m, |s, m| s.receive(m));
    let keys: Vec<KeyShare> = d3.into_iter().map(|s| s.finish().unwrap()).collect();
    assert!(keys
        .iter()
        .all(|k| !k.is_pending() && k.public().public_key() == pending[0].public().public_key()));
    // Sign with signers 1, 3, 4 (states indexed by position in the signer set).
    let signers = vec![1u16, 3, 4];
    let mut s1: Vec<sign::SignRound1> = signers
        .iter()
        .map(|i| {
            sign::start(
                keys[usize::from(*i - 1)].clone(),
                req(signers.clone()),
                &mut r,
            )
            .unwrap()
        })
        .collect();
    let deliver = |msgs: &[Vec<u8>], k: usize| -> Vec<Vec<u8>> {
        msgs.iter()
            .filter(|m| from(m) != signers[k] && (to(m) == 0 || to(m) == signers[k]))
            .cloned()
            .collect()
    };
    let m = out(&s1, |s| s.outgoing());
    for (k, s) in s1.iter_mut().enumerate() {
        deliver(&m, k).iter().for_each(|m| s.receive(m).unwrap());
    }
    let mut s2: Vec<sign::SignRound2> =
        s1.into_iter().map(|s| s.advance(&mut r).unwrap()).collect();
    let m = out(&s2, |s| s.outgoing());
    for (k, s) in s2.iter_mut().enumerate() {
        deliver(&m, k).iter().for_each(|m| s.receive(m).unwrap());
    }
    let mut s3: Vec<sign::SignRound3> = s2.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&s3, |s| s.outgoing());
    for (k, s) in s3.iter_mut().enumerate() {
        deliver(&m, k).iter().for_each(|m| s.receive(m).unwrap());
    }
    let sig = s3.into_iter().next().unwrap().finish().unwrap();
    let vk = VerifyingKey::from_sec1_bytes(&pending[0].public().public_key()).unwrap();
    vk.verify_prehash(
        &[0x42; 32],
        &Signature::try_from(&sig.signature[..]).unwrap(),
    )
    .unwrap();
}

/// Runs round one for `UP` with participant 2 (old 2) built by `evil`, then feeds participant
/// 3 (old 3, also a receiver) and participant 4 (new) participant 2's round-two message.
fn hostile<G: Group, F: FnOnce(&mut Vec<G::Scalar>, &mut Context<G>)>(
    seed: u8,
    evil: F,
) -> (Vec<Round2<G>>, Vec<Vec<u8>>) {
    let (old, _) = dealt::<G>(2, 3, seed);
    let mut r = rng::from_seed(&[seed ^ 0x55; 32]).unwrap();
    let mut evil = Some(evil);
    let mut r1: Vec<Round1<G>> = (1..=4u16)
        .map(|me| {
            let o = UP_OLD[usize::from(me - 1)];
            let blob = if o == 0 {
                None
            } else {
                Some(&old[usize::from(o - 1)][..])
            };
            let p = params(seed, me, 2, 3, &UP);
            if me == 2 {
                start_with::<G, F>(p, blob, &mut r, evil.take().unwrap()).unwrap()
            } else {
                start_with::<G, fn(&mut Vec<G::Scalar>, &mut Context<G>)>(
                    p,
                    blob,
                    &mut r,
                    |_, _| {},
                )
                .unwrap()
            }
        })
        .collect();
    let m = out(&r1, |s| s.outgoing());
    route(&mut r1, &m, |s, m| s.receive(m));
    let r2: Vec<Round2<G>> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&r2, |s| s.outgoing());
    (r2, m)
}

fn from_2_to(m: &[Vec<u8>], receiver: u16) -> Vec<u8> {
    m.iter()
        .find(|m| from(m) == 2 && to(m) == receiver)
        .unwrap()
        .clone()
}

#[test]
fn dealer_changing_the_key_is_blamed() {
    let (mut r2, m) = hostile::<Secp256k1, _>(30, |c, _| c[0] = c[0] + Secp256k1::id_scalar(1));
    for p in [3u16, 4] {
        let err = r2[usize::from(p - 1)]
            .receive(&from_2_to(&m, p))
            .unwrap_err();
        assert_eq!(
            (err.code, err.culprits.clone()),
            (ErrorCode::InvalidShare, vec![2])
        );
    }
    let (mut r2, m) = hostile::<Ed25519, _>(31, |c, _| c[0] = c[0] + Ed25519::id_scalar(1));
    let err = r2[3].receive(&from_2_to(&m, 4)).unwrap_err();
    assert_eq!((err.code, err.culprits), (ErrorCode::InvalidShare, vec![2]));
}

#[test]
fn context_mismatch_is_blamed() {
    // A dealer vouching for another chain code (its B_{i,0} is still right).
    let (mut r2, m) = hostile::<Secp256k1, _>(32, |_, ctx| ctx.chain[0] ^= 1);
    let err = r2[2].receive(&from_2_to(&m, 3)).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InconsistentBroadcast, vec![2])
    );
    let err = r2[0].receive(&from_2_to(&m, 1)).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InconsistentBroadcast, vec![2])
    );
    // A new party without an old share sees two dealers disagree and names both.
    r2[3]
        .receive(
            &m.iter()
                .find(|m| from(m) == 1 && to(m) == 4)
                .unwrap()
                .clone(),
        )
        .unwrap();
    let err = r2[3].receive(&from_2_to(&m, 4)).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InconsistentBroadcast, vec![1, 2])
    );
}

#[test]
fn share_not_matching_commitment_is_blamed_and_honest_message_still_accepted() {
    let (mut r2, m) = hostile::<Ed25519, _>(33, |_, _| {});
    let honest = from_2_to(&m, 4);
    // Re-seal a wrong share under the real pairwise key (participant 2's view).
    let evil = {
        let p2 = &r2[1];
        let e4 = p2.peers.iter().find(|(j, _)| *j == 4).unwrap().1.ephemeral;
        let cipher = p2
            .common
            .cipher(2, 4, &p2.common.e_me, &e4, &(e4 * *p2.common.ephemeral));
        let header = Header {
            protocol: Ed25519::PROTOCOL,
            session: [33; 32],
            round: 2,
            sender: 2,
            receiver: 4,
        };
        let aad = header.bytes();
        let at = honest.len() - SEALED_LEN;
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload {
                    msg: &honest[at..],
                    aad: &aad,
                },
            )
            .unwrap();
        let wrong = Ed25519::dec_scalar(&plain).unwrap() + Ed25519::id_scalar(1);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload {
                    msg: &Ed25519::enc_scalar(&wrong)[..],
                    aad: &aad,
                },
            )
            .unwrap();
        [&honest[..at], &ct[..]].concat()
    };
    let err = r2[3].receive(&evil).unwrap_err();
    assert_eq!((err.code, err.culprits), (ErrorCode::InvalidShare, vec![2]));
    // Garbage ciphertext.
    let mut bad = honest.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let err = r2[3].receive(&bad).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::DecryptionFailed, vec![2])
    );
    // A tampered opening.
    let mut bad = honest.clone();
    bad[39 + 2 + 3 * 32 + 32 + 5] ^= 1; // a salt byte
    let err = r2[3].receive(&bad).unwrap_err();
    assert_eq!((err.code, err.culprits), (ErrorCode::InvalidProof, vec![2]));
    assert_eq!(r2[3].missing(), vec![1, 2]);
    r2[3].receive(&honest).unwrap();
    // Duplicate.
    let err = r2[3].receive(&honest).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::DuplicateMessage, vec![2])
    );
}

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::Nonce;

#[test]
fn wrong_length_duplicates_and_wrong_roles_are_refused() {
    let (old, _) = dealt::<Ed25519>(2, 3, 40);
    let mut r1 = starts::<Ed25519>(40, 2, 3, &UP, &UP_OLD, &old);
    let m = out(&r1, |s| s.outgoing());
    // Round one: a dealer's broadcast cut to a non-dealer's length, and a non-dealer's padded.
    let dealer = m.iter().find(|m| from(m) == 1).unwrap().clone();
    let err = r1[2].receive(&dealer[..dealer.len() - 32]).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InvalidLength, vec![1])
    );
    let newbie = m.iter().find(|m| from(m) == 4).unwrap().clone();
    let err = r1[2]
        .receive(&[&newbie[..], &[0u8; 32][..]].concat())
        .unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InvalidLength, vec![4])
    );
    r1[2].receive(&dealer).unwrap();
    let err = r1[2].receive(&dealer).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::DuplicateMessage, vec![1])
    );
    let mut r1: Vec<Round1<Ed25519>> = starts::<Ed25519>(40, 2, 3, &UP, &UP_OLD, &old);
    route(&mut r1, &m, |s, m| s.receive(m));
    let mut r2: Vec<Round2<Ed25519>> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
    let m2 = out(&r2, |s| s.outgoing());
    assert!(frames(r2[2].outgoing()).is_empty() && frames(r2[3].outgoing()).is_empty());
    assert_eq!(r2[3].missing(), vec![1, 2]);
    // Round two from a non-dealer (participant 3 re-labelled as sender): unknown sender.
    let forged = with_sender(&from_2_to(&m2, 4), 3);
    let err = r2[3].receive(&forged).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::UnknownSender, vec![3])
    );
    // A truncated dealing.
    let honest = from_2_to(&m2, 4);
    let err = r2[3].receive(&honest[..honest.len() - 1]).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InvalidLength, vec![2])
    );
    route(&mut r2, &m2, |s, m| s.receive(m));
    let mut r3: Vec<Round3<Ed25519>> = r2.into_iter().map(|s| s.advance().unwrap()).collect();
    // Round three: dealer-only participants would send nothing; here everyone receives, and a
    // confirmation "from" a dealer that is not a receiver is refused. Participant 1 is both, so
    // use a different confirm to test the mismatch.
    let m3 = out(&r3, |s| s.outgoing());
    let mut wrong = m3.iter().find(|m| from(m) == 2).unwrap().clone();
    wrong[45] ^= 1;
    let err = r3[0].receive(&wrong).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::InconsistentBroadcast, vec![2])
    );
    route(&mut r3, &m3, |s, m| s.receive(m));
    assert!(r3.into_iter().all(|s| !s.finish().unwrap().is_empty()));
}

#[test]
fn dealer_only_participant_cannot_confirm_and_params_are_checked() {
    // 2-of-3 → 2-of-2 with participant 1 dealing only.
    let (old, _) = dealt::<Secp256k1>(2, 3, 50);
    let roles = [(1, 0), (2, 1), (0, 2)];
    let mut r1 = starts::<Secp256k1>(50, 2, 2, &roles, &[1, 2, 0], &old);
    let m = out(&r1, |s| s.outgoing());
    route(&mut r1, &m, |s, m| s.receive(m));
    let mut r2: Vec<Round2<Secp256k1>> = r1.into_iter().map(|s| s.advance().unwrap()).collect();
    let m = out(&r2, |s| s.outgoing());
    route(&mut r2, &m, |s, m| s.receive(m));
    let mut r3: Vec<Round3<Secp256k1>> = r2.into_iter().map(|s| s.advance().unwrap()).collect();
    assert!(frames(r3[0].outgoing()).is_empty());
    assert_eq!(r3[0].missing(), vec![2, 3]);
    // A forged confirmation from the dealer-only participant 1.
    let mut forged = frames(r3[1].outgoing()).remove(0);
    forged[35..37].copy_from_slice(&1u16.to_be_bytes());
    let err = r3[2].receive(&forged).unwrap_err();
    assert_eq!(
        (err.code, err.culprits),
        (ErrorCode::UnknownSender, vec![1])
    );
    let m = out(&r3, |s| s.outgoing());
    route(&mut r3, &m, |s, m| s.receive(m));
    let blobs: Vec<Vec<u8>> = r3
        .into_iter()
        .map(|s| s.finish().unwrap().to_vec())
        .collect();
    assert!(blobs[0].is_empty() && !blobs[1].is_empty() && !blobs[2].is_empty());

    // Parameter checks.
    let mut r = rng::from_seed(&[1; 32]).unwrap();
    let bad = |p: ReshareParams, blob: Option<&[u8]>, r: &mut rand_chacha::ChaCha20Rng| {
        start::<Secp256k1>(p, blob, r).err().map(|e| e.code)
    };
    assert_eq!(
        bad(
            params(51, 1, 2, 2, &[(1, 1), (0, 2)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // one dealer for t = 2
    assert_eq!(
        bad(
            params(51, 1, 2, 2, &[(1, 1), (2, 3)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidIdentifier)
    ); // new ids 1, 3
    assert_eq!(
        bad(
            params(51, 1, 2, 2, &[(1, 1), (1, 2)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // repeated old id
    assert_eq!(
        bad(
            params(51, 1, 2, 2, &[(1, 1), (2, 2), (0, 0)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // no role
    assert_eq!(
        bad(
            params(51, 1, 2, 3, &[(1, 1), (2, 2)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // t' > n'
    assert_eq!(
        bad(params(51, 1, 2, 2, &[(1, 1), (2, 2)]), None, &mut r),
        Some(ErrorCode::InvalidParameters)
    ); // dealer without key
    assert_eq!(
        bad(
            params(51, 1, 2, 2, &[(1, 1), (2, 2)]),
            Some(&old[1]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // wrong blob
    assert_eq!(
        bad(
            params(51, 1, 3, 2, &[(1, 1), (2, 2), (3, 0)]),
            Some(&old[0]),
            &mut r
        ),
        Some(ErrorCode::InvalidParameters)
    ); // wrong old t
    assert_eq!(
        bad(params(51, 3, 2, 2, &[(1, 1), (2, 2)]), None, &mut r),
        Some(ErrorCode::InvalidIdentifier)
    ); // me
}
