//! The FROST(Ed25519, SHA-512) ciphersuite of RFC 9591 §6.1 and the helper functions of §4.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use sha2::{Digest, Sha512};

/// RFC 9591 §6.1 contextString.
pub const CONTEXT: &[u8] = b"FROST-ED25519-SHA512-v1";

fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&h.finalize());
    out
}

/// RFC 9591 §6.1 H1: binding-factor hash.
pub fn h1(m: &[u8]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&sha512(&[CONTEXT, b"rho", m]))
}

/// RFC 9591 §6.1 H2: the challenge hash, undecorated so signatures verify as plain Ed25519.
pub fn h2(m: &[&[u8]]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&sha512(m))
}

/// RFC 9591 §6.1 H3: nonce hash.
pub fn h3(m: &[&[u8]]) -> Scalar {
    let mut parts: Vec<&[u8]> = vec![CONTEXT, b"nonce"];
    parts.extend_from_slice(m);
    Scalar::from_bytes_mod_order_wide(&sha512(&parts))
}

/// RFC 9591 §6.1 H4: message hash.
pub fn h4(m: &[u8]) -> [u8; 64] {
    sha512(&[CONTEXT, b"msg", m])
}

/// RFC 9591 §6.1 H5: commitment-list hash.
pub fn h5(m: &[u8]) -> [u8; 64] {
    sha512(&[CONTEXT, b"com", m])
}

/// RFC 9591 §6.1 SerializeElement.
pub fn serialize_element(p: &EdwardsPoint) -> [u8; 32] {
    p.compress().to_bytes()
}

/// RFC 9591 §6.1 DeserializeElement: canonical encoding, not the identity, in the prime-order
/// subgroup (which also rules out every small-order point).
pub fn deserialize_element(b: &[u8]) -> Result<EdwardsPoint> {
    let bytes: [u8; 32] = b
        .try_into()
        .map_err(|_| Error::local(ErrorCode::InvalidPoint, "element must be 32 bytes"))?;
    // RFC 8032 §5.1.3 step 1: y ≥ p is not canonical (the 19 values p..2^255−1). The x sign bit
    // is only free when x = 0, i.e. for y = ±1, which the identity and subgroup checks refuse.
    // Checked on the bytes, so no inversion is spent re-encoding the point.
    let y_at_least_p =
        bytes[0] >= 0xed && bytes[1..31].iter().all(|b| *b == 0xff) && bytes[31] & 0x7f == 0x7f;
    if y_at_least_p {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "element encoding is not canonical",
        ));
    }
    let p = CompressedEdwardsY(bytes)
        .decompress()
        .ok_or_else(|| Error::local(ErrorCode::InvalidPoint, "element is not on the curve"))?;
    if p.is_identity() {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "element is the identity",
        ));
    }
    // Torsion-free iff [ℓ]P = O iff [ℓ − 1]P = −P (ℓ is odd, the torsion has order dividing 8);
    // P is public, so the variable-time multiplication serves.
    let l_minus_1 = EdwardsPoint::vartime_multiscalar_mul([-Scalar::ONE], [p]);
    if l_minus_1 != -p {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "element is outside the prime-order subgroup",
        ));
    }
    Ok(p)
}

/// RFC 9591 §6.1 SerializeScalar (little-endian).
pub fn serialize_scalar(s: &Scalar) -> [u8; 32] {
    s.to_bytes()
}

/// RFC 9591 §6.1 DeserializeScalar: rejects encodings ≥ the group order.
pub fn deserialize_scalar(b: &[u8]) -> Result<Scalar> {
    let bytes: [u8; 32] = b
        .try_into()
        .map_err(|_| Error::local(ErrorCode::InvalidScalar, "scalar must be 32 bytes"))?;
    Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes))
        .ok_or_else(|| Error::local(ErrorCode::InvalidScalar, "scalar encoding is not canonical"))
}

/// Like `deserialize_scalar`, also refusing zero (for values that must be secret and non-trivial).
pub fn deserialize_nonzero_scalar(b: &[u8]) -> Result<Scalar> {
    let s = deserialize_scalar(b)?;
    if s == Scalar::ZERO {
        return Err(Error::local(
            ErrorCode::InvalidScalar,
            "scalar must not be zero",
        ));
    }
    Ok(s)
}

/// The scalar form of a party identifier; identifiers are 1..=MAX_PARTIES.
pub fn identifier(id: u16) -> Scalar {
    Scalar::from(u64::from(id))
}

/// RFC 9591 §4.1 nonce_generate, with the 32 random bytes supplied by the caller.
pub fn nonce_generate(random_bytes: &[u8; 32], secret: &Scalar) -> Scalar {
    let secret_enc = zeroize::Zeroizing::new(serialize_scalar(secret));
    h3(&[random_bytes, secret_enc.as_slice()])
}

/// RFC 9591 §4.2 derive_interpolating_value: the Lagrange coefficient of `x_i` at 0 over `ids`.
pub fn derive_interpolating_value(ids: &[u16], x_i: u16) -> Result<Scalar> {
    if !ids.contains(&x_i) {
        return Err(Error::local(
            ErrorCode::InvalidIdentifier,
            "x_i is not in the signer list",
        ));
    }
    let xi = identifier(x_i);
    let mut numerator = Scalar::ONE;
    let mut denominator = Scalar::ONE;
    for x_j in ids {
        if *x_j == x_i {
            continue;
        }
        let xj = identifier(*x_j);
        numerator *= xj;
        denominator *= xj - xi;
    }
    Ok(numerator * denominator.invert())
}

/// One signer's round-one commitment (RFC 9591 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    /// The signer's identifier.
    pub id: u16,
    /// Hiding nonce commitment.
    pub hiding: EdwardsPoint,
    /// Binding nonce commitment.
    pub binding: EdwardsPoint,
}

/// RFC 9591 §4.3 encode_group_commitment_list; `list` must be sorted by identifier.
pub fn encode_group_commitment_list(list: &[Commitment]) -> Vec<u8> {
    let mut out = Vec::with_capacity(list.len() * 96);
    for c in list {
        out.extend_from_slice(&serialize_scalar(&identifier(c.id)));
        out.extend_from_slice(&serialize_element(&c.hiding));
        out.extend_from_slice(&serialize_element(&c.binding));
    }
    out
}

/// RFC 9591 §4.4 compute_binding_factors: one `(id, rho)` per commitment, in list order.
pub fn compute_binding_factors(
    group_public_key: &EdwardsPoint,
    list: &[Commitment],
    msg: &[u8],
) -> Vec<(u16, Scalar)> {
    let mut prefix = Vec::with_capacity(32 + 64 + 64 + 32);
    prefix.extend_from_slice(&serialize_element(group_public_key));
    prefix.extend_from_slice(&h4(msg));
    prefix.extend_from_slice(&h5(&encode_group_commitment_list(list)));
    let base = prefix.len();
    list.iter()
        .map(|c| {
            prefix.truncate(base);
            prefix.extend_from_slice(&serialize_scalar(&identifier(c.id)));
            (c.id, h1(&prefix))
        })
        .collect()
}

/// RFC 9591 §4.5 compute_group_commitment.
pub fn compute_group_commitment(
    list: &[Commitment],
    binding_factors: &[(u16, Scalar)],
) -> EdwardsPoint {
    let hiding_sum = list
        .iter()
        .fold(EdwardsPoint::identity(), |acc, c| acc + c.hiding);
    let scalars = binding_factors.iter().map(|(_, rho)| *rho);
    let points = list.iter().map(|c| c.binding);
    hiding_sum + EdwardsPoint::vartime_multiscalar_mul(scalars, points)
}

/// RFC 9591 §4.6 compute_challenge.
pub fn compute_challenge(
    group_commitment: &EdwardsPoint,
    group_public_key: &EdwardsPoint,
    msg: &[u8],
) -> Scalar {
    h2(&[
        &serialize_element(group_commitment),
        &serialize_element(group_public_key),
        msg,
    ])
}

/// Checks a sorted commitment list: unique ids and one per signer (RFC 9591 §5.2 preconditions).
pub fn binding_factor_for(binding_factors: &[(u16, Scalar)], id: u16) -> Result<Scalar> {
    binding_factors
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, rho)| *rho)
        .ok_or_else(|| {
            Error::blame(
                ErrorCode::InvalidIdentifier,
                id,
                "no binding factor for this signer",
            )
        })
}
