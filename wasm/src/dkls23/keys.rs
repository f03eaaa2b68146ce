//! A party's DKLs23 key share, split by type: `PublicKeyShare` holds every public share X_k, the
//! public key, the BIP32 chain code and the epoch; `KeyShare` adds the Shamir share x_i and per
//! peer the zero-sharing seed and both pairwise multiplication setups (spec §3.2 "Persist", §3.3). Serialized with postcard for encrypted storage only.
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

/// The pairwise state with one peer: secret, wiped on drop, never cloned or printed.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
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

/// The stored form. `BlobOut` writes the same fields in the same order from borrowed parts, so
/// the pairwise setups are serialized without a copy.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
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

#[derive(Serialize, Zeroize, ZeroizeOnDrop)]
struct BlobOut<'a> {
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
    #[zeroize(skip)]
    peers: &'a [PeerSetup],
}

/// The key's public data, the same at every party: the minimum number of signers, the epoch,
/// the public key pk, every public share X_k and the BIP32 chain code. Holds no secret, so it
/// may be cloned and printed.
#[derive(Clone, Debug)]
pub struct PublicKeyShare {
    pub(crate) threshold: u16,
    pub(crate) parties: u16,
    /// The DKG or refresh session that produced this key; it enters every signing sid.
    pub(crate) epoch: [u8; 32],
    pub(crate) public_key: ProjectivePoint,
    pub(crate) public_shares: Vec<ProjectivePoint>,
    pub(crate) chain: [u8; 32],
}

impl PublicKeyShare {
    /// Checks consistency: one public share per party, and the X_k interpolate to pk.
    pub(crate) fn validate(&self) -> Result<()> {
        crate::common::params::validate_params(self.threshold, self.parties)?;
        if self.public_shares.len() != usize::from(self.parties) {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "key share has inconsistent party data",
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
        Ok(())
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
}

/// One party's validated key share: its id, the Shamir share x_i and per peer the pairwise
/// setups (secret, held by value and wiped on drop), next to the public data. Neither `Clone`
/// nor `Debug` exposes a secret: the one way they leave is `to_blob`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct KeyShare {
    #[zeroize(skip)]
    pub(crate) id: u16,
    pub(crate) x: Scalar,
    pub(crate) peers: Vec<PeerSetup>,
    #[zeroize(skip)]
    pub(crate) public: PublicKeyShare,
}

impl core::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyShare")
            .field("id", &self.id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Tests run one DKG and hand every signing run its own copy; production code never copies a
/// share.
#[cfg(test)]
impl Clone for KeyShare {
    fn clone(&self) -> Self {
        KeyShare::from_blob(&self.to_blob().unwrap()).unwrap()
    }
}

impl KeyShare {
    /// Checks internal consistency: the public data, x·G = X_id, one setup per peer (or none at
    /// all: a pending share, see `is_pending`).
    pub(crate) fn validate(self) -> Result<Self> {
        self.public.validate()?;
        if self.id == 0 || self.id > self.public.parties {
            return Err(Error::local(
                ErrorCode::InvalidParameters,
                "key share has inconsistent party data",
            ));
        }
        if ProjectivePoint::GENERATOR * self.x
            != self.public.public_shares[usize::from(self.id - 1)]
        {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "share does not match its public share",
            ));
        }
        // Either complete (one setup per peer) or empty: a share fresh from a reshare is pending
        // its pairwise setup until the new committee runs a complete refresh (spec §5 step 6).
        let expected: Vec<u16> = (1..=self.public.parties)
            .filter(|p| *p != self.id)
            .collect();
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

    /// The key's public data.
    pub fn public(&self) -> &PublicKeyShare {
        &self.public
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
        let public = &self.public;
        let blob = BlobOut {
            version: BLOB_VERSION,
            kind: BLOB_KIND,
            threshold: public.threshold,
            parties: public.parties,
            id: self.id,
            epoch: public.epoch,
            x: enc_scalar(&self.x),
            public_key: enc_point(&public.public_key).to_vec(),
            public_shares: public
                .public_shares
                .iter()
                .map(|p| enc_point(p).to_vec())
                .collect(),
            chain: public.chain,
            peers: &self.peers,
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
        let (mut blob, rest): (Blob, &[u8]) = postcard::take_from_bytes(bytes)
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
            id: blob.id,
            x: dec_nonzero_scalar(&blob.x)?,
            // Moved out, so the one copy is the key's; `blob` wipes what is left on drop.
            peers: core::mem::take(&mut blob.peers),
            public: PublicKeyShare {
                threshold: blob.threshold,
                parties: blob.parties,
                epoch: blob.epoch,
                public_key: dec_point(&blob.public_key)?,
                public_shares,
                chain: blob.chain,
            },
        }
        .validate()
    }
}
