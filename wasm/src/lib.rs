//! Tessera's protocol core. All threshold-protocol math lives here; the TypeScript host only
//! moves bytes. Every export takes and returns bytes; secrets leave only as key blobs meant for
//! encrypted storage. Errors cross the boundary as `tessera:{"code","culprits","detail"}`.
//!
//! Layout: `bindings/` is the wasm-bindgen surface; `common/` what every protocol shares (wire,
//! round input, params, errors, rng); `hash/` the hashes by spec section; `frost/`, `dkls23/`
//! and `reshare/` the protocols, one file per round; `identity` the node's Ed25519 key.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod bindings;
pub mod common;
pub mod dkls23;
pub mod frost;
pub mod hash;
pub mod identity;
pub mod reshare;

pub use common::{error, rng, wire};

#[cfg(test)]
mod snapshots;
#[cfg(test)]
pub(crate) mod test_util;
