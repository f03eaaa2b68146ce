//! Secret bytes in the core's own buffers: serialized exactly once into a buffer of the final
//! size (a growing `Vec` would leave unwiped copies behind each reallocation) and wiped on drop.
#![forbid(unsafe_code)]

use serde::Serialize;
use zeroize::Zeroizing;

/// Postcard encoding of `value` in one allocation of the exact size, wiped on drop.
pub fn to_blob<T: Serialize>(value: &T) -> Zeroizing<Vec<u8>> {
    let size = postcard::serialize_with_flavor(value, postcard::ser_flavors::Size::default()).unwrap_or(0);
    let mut buf = Zeroizing::new(vec![0u8; size]);
    if postcard::to_slice(value, &mut buf[..]).is_err() {
        buf.clear();
    }
    buf
}
