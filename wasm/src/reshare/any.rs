//! The reshare rounds over either curve, for the wasm boundary (which is not generic).
#![forbid(unsafe_code)]

use super::group;
use super::round1::{start, Round1};
use super::round2::Round2;
use super::round3::Round3;
use super::session::ReshareParams;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::Round;
use rand_chacha::ChaCha20Rng;

/// Round one over either curve (the wasm boundary is not generic).
pub enum AnyRound1 {
    /// secp256k1.
    Secp256k1(Round1<group::Secp256k1>),
    /// Ed25519.
    Ed25519(Round1<group::Ed25519>),
}
/// Round two over either curve.
pub enum AnyRound2 {
    /// secp256k1.
    Secp256k1(Round2<group::Secp256k1>),
    /// Ed25519.
    Ed25519(Round2<group::Ed25519>),
}
/// Round three over either curve.
pub enum AnyRound3 {
    /// secp256k1.
    Secp256k1(Round3<group::Secp256k1>),
    /// Ed25519.
    Ed25519(Round3<group::Ed25519>),
}

macro_rules! dispatch {
    ($self:expr, $r:ident => $e:expr) => {
        match $self {
            Self::Secp256k1($r) => $e,
            Self::Ed25519($r) => $e,
        }
    };
}

macro_rules! any_round {
    ($name:ident) => {
        impl Round for $name {
            fn outgoing(&self) -> &[u8] {
                dispatch!(self, r => r.outgoing())
            }
            fn missing(&self) -> Vec<u16> {
                dispatch!(self, r => r.missing())
            }
            fn receive(&mut self, msg: &[u8]) -> Result<()> {
                dispatch!(self, r => r.receive(msg))
            }
        }
    };
}
any_round!(AnyRound1);
any_round!(AnyRound2);
any_round!(AnyRound3);

impl AnyRound1 {
    /// Starts a reshare over curve 0 (secp256k1) or 1 (Ed25519); `key_blob` empty if none.
    pub fn start(
        curve: u8,
        params: ReshareParams,
        key_blob: &[u8],
        rng: &mut ChaCha20Rng,
    ) -> Result<Self> {
        let blob = if key_blob.is_empty() {
            None
        } else {
            Some(key_blob)
        };
        match curve {
            0 => Ok(AnyRound1::Secp256k1(start(params, blob, rng)?)),
            1 => Ok(AnyRound1::Ed25519(start(params, blob, rng)?)),
            _ => Err(Error::local(
                ErrorCode::InvalidParameters,
                "curve must be 0 (secp256k1) or 1 (ed25519)",
            )),
        }
    }
    /// Produces round two.
    pub fn advance(self) -> Result<AnyRound2> {
        match self {
            AnyRound1::Secp256k1(r) => Ok(AnyRound2::Secp256k1(r.advance()?)),
            AnyRound1::Ed25519(r) => Ok(AnyRound2::Ed25519(r.advance()?)),
        }
    }
}

impl AnyRound2 {
    /// Produces round three.
    pub fn advance(self) -> Result<AnyRound3> {
        match self {
            AnyRound2::Secp256k1(r) => Ok(AnyRound3::Secp256k1(r.advance()?)),
            AnyRound2::Ed25519(r) => Ok(AnyRound3::Ed25519(r.advance()?)),
        }
    }
}

impl AnyRound3 {
    /// The new key blob, or empty for a dealer-only participant.
    pub fn finish(self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        dispatch!(self, r => r.finish())
    }
}
