//! A party's DKLs23 key share: the Shamir share x_i, every public share X_k, the public key, the
//! BIP32 chain code, and per peer the zero-sharing seed and both pairwise multiplication setups
//! (spec §3.2 "Persist", §3.3). Serialized with postcard for encrypted storage only.
#![forbid(unsafe_code)]

use super::curve::{dec_nonzero_scalar, dec_point, enc_point, enc_scalar, lagrange};
use super::primitives::base_ot::KAPPA;
use crate::common::error::{Error, ErrorCode, Result};
use k256::{ProjectivePoint, Scalar};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Blob format version.
pub const BLOB_VERSION: u8 = 1;
/// Blob kind tag: a DKLs23 secp256k1 key share.
pub const BLOB_KIND: u8 = 2;
/// Largest key blob accepted.
pub const MAX_BLOB_LEN: usize = 16 * 1024 * 1024;

/// The pairwise state with one peer.
#[derive(Clone, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PeerSetup {
    /// The peer's id.
    pub peer: u16,
    /// Zero-sharing seed s_ij ⊕ s_ji.
    pub zero_seed: [u8; 32],
    /// Instance (B = me, A = peer): my base-OT sender keys (k0_l, k1_l).
    pub bob_keys: Vec<([u8; 32], [u8; 32])>,
    /// Instance (B = me, A = peer): my gadget nonce ν.
    pub bob_nu: [u8; 32],
    /// Instance (B = peer, A = me): my base-OT choice bits Δ.
    pub alice_delta: [u8; 32],
    /// Instance (B = peer, A = me): my base-OT keys k_{Δ_l}.
    pub alice_keys: Vec<[u8; 32]>,
    /// Instance (B = peer, A = me): the peer's gadget nonce ν.
    pub alice_nu: [u8; 32],
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Blob {
    version: u8,
    kind: u8,
    threshold: u16,
    parties: u16,
    id: u16,
    epoch: [u8; 32],
    x: [u8; 32],
    public_key: Vec<u8>,
    public_shares: Vec<Vec<u8>>,
    chain: [u8; 32],
    peers: Vec<PeerSetup>,
}

/// One party's validated key share. `threshold` is the minimum number of signers.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct KeyShare {
    #[zeroize(skip)]
    pub(crate) threshold: u16,
    #[zeroize(skip)]
    pub(crate) parties: u16,
    #[zeroize(skip)]
    pub(crate) id: u16,
    /// The DKG or refresh session that produced this share; it enters every signing sid.
    #[zeroize(skip)]
    pub(crate) epoch: [u8; 32],
    pub(crate) x: Scalar,
    #[zeroize(skip)]
    pub(crate) public_key: ProjectivePoint,
    #[zeroize(skip)]
    pub(crate) public_shares: Vec<ProjectivePoint>,
    #[zeroize(skip)]
    pub(crate) chain: [u8; 32],
    pub(crate) peers: Vec<PeerSetup>,
}

impl core::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyShare")
            .field("id", &self.id)
            .field("threshold", &self.threshold)
            .field("parties", &self.parties)
            .finish_non_exhaustive()
    }
}

impl KeyShare {
    /// Checks internal consistency: x·G = X_id, the X_k interpolate to pk, one setup per peer
    /// (or none at all: a pending share, see `is_pending`).
    pub(crate) fn validate(self) -> Result<Self> {
        crate::common::params::validate_params(self.threshold, self.parties)?;
        if self.id == 0
            || self.id > self.parties
            || self.public_shares.len() != usize::from(self.parties)
        {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "key share has inconsistent party data",
            ));
        }
        if ProjectivePoint::GENERATOR * self.x != self.public_shares[usize::from(self.id - 1)] {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "share does not match its public share",
            ));
        }
        let ids: Vec<u16> = (1..=self.threshold).collect();
        let pk = ids.iter().fold(ProjectivePoint::IDENTITY, |acc, i| {
            acc + self.public_shares[usize::from(*i - 1)] * lagrange(&ids, *i)
        });
        if pk != self.public_key {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "public shares do not match the public key",
            ));
        }
        // Either complete (one setup per peer) or empty: a share fresh from a reshare is pending
        // its pairwise setup until the new committee runs a complete refresh (spec §5 step 6).
        let expected: Vec<u16> = (1..=self.parties).filter(|p| *p != self.id).collect();
        let peers: Vec<u16> = self.peers.iter().map(|p| p.peer).collect();
        if (!peers.is_empty() && peers != expected)
            || self
                .peers
                .iter()
                .any(|p| p.bob_keys.len() != KAPPA || p.alice_keys.len() != KAPPA)
        {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "key share lacks a pairwise setup",
            ));
        }
        Ok(self)
    }

    /// Whether the share still lacks its pairwise setup (fresh from a reshare; spec §5 step 6).
    pub fn is_pending(&self) -> bool {
        self.peers.is_empty()
    }

    /// This party's id.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// Minimum number of signers.
    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    /// Number of parties.
    pub fn parties(&self) -> u16 {
        self.parties
    }

    /// The 33-byte compressed public key.
    pub fn public_key(&self) -> [u8; 33] {
        enc_point(&self.public_key)
    }

    /// The BIP32 chain code fixed at key generation.
    pub fn chain_code(&self) -> [u8; 32] {
        self.chain
    }

    /// The epoch (DKG or refresh session id).
    pub fn epoch(&self) -> [u8; 32] {
        self.epoch
    }

    pub(crate) fn peer(&self, j: u16) -> Result<&PeerSetup> {
        self.peers.iter().find(|p| p.peer == j).ok_or_else(|| {
            Error::blame(
                ErrorCode::UnknownSender,
                j,
                "no pairwise setup with this party",
            )
        })
    }

    /// Serializes for encrypted storage.
    pub fn to_blob(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let blob = Blob {
            version: BLOB_VERSION,
            kind: BLOB_KIND,
            threshold: self.threshold,
            parties: self.parties,
            id: self.id,
            epoch: self.epoch,
            x: enc_scalar(&self.x),
            public_key: enc_point(&self.public_key).to_vec(),
            public_shares: self
                .public_shares
                .iter()
                .map(|p| enc_point(p).to_vec())
                .collect(),
            chain: self.chain,
            peers: self.peers.clone(),
        };
        crate::common::secret::to_blob(&blob)
    }

    /// Parses and re-validates a stored blob.
    pub fn from_blob(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BLOB_LEN {
            return Err(Error::local(
                ErrorCode::Decode,
                "key blob exceeds the size limit",
            ));
        }
        let (blob, rest): (Blob, &[u8]) = postcard::take_from_bytes(bytes)
            .map_err(|_| Error::local(ErrorCode::Decode, "key blob does not parse"))?;
        if !rest.is_empty() {
            return Err(Error::local(
                ErrorCode::Decode,
                "key blob has trailing bytes",
            ));
        }
        if blob.version != BLOB_VERSION {
            return Err(Error::local(
                ErrorCode::UnsupportedVersion,
                "unsupported key blob version",
            ));
        }
        if blob.kind != BLOB_KIND {
            return Err(Error::local(
                ErrorCode::WrongProtocol,
                "key blob is not a DKLs23 secp256k1 share",
            ));
        }
        let public_shares = blob
            .public_shares
            .iter()
            .map(|p| dec_point(p))
            .collect::<Result<Vec<_>>>()?;
        KeyShare {
            threshold: blob.threshold,
            parties: blob.parties,
            id: blob.id,
            epoch: blob.epoch,
            x: dec_nonzero_scalar(&blob.x)?,
            public_key: dec_point(&blob.public_key)?,
            public_shares,
            chain: blob.chain,
            peers: blob.peers.clone(),
        }
        .validate()
    }
}
