//! Node identity signatures: plain RFC 8032 Ed25519 (PureEdDSA, no context, no prehash) over
//! arbitrary bytes, via the audited `ed25519-dalek` crate. Nothing here is threshold: one node,
//! one 32-byte secret seed, one public key. Verification is strict (`verify_strict`, plus the
//! RFC 8032 §5.1.3 canonical-encoding rule for the public key), so that exactly one encoding of
//! one key accepts exactly one encoding of each signature.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

/// Length of a secret key (the RFC 8032 seed), in bytes.
pub const SECRET_KEY_LENGTH: usize = 32;
/// Length of an encoded public key, in bytes.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// Length of a signature `R ‖ S`, in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// The public key `A = [s]B` of a 32-byte secret seed (RFC 8032 §5.1.5).
pub fn public_key(secret: &[u8; SECRET_KEY_LENGTH]) -> [u8; PUBLIC_KEY_LENGTH] {
    // `SigningKey` zeroizes its copy of the seed on drop (`zeroize` feature).
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// Signs `msg` with the 32-byte secret seed (RFC 8032 §5.1.6: deterministic, no randomness).
pub fn sign(secret: &[u8; SECRET_KEY_LENGTH], msg: &[u8]) -> [u8; SIGNATURE_LENGTH] {
    // The signing key and the expanded key (scalar and prefix) derived inside `sign` are both
    // zeroized on drop by ed25519-dalek's `zeroize` feature.
    let key = SigningKey::from_bytes(secret);
    key.sign(msg).to_bytes()
}

/// Verifies `sig` on `msg` under `public` (RFC 8032 §5.1.7), strictly: the public key must be a
/// canonical encoding (§5.1.3: y < p, no "negative zero") of a point that is not of small order,
/// `R` must be canonical and not of small order, `S` must be below the group order, and the
/// equation is checked cofactorless (`ed25519-dalek`'s `verify_strict`). Never panics.
pub fn verify(public: &[u8; PUBLIC_KEY_LENGTH], msg: &[u8], sig: &[u8; SIGNATURE_LENGTH]) -> bool {
    let key = match decode_public(public) {
        Some(key) => key,
        None => return false,
    };
    key.verify_strict(msg, &Signature::from_bytes(sig)).is_ok()
}

/// Decodes a public key per RFC 8032 §5.1.3, rejecting non-canonical encodings, which
/// `curve25519-dalek`'s decompression accepts (it reduces y mod p and ignores the sign bit of
/// x = 0). Small-order keys decode here and are rejected by `verify_strict`.
fn decode_public(public: &[u8; PUBLIC_KEY_LENGTH]) -> Option<VerifyingKey> {
    let point = CompressedEdwardsY(*public).decompress()?;
    if point.compress().as_bytes() != public {
        return None;
    }
    Some(VerifyingKey::from(point))
}

/// Copies a secret seed out of a slice into a buffer that is zeroized on drop.
pub fn secret_from_slice(secret: &[u8]) -> Result<Zeroizing<[u8; SECRET_KEY_LENGTH]>> {
    if secret.len() != SECRET_KEY_LENGTH {
        return Err(Error::local(
            ErrorCode::InvalidLength,
            "Ed25519 secret key must be 32 bytes",
        ));
    }
    let mut out = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
    out.copy_from_slice(secret);
    Ok(out)
}

/// `sign` over slices: fails with `INVALID_LENGTH` unless the secret is 32 bytes.
pub fn sign_slice(secret: &[u8], msg: &[u8]) -> Result<[u8; SIGNATURE_LENGTH]> {
    let secret = secret_from_slice(secret)?;
    Ok(sign(&secret, msg))
}

/// `public_key` over a slice: fails with `INVALID_LENGTH` unless the secret is 32 bytes.
pub fn public_key_slice(secret: &[u8]) -> Result<[u8; PUBLIC_KEY_LENGTH]> {
    let secret = secret_from_slice(secret)?;
    Ok(public_key(&secret))
}

/// `verify` over slices: false (never an error) when a key or signature has the wrong length.
pub fn verify_slice(public: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    match (
        <&[u8; PUBLIC_KEY_LENGTH]>::try_from(public),
        <&[u8; SIGNATURE_LENGTH]>::try_from(sig),
    ) {
        (Ok(public), Ok(sig)) => verify(public, msg, sig),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn a32(s: &str) -> [u8; 32] {
        h(s).try_into().unwrap()
    }

    fn a64(s: &str) -> [u8; 64] {
        h(s).try_into().unwrap()
    }

    /// RFC 8032 §7.1 "TEST 1024": the 1023-byte message.
    const MSG_1023: &str = concat!(
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
    );

    /// RFC 8032 §7.1 Ed25519 vectors: (secret, public, message, signature), all hex.
    fn vectors() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
        vec![
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
            (
                "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
                "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
            ),
            (
                "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
                "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
                MSG_1023,
                "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
            ),
        ]
    }

    #[test]
    fn rfc8032_vectors() {
        for (sk, pk, msg, sig) in vectors() {
            let (sk, pk, msg, sig) = (a32(sk), a32(pk), h(msg), a64(sig));
            assert_eq!(public_key(&sk), pk);
            assert_eq!(sign(&sk, &msg), sig);
            assert!(verify(&pk, &msg, &sig));
            assert_eq!(sign_slice(&sk, &msg).unwrap(), sig);
            assert_eq!(public_key_slice(&sk).unwrap(), pk);
            assert!(verify_slice(&pk, &msg, &sig));
        }
        assert_eq!(h(MSG_1023).len(), 1023);
    }

    #[test]
    fn any_flipped_bit_fails() {
        for (_, pk, msg, sig) in vectors().into_iter().take(3) {
            let (pk, msg, sig) = (a32(pk), h(msg), a64(sig));
            for bit in 0..512 {
                let mut bad = sig;
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(!verify(&pk, &msg, &bad), "signature bit {}", bit);
            }
            for bit in 0..256 {
                let mut bad = pk;
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(!verify(&bad, &msg, &sig), "key bit {}", bit);
            }
            for bit in 0..msg.len() * 8 {
                let mut bad = msg.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(!verify(&pk, &bad, &sig), "message bit {}", bit);
            }
            let mut longer = msg.clone();
            longer.push(0);
            assert!(!verify(&pk, &longer, &sig));
        }
    }

    #[test]
    fn wrong_lengths() {
        let (sk, pk, msg, sig) = vectors()[1];
        let (sk, pk, msg, sig) = (h(sk), h(pk), h(msg), h(sig));
        for n in [0usize, 1, 31, 33, 64] {
            let bad = vec![7u8; n];
            let err = sign_slice(&bad, &msg).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidLength);
            assert!(!err.to_json().contains("0707"));
            assert_eq!(
                public_key_slice(&bad).unwrap_err().code,
                ErrorCode::InvalidLength
            );
        }
        assert!(verify_slice(&pk, &msg, &sig));
        assert!(!verify_slice(&pk[..31], &msg, &sig));
        assert!(!verify_slice(&[&pk[..], &[0]].concat(), &msg, &sig));
        assert!(!verify_slice(&pk, &msg, &sig[..63]));
        assert!(!verify_slice(&pk, &msg, &[&sig[..], &[0]].concat()));
        assert!(!verify_slice(&[], &msg, &[]));
        // The secret is checked for length only: 32 bytes of anything is a valid seed.
        assert!(sign_slice(&sk, &msg).is_ok());
    }

    /// Small-order public keys, with the signature (R = identity, S = 0) that satisfies the
    /// cofactored equation for every message: a lax verifier accepts it, `verify_strict` must not.
    #[test]
    fn small_order_keys_rejected() {
        let identity = a32("0100000000000000000000000000000000000000000000000000000000000000");
        let small = [
            identity,
            a32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // order 2
            a32("0000000000000000000000000000000000000000000000000000000000000000"), // order 4
            a32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), // order 8
            a32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), // order 8
        ];
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&identity);
        for key in small {
            assert!(VerifyingKey::from_bytes(&key).unwrap().is_weak());
            for msg in [&b""[..], b"attestation", &[0u8; 1000]] {
                assert!(!verify(&key, msg, &sig));
            }
        }
        // With the identity key, (R = identity, S = 0) even satisfies the cofactorless equation.
        assert!(VerifyingKey::from_bytes(&identity)
            .unwrap()
            .verify(b"x", &Signature::from_bytes(&sig))
            .is_ok());
        assert!(!verify(&identity, b"x", &sig));
    }

    /// RFC 8032 §5.1.3: y ≥ p, and x = 0 with the sign bit set, fail to decode. curve25519-dalek
    /// accepts both, so `decode_public` checks the round trip.
    #[test]
    fn non_canonical_keys_rejected() {
        // y = p + 3: a valid non-canonical encoding of a point that is not of small order.
        let y3 = a32("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        let lax = VerifyingKey::from_bytes(&y3).expect("curve25519-dalek decodes y = p + 3");
        assert!(!lax.is_weak());
        assert!(decode_public(&y3).is_none());
        // The canonical encoding of the same point decodes.
        let mut canonical = [0u8; 32];
        canonical[0] = 3;
        assert!(decode_public(&canonical).is_some());
        // Identity with the x sign bit set ("negative zero").
        let neg_zero = a32("0100000000000000000000000000000000000000000000000000000000000080");
        assert!(decode_public(&neg_zero).is_none());
        // Every vector key is canonical.
        for (_, pk, _, _) in vectors() {
            assert!(decode_public(&a32(pk)).is_some());
        }
    }

    /// S ≥ ℓ (adding the group order to a valid S) is malleable and must be rejected.
    #[test]
    fn non_canonical_s_rejected() {
        let (_, pk, msg, sig) = vectors()[0];
        let (pk, msg, sig) = (a32(pk), h(msg), a64(sig));
        let l = a32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
        let mut s = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
            s[i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        let mut bad = sig;
        bad[32..].copy_from_slice(&s);
        assert!(!verify(&pk, &msg, &bad));
    }
}
