//! Secret bytes in the core's own buffers: serialized exactly once into a buffer of the final
//! size (a growing `Vec` would leave unwiped copies behind each reallocation) and wiped on drop.
#![forbid(unsafe_code)]

use super::error::{Error, ErrorCode, Result};
use serde::Serialize;
use zeroize::Zeroizing;

/// Postcard encoding of `value` in one allocation of the exact size, wiped on drop. A failure is
/// an error, never an empty blob (which would read as "no share").
pub fn to_blob<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>> {
    let failed = |_| {
        Error::local(
            ErrorCode::InvalidParameters,
            "the key share could not be serialised",
        )
    };
    let size = postcard::serialize_with_flavor(value, postcard::ser_flavors::Size::default())
        .map_err(failed)?;
    let mut buf = Zeroizing::new(vec![0u8; size]);
    let written = postcard::to_slice(value, &mut buf[..])
        .map_err(failed)?
        .len();
    if written != size {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "the key share could not be serialised",
        ));
    }
    Ok(buf)
}
