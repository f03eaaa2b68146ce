//! Parameter checks shared by every protocol: party counts, thresholds and identifier lists.
#![forbid(unsafe_code)]

use super::error::{Error, ErrorCode, Result};

/// Largest number of parties a key may have (identifiers are 1..=MAX_PARTIES).
pub const MAX_PARTIES: u16 = 255;

/// Checks `threshold`-of-`parties` parameters: 2 ≤ threshold ≤ parties ≤ MAX_PARTIES.
pub fn validate_params(threshold: u16, parties: u16) -> Result<()> {
    if parties < 2 || parties > MAX_PARTIES {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "parties must be in 2..=255",
        ));
    }
    if threshold < 2 || threshold > parties {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "threshold must be in 2..=parties",
        ));
    }
    Ok(())
}

/// Checks a sorted, duplicate-free list of identifiers in 1..=parties.
pub fn validate_identifiers(ids: &[u16], parties: u16) -> Result<()> {
    for (k, id) in ids.iter().enumerate() {
        if *id == 0 || *id > parties {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "identifier outside 1..=parties",
            ));
        }
        if k > 0 && ids[k - 1] >= *id {
            return Err(Error::local(
                ErrorCode::InvalidIdentifier,
                "identifiers must be ascending and distinct",
            ));
        }
    }
    Ok(())
}
