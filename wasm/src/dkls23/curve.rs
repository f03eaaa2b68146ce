//! secp256k1 encodings (spec §1): scalars 32 B big-endian, canonical; points 33 B SEC1
//! compressed, on the curve, canonical, never the identity.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::group::GroupEncoding;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::PrimeField;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar, U256};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroize;

/// Encoded point length.
pub const POINT_LEN: usize = 33;

/// 32-byte big-endian scalar encoding.
pub fn enc_scalar(s: &Scalar) -> [u8; 32] {
    s.to_bytes().into()
}

/// Decodes a canonical scalar (< q).
pub fn dec_scalar(b: &[u8]) -> Result<Scalar> {
    if b.len() != 32 {
        return Err(Error::local(
            ErrorCode::InvalidScalar,
            "scalar must be 32 bytes",
        ));
    }
    Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(b)))
        .ok_or_else(|| Error::local(ErrorCode::InvalidScalar, "scalar encoding is not canonical"))
}

/// Decodes a canonical, non-zero scalar.
pub fn dec_nonzero_scalar(b: &[u8]) -> Result<Scalar> {
    let s = dec_scalar(b)?;
    if bool::from(s.is_zero()) {
        return Err(Error::local(
            ErrorCode::InvalidScalar,
            "scalar must not be zero",
        ));
    }
    Ok(s)
}

/// 33-byte compressed encoding (the identity encodes as 33 zero bytes, which decoding refuses).
pub fn enc_point(p: &ProjectivePoint) -> [u8; 33] {
    enc_affine(&p.to_affine())
}

/// `enc_point` of each point, with one field inversion for all (Montgomery's trick) instead of
/// one each: the base OTs encode thousands of points. The affine copies are wiped (the DH
/// points of the base OTs are their keys).
pub fn enc_points(ps: &[ProjectivePoint]) -> Vec<[u8; 33]> {
    let mut affine = <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(ps);
    let out = affine.iter().map(enc_affine).collect();
    affine.zeroize();
    out
}

/// The encoding of G, without the inversion `enc_point` would spend on it.
pub fn enc_generator() -> [u8; 33] {
    enc_affine(&AffinePoint::GENERATOR)
}

fn enc_affine(a: &AffinePoint) -> [u8; 33] {
    let mut out = [0u8; 33];
    let e = a.to_encoded_point(true);
    if e.as_bytes().len() == 33 {
        out.copy_from_slice(e.as_bytes());
    }
    out
}

/// Decodes a compressed point: on the curve, canonical, not the identity.
pub fn dec_point(b: &[u8]) -> Result<ProjectivePoint> {
    if b.len() != POINT_LEN {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "point must be 33 bytes",
        ));
    }
    let mut repr = <AffinePoint as GroupEncoding>::Repr::default();
    repr.copy_from_slice(b);
    let a = Option::<AffinePoint>::from(AffinePoint::from_bytes(&repr))
        .ok_or_else(|| Error::local(ErrorCode::InvalidPoint, "point is not on the curve"))?;
    let p = ProjectivePoint::from(a);
    if bool::from(p.is_identity()) {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "point is the identity",
        ));
    }
    // Re-encoded from the affine point (no inversion): the canonical encoding is unique.
    if enc_affine(&a) != b {
        return Err(Error::local(
            ErrorCode::InvalidPoint,
            "point encoding is not canonical",
        ));
    }
    Ok(p)
}

/// A uniformly random non-zero scalar (64 bytes reduced).
pub fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    loop {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let s = <Scalar as Reduce<k256::elliptic_curve::bigint::U512>>::reduce_bytes(
            k256::WideBytes::from_slice(&wide),
        );
        wide.zeroize();
        if !bool::from(s.is_zero()) {
            return s;
        }
    }
}

/// The scalar form of a party id.
pub fn id_scalar(id: u16) -> Scalar {
    Scalar::from(u64::from(id))
}

/// Reduces 32 big-endian bytes mod q (x-coordinates, digests).
pub fn reduce(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(bytes))
}

/// Lagrange coefficient of `i` at 0 over `set`.
pub fn lagrange(set: &[u16], i: u16) -> Scalar {
    let xi = id_scalar(i);
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for j in set {
        if *j != i {
            let xj = id_scalar(*j);
            num *= xj;
            den *= xj - xi;
        }
    }
    num * Option::<Scalar>::from(den.invert()).unwrap_or(Scalar::ZERO)
}

/// Evaluates Σ a_k x^k.
pub fn poly_eval(coefficients: &[Scalar], x: u16) -> Scalar {
    let x = id_scalar(x);
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, a| acc * x + a)
}

/// Evaluates Σ A_k x^k in the exponent.
pub fn commitment_eval(commitment: &[ProjectivePoint], x: u16) -> ProjectivePoint {
    let x = id_scalar(x);
    commitment
        .iter()
        .rev()
        .fold(ProjectivePoint::IDENTITY, |acc, a| acc * x + a)
}
