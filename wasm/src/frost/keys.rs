//! A party's FROST key material after DKG (or dealer import): its secret signing share plus the
//! public data every signer needs to verify shares (RFC 9591 §5.4). Serialized with postcard for
//! encrypted storage; the secret never leaves the core in any other form.
#![forbid(unsafe_code)]

use super::suite;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::params::validate_params;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::{Identity, IsIdentity};
use curve25519_dalek::Scalar;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Blob format version.
pub const KEY_BLOB_VERSION: u8 = 1;
/// Blob kind tag: a FROST(Ed25519, SHA-512) key share.
pub const KEY_BLOB_KIND: u8 = 1;

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct KeyBlob {
    version: u8,
    kind: u8,
    threshold: u16,
    parties: u16,
    id: u16,
    signing_share: [u8; 32],
    verifying_shares: Vec<[u8; 32]>,
    group_public_key: [u8; 32],
}

/// One party's validated key share. `threshold` is the minimum number of signers.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct KeyPackage {
    #[zeroize(skip)]
    pub(crate) threshold: u16,
    #[zeroize(skip)]
    pub(crate) parties: u16,
    #[zeroize(skip)]
    pub(crate) id: u16,
    pub(crate) signing_share: Scalar,
    #[zeroize(skip)]
    pub(crate) verifying_shares: Vec<EdwardsPoint>,
    #[zeroize(skip)]
    pub(crate) group_public_key: EdwardsPoint,
}

impl core::fmt::Debug for KeyPackage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackage")
            .field("id", &self.id)
            .field("threshold", &self.threshold)
            .field("parties", &self.parties)
            .finish_non_exhaustive()
    }
}

impl KeyPackage {
    /// Builds and fully validates a key package: the share must match its verifying share, and
    /// the verifying shares must interpolate to the group public key.
    pub fn new(
        threshold: u16,
        parties: u16,
        id: u16,
        signing_share: Scalar,
        verifying_shares: Vec<EdwardsPoint>,
        group_public_key: EdwardsPoint,
    ) -> Result<Self> {
        validate_params(threshold, parties)?;
        if id == 0 || id > parties {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "party id outside 1..=parties",
            ));
        }
        if verifying_shares.len() != usize::from(parties) {
            return Err(Error::local(
                ErrorCode::InvalidLength,
                "one verifying share per party is required",
            ));
        }
        if signing_share == Scalar::ZERO {
            return Err(Error::local(
                ErrorCode::InvalidScalar,
                "signing share must not be zero",
            ));
        }
        if group_public_key.is_identity() {
            return Err(Error::local(
                ErrorCode::InvalidPoint,
                "group public key is the identity",
            ));
        }
        if EdwardsPoint::mul_base(&signing_share) != verifying_shares[usize::from(id - 1)] {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "signing share does not match its verifying share",
            ));
        }
        // Any `threshold` verifying shares must interpolate to the group key; check the first ones.
        let ids: Vec<u16> = (1..=threshold).collect();
        let mut acc = EdwardsPoint::identity();
        for i in &ids {
            acc += verifying_shares[usize::from(*i - 1)]
                * suite::derive_interpolating_value(&ids, *i)?;
        }
        if acc != group_public_key {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "verifying shares do not match the group public key",
            ));
        }
        Ok(KeyPackage {
            threshold,
            parties,
            id,
            signing_share,
            verifying_shares,
            group_public_key,
        })
    }

    /// This party's identifier.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The minimum number of signers.
    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    /// The number of parties holding shares.
    pub fn parties(&self) -> u16 {
        self.parties
    }

    /// The group public key (RFC 9591 SerializeElement form).
    pub fn group_public_key(&self) -> [u8; 32] {
        suite::serialize_element(&self.group_public_key)
    }

    /// The verifying share of party `id`.
    pub(crate) fn verifying_share(&self, id: u16) -> Result<EdwardsPoint> {
        if id == 0 || id > self.parties {
            return Err(Error::blame(
                ErrorCode::InvalidIdentifier,
                id,
                "party id outside 1..=parties",
            ));
        }
        Ok(self.verifying_shares[usize::from(id - 1)])
    }

    /// Serializes for encrypted storage (the only way a share leaves the core).
    pub fn to_blob(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let blob = KeyBlob {
            version: KEY_BLOB_VERSION,
            kind: KEY_BLOB_KIND,
            threshold: self.threshold,
            parties: self.parties,
            id: self.id,
            signing_share: suite::serialize_scalar(&self.signing_share),
            verifying_shares: self
                .verifying_shares
                .iter()
                .map(suite::serialize_element)
                .collect(),
            group_public_key: suite::serialize_element(&self.group_public_key),
        };
        crate::common::secret::to_blob(&blob)
    }

    /// Parses and re-validates a stored blob.
    pub fn from_blob(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > crate::common::wire::MAX_MESSAGE_LEN {
            return Err(Error::local(
                ErrorCode::Decode,
                "key blob exceeds the size limit",
            ));
        }
        let (blob, rest): (KeyBlob, &[u8]) = postcard::take_from_bytes(bytes)
            .map_err(|_| Error::local(ErrorCode::Decode, "key blob does not parse"))?;
        if !rest.is_empty() {
            return Err(Error::local(
                ErrorCode::Decode,
                "key blob has trailing bytes",
            ));
        }
        if blob.version != KEY_BLOB_VERSION {
            return Err(Error::local(
                ErrorCode::UnsupportedVersion,
                "unsupported key blob version",
            ));
        }
        if blob.kind != KEY_BLOB_KIND {
            return Err(Error::local(
                ErrorCode::WrongProtocol,
                "key blob is not a FROST(Ed25519) share",
            ));
        }
        let verifying_shares = blob
            .verifying_shares
            .iter()
            .map(|b| suite::deserialize_element(b))
            .collect::<Result<Vec<_>>>()?;
        KeyPackage::new(
            blob.threshold,
            blob.parties,
            blob.id,
            suite::deserialize_nonzero_scalar(&blob.signing_share)?,
            verifying_shares,
            suite::deserialize_element(&blob.group_public_key)?,
        )
    }
}
