//! The two groups resharing runs over (spec §5 is plain Shamir–Feldman, so it is generic):
//! secp256k1 with the DKLs23 encodings (spec §1: 33-byte compressed points, big-endian scalars)
//! and Ed25519 with the RFC 9591 encodings (32-byte points, little-endian scalars), plus the
//! conversions between each curve's key blob and the curve-independent key material.
#![forbid(unsafe_code)]

use crate::common::error::{Error, ErrorCode, Result};
use crate::common::wire::Protocol;
use crate::dkls23::curve as secp;
use crate::dkls23::keys::{KeyShare, PublicKeyShare};
use crate::frost::keys::{KeyPackage, PublicKeyPackage};
use crate::frost::suite;
use core::ops::{Add, Mul, Sub};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::Identity;
use rand_chacha::ChaCha20Rng;
use zeroize::{Zeroize, Zeroizing};

/// A prime-order group with its wire encodings and key-blob format.
pub trait Group: Copy + Clone + PartialEq + Eq + core::fmt::Debug + 'static {
    /// Scalars mod the group order.
    type Scalar: Copy
        + PartialEq
        + Zeroize
        + Add<Output = Self::Scalar>
        + Sub<Output = Self::Scalar>
        + Mul<Output = Self::Scalar>;
    /// Group elements.
    type Point: Copy
        + PartialEq
        + Add<Output = Self::Point>
        + Mul<Self::Scalar, Output = Self::Point>;
    /// The wire protocol tag of a reshare over this group.
    const PROTOCOL: Protocol;
    /// Encoded point length.
    const POINT_LEN: usize;
    /// The scalar 0.
    fn zero() -> Self::Scalar;
    /// The scalar form of a party id.
    fn id_scalar(id: u16) -> Self::Scalar;
    /// The inverse (0 for 0).
    fn invert(s: &Self::Scalar) -> Self::Scalar;
    /// A uniformly random non-zero scalar.
    fn random_scalar(rng: &mut ChaCha20Rng) -> Self::Scalar;
    /// 32-byte canonical scalar encoding.
    fn enc_scalar(s: &Self::Scalar) -> [u8; 32];
    /// Decodes a canonical scalar (zero allowed).
    fn dec_scalar(b: &[u8]) -> Result<Self::Scalar>;
    /// The identity element.
    fn identity() -> Self::Point;
    /// G·s.
    fn mul_base(s: &Self::Scalar) -> Self::Point;
    /// Canonical point encoding of `POINT_LEN` bytes.
    fn enc_point(p: &Self::Point) -> Vec<u8>;
    /// Decodes a canonical, valid, non-identity point.
    fn dec_point(b: &[u8]) -> Result<Self::Point>;
    /// Parses an old key blob of this curve.
    fn load_key(blob: &[u8]) -> Result<OldKey<Self>>;
    /// Builds and validates the new key blob of this curve.
    fn store_key(key: &NewKey<Self>) -> Result<zeroize::Zeroizing<Vec<u8>>>;
}

/// The public facts every old party agrees on (spec §5 step 4): pk, the old public shares, chain.
#[derive(Clone, PartialEq)]
pub struct Context<G: Group> {
    /// The public key.
    pub pk: G::Point,
    /// Old public shares X_1..X_n.
    pub shares: Vec<G::Point>,
    /// The BIP32 chain code (zero for Ed25519).
    pub chain: [u8; 32],
}

/// An old share as resharing sees it.
pub struct OldKey<G: Group> {
    /// Old party id.
    pub id: u16,
    /// Old threshold (minimum signers).
    pub threshold: u16,
    /// The secret share x_i.
    pub x: Zeroizing<G::Scalar>,
    /// The public context.
    pub ctx: Context<G>,
}

/// A new share as resharing produces it (spec §5 step 5).
pub struct NewKey<G: Group> {
    /// New threshold (minimum signers).
    pub threshold: u16,
    /// New id.
    pub id: u16,
    /// The reshare session (the ECDSA epoch).
    pub epoch: [u8; 32],
    /// x'_j.
    pub x: Zeroizing<G::Scalar>,
    /// The unchanged public key and chain code, and the new public shares X'_1..X'_n'.
    pub ctx: Context<G>,
}

/// Lagrange coefficient of `i` at 0 over `set` (spec §1).
pub fn lagrange<G: Group>(set: &[u16], i: u16) -> G::Scalar {
    let xi = G::id_scalar(i);
    let (mut num, mut den) = (G::id_scalar(1), G::id_scalar(1));
    for j in set.iter().filter(|j| **j != i) {
        num = num * G::id_scalar(*j);
        den = den * (G::id_scalar(*j) - xi);
    }
    num * G::invert(&den)
}

/// Evaluates Σ a_k x^k.
pub fn poly_eval<G: Group>(coefficients: &[G::Scalar], x: u16) -> G::Scalar {
    let x = G::id_scalar(x);
    coefficients
        .iter()
        .rev()
        .fold(G::zero(), |acc, a| acc * x + *a)
}

/// Evaluates Σ B_k x^k in the exponent.
pub fn commitment_eval<G: Group>(commitment: &[G::Point], x: u16) -> G::Point {
    let x = G::id_scalar(x);
    commitment
        .iter()
        .rev()
        .fold(G::identity(), |acc, b| acc * x + *b)
}

/// secp256k1 (DKLs23 keys).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Secp256k1;

impl Group for Secp256k1 {
    type Scalar = k256::Scalar;
    type Point = k256::ProjectivePoint;
    const PROTOCOL: Protocol = Protocol::EcdsaReshare;
    const POINT_LEN: usize = secp::POINT_LEN;
    fn zero() -> Self::Scalar {
        k256::Scalar::ZERO
    }
    fn id_scalar(id: u16) -> Self::Scalar {
        secp::id_scalar(id)
    }
    fn invert(s: &Self::Scalar) -> Self::Scalar {
        Option::<k256::Scalar>::from(s.invert()).unwrap_or(k256::Scalar::ZERO)
    }
    fn random_scalar(rng: &mut ChaCha20Rng) -> Self::Scalar {
        secp::random_scalar(rng)
    }
    fn enc_scalar(s: &Self::Scalar) -> [u8; 32] {
        secp::enc_scalar(s)
    }
    fn dec_scalar(b: &[u8]) -> Result<Self::Scalar> {
        secp::dec_scalar(b)
    }
    fn identity() -> Self::Point {
        k256::ProjectivePoint::IDENTITY
    }
    fn mul_base(s: &Self::Scalar) -> Self::Point {
        k256::ProjectivePoint::GENERATOR * s
    }
    fn enc_point(p: &Self::Point) -> Vec<u8> {
        secp::enc_point(p).to_vec()
    }
    fn dec_point(b: &[u8]) -> Result<Self::Point> {
        secp::dec_point(b)
    }
    fn load_key(blob: &[u8]) -> Result<OldKey<Self>> {
        let k = KeyShare::from_blob(blob)?;
        Ok(OldKey {
            id: k.id,
            threshold: k.public.threshold,
            x: Zeroizing::new(k.x),
            ctx: Context {
                pk: k.public.public_key,
                shares: k.public.public_shares.clone(),
                chain: k.public.chain,
            },
        })
    }
    fn store_key(key: &NewKey<Self>) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let parties = u16::try_from(key.ctx.shares.len())
            .map_err(|_| Error::local(ErrorCode::InvalidParameters, "too many parties"))?;
        // Spec §5 step 6: no pairwise setup yet ("pending"); a complete refresh creates it.
        let share = KeyShare {
            id: key.id,
            x: *key.x,
            peers: Vec::new(),
            public: PublicKeyShare {
                threshold: key.threshold,
                parties,
                epoch: key.epoch,
                public_key: key.ctx.pk,
                public_shares: key.ctx.shares.clone(),
                chain: key.ctx.chain,
            },
        };
        share.validate()?.to_blob()
    }
}

/// Ed25519 (FROST keys).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ed25519;

impl Group for Ed25519 {
    type Scalar = curve25519_dalek::Scalar;
    type Point = EdwardsPoint;
    const PROTOCOL: Protocol = Protocol::FrostEd25519Reshare;
    const POINT_LEN: usize = 32;
    fn zero() -> Self::Scalar {
        curve25519_dalek::Scalar::ZERO
    }
    fn id_scalar(id: u16) -> Self::Scalar {
        suite::identifier(id)
    }
    fn invert(s: &Self::Scalar) -> Self::Scalar {
        if *s == curve25519_dalek::Scalar::ZERO {
            *s
        } else {
            s.invert()
        }
    }
    fn random_scalar(rng: &mut ChaCha20Rng) -> Self::Scalar {
        crate::common::rng::random_scalar(rng)
    }
    fn enc_scalar(s: &Self::Scalar) -> [u8; 32] {
        suite::serialize_scalar(s)
    }
    fn dec_scalar(b: &[u8]) -> Result<Self::Scalar> {
        suite::deserialize_scalar(b)
    }
    fn identity() -> Self::Point {
        EdwardsPoint::identity()
    }
    fn mul_base(s: &Self::Scalar) -> Self::Point {
        EdwardsPoint::mul_base(s)
    }
    fn enc_point(p: &Self::Point) -> Vec<u8> {
        suite::serialize_element(p).to_vec()
    }
    fn dec_point(b: &[u8]) -> Result<Self::Point> {
        suite::deserialize_element(b)
    }
    fn load_key(blob: &[u8]) -> Result<OldKey<Self>> {
        let k = KeyPackage::from_blob(blob)?;
        Ok(OldKey {
            id: k.id,
            threshold: k.public.threshold,
            x: Zeroizing::new(k.signing_share),
            ctx: Context {
                pk: k.public.group_public_key,
                shares: k.public.verifying_shares.clone(),
                chain: [0; 32],
            },
        })
    }
    fn store_key(key: &NewKey<Self>) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let parties = u16::try_from(key.ctx.shares.len())
            .map_err(|_| Error::local(ErrorCode::InvalidParameters, "too many parties"))?;
        let public =
            PublicKeyPackage::new(key.threshold, parties, key.ctx.shares.clone(), key.ctx.pk)?;
        KeyPackage::new(key.id, *key.x, public)?.to_blob()
    }
}
