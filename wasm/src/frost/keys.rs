//! A party's FROST key material after DKG (or dealer import), split by type: `PublicKeyPackage`
//! is what every signer needs to verify shares (RFC 9591 §5.4), `KeyPackage` adds the secret
//! signing share. Serialized with postcard for encrypted storage; the secret never leaves the core
//! in any other form.
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

/// The group's public key data, the same at every party: the minimum number of signers, one
/// verifying share per party and the group public key (RFC 9591 §5.4 `PK_i`, `PK`). Holds no
/// secret, so it may be cloned and printed.
#[derive(Clone, Debug)]
pub struct PublicKeyPackage {
    pub(crate) threshold: u16,
    pub(crate) parties: u16,
    pub(crate) verifying_shares: Vec<EdwardsPoint>,
    pub(crate) group_public_key: EdwardsPoint,
}

impl PublicKeyPackage {
    /// Builds and validates the public data: one verifying share per party, interpolating to a
    /// group public key that is not the identity.
    pub fn new(
        threshold: u16,
        parties: u16,
        verifying_shares: Vec<EdwardsPoint>,
        group_public_key: EdwardsPoint,
    ) -> Result<Self> {
        validate_params(threshold, parties)?;
        if verifying_shares.len() != usize::from(parties) {
            return Err(Error::local(
                ErrorCode::InvalidLength,
                "one verifying share per party is required",
            ));
        }
        if group_public_key.is_identity() {
            return Err(Error::local(
                ErrorCode::InvalidPoint,
                "group public key is the identity",
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
        Ok(PublicKeyPackage {
            threshold,
            parties,
            verifying_shares,
            group_public_key,
        })
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
}

/// One party's validated key: its id and secret signing share, held by value and wiped on drop,
/// next to the group's public data. Neither `Clone` nor `Debug` exposes the share: the one way it
/// leaves is `to_blob`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct KeyPackage {
    #[zeroize(skip)]
    pub(crate) id: u16,
    pub(crate) signing_share: Scalar,
    #[zeroize(skip)]
    pub(crate) public: PublicKeyPackage,
}

impl core::fmt::Debug for KeyPackage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackage")
            .field("id", &self.id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Tests run one DKG and hand every signing run its own copy; production code never copies a
/// share.
#[cfg(test)]
impl Clone for KeyPackage {
    fn clone(&self) -> Self {
        KeyPackage {
            id: self.id,
            signing_share: self.signing_share,
            public: self.public.clone(),
        }
    }
}

impl KeyPackage {
    /// Builds and validates a key package: `id` names a party of `public`, and the share is
    /// non-zero and matches that party's verifying share.
    pub fn new(id: u16, signing_share: Scalar, public: PublicKeyPackage) -> Result<Self> {
        if id == 0 || id > public.parties {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "party id outside 1..=parties",
            ));
        }
        if signing_share == Scalar::ZERO {
            return Err(Error::local(
                ErrorCode::InvalidScalar,
                "signing share must not be zero",
            ));
        }
        if EdwardsPoint::mul_base(&signing_share) != public.verifying_shares[usize::from(id - 1)] {
            return Err(Error::local(
                ErrorCode::InvalidShare,
                "signing share does not match its verifying share",
            ));
        }
        Ok(KeyPackage {
            id,
            signing_share,
            public,
        })
    }

    /// This party's identifier.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The group's public data.
    pub fn public(&self) -> &PublicKeyPackage {
        &self.public
    }

    /// Serializes for encrypted storage (the only way a share leaves the core).
    pub fn to_blob(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let blob = KeyBlob {
            version: KEY_BLOB_VERSION,
            kind: KEY_BLOB_KIND,
            threshold: self.public.threshold,
            parties: self.public.parties,
            id: self.id,
            signing_share: suite::serialize_scalar(&self.signing_share),
            verifying_shares: self
                .public
                .verifying_shares
                .iter()
                .map(suite::serialize_element)
                .collect(),
            group_public_key: suite::serialize_element(&self.public.group_public_key),
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
        let public = PublicKeyPackage::new(
            blob.threshold,
            blob.parties,
            verifying_shares,
            suite::deserialize_element(&blob.group_public_key)?,
        )?;
        KeyPackage::new(
            blob.id,
            suite::deserialize_nonzero_scalar(&blob.signing_share)?,
            public,
        )
    }
}
