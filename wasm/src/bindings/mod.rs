//! The wasm-bindgen surface: one file per protocol family, each a thin shell that converts
//! arguments, runs the protocol step and maps `Error` to the `tessera:{json}` exception.
//! Secret inputs (key blobs, seeds, signing shares) are taken as owned `Vec<u8>` and wrapped in
//! `Zeroizing` at once: wasm-bindgen copies a `&[u8]` argument into the wasm heap and frees it
//! unwiped, while an owned buffer is ours to wipe. The caller's own copy is the host's to wipe.

use crate::common::error::{Error, ErrorCode};
use crate::common::wire::SessionId;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

pub(crate) fn js(e: Error) -> JsError {
    JsError::new(&format!("tessera:{}", e.to_json()))
}

pub(crate) fn consumed() -> JsError {
    js(Error::local(
        ErrorCode::StateConsumed,
        "this protocol state was already used; start a new session",
    ))
}

/// Copies a secret result straight into a JS-owned array and wipes the core's buffer (returning
/// a `Vec<u8>` would leave its bytes in freed wasm memory).
pub(crate) fn secret_out(bytes: Zeroizing<Vec<u8>>) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(&bytes[..])
}

/// Takes ownership of a secret argument so that its wasm-heap copy is wiped when dropped.
pub(crate) fn secret(bytes: Vec<u8>) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(bytes)
}

pub(crate) fn session_id(bytes: &[u8]) -> Result<SessionId, JsError> {
    bytes.try_into().map_err(|_| {
        js(Error::local(
            ErrorCode::InvalidParameters,
            "session id must be 32 bytes",
        ))
    })
}

/// Generates a wasm class wrapping one protocol round: `outgoing`, `missing` and `receive`.
/// The inner state is an `Option` so that advancing moves it out and any later call fails with
/// `STATE_CONSUMED` instead of reusing secret state.
macro_rules! round_class {
    ($(#[$doc:meta])* $name:ident, $inner:ty) => {
        $(#[$doc])*
        #[wasm_bindgen]
        pub struct $name {
            inner: Option<$inner>,
        }

        #[wasm_bindgen]
        impl $name {
            /// The framed outgoing messages: `count u16 | (len u32 | message)*`.
            pub fn outgoing(&self) -> Result<Vec<u8>, JsError> {
                Ok($crate::common::round::Round::outgoing(self.inner.as_ref().ok_or_else(consumed)?).to_vec())
            }

            /// Party ids whose message for this round has not arrived yet.
            pub fn missing(&self) -> Result<Vec<u16>, JsError> {
                Ok($crate::common::round::Round::missing(self.inner.as_ref().ok_or_else(consumed)?))
            }

            /// Validates and stores one incoming message; on error the state is unchanged.
            pub fn receive(&mut self, msg: &[u8]) -> Result<(), JsError> {
                $crate::common::round::Round::receive(self.inner.as_mut().ok_or_else(consumed)?, msg).map_err(js)
            }
        }

        impl $name {
            /// Moves the state out once every message is in; a missing message keeps it.
            fn take(&mut self) -> Result<$inner, JsError> {
                let missing = $crate::common::round::Round::missing(self.inner.as_ref().ok_or_else(consumed)?);
                if !missing.is_empty() {
                    return Err(js(Error::blame_all(ErrorCode::MissingMessages, missing, "round is missing messages")));
                }
                self.inner.take().ok_or_else(consumed)
            }
        }
    };
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

// The macro is defined above the modules that use it (textual scope).
pub mod ecdsa;
pub mod frost;
pub mod identity;
pub mod reshare;
