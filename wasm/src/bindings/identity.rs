//! Node-identity exports: Ed25519 signing and strict verification (RFC 8032).

use super::js;
use crate::identity;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// Ed25519 (RFC 8032 §5.1.6) signature of `msg` under the 32-byte secret seed: 64 bytes
/// `R ‖ S`. Takes the seed by value so that the wasm heap copy can be zeroized after use.
#[wasm_bindgen(js_name = identitySign)]
pub fn identity_sign(secret: Vec<u8>, msg: &[u8]) -> Result<Vec<u8>, JsError> {
    let secret = Zeroizing::new(secret);
    Ok(identity::sign_slice(&secret, msg).map_err(js)?.to_vec())
}

/// Strict Ed25519 verification (RFC 8032 §5.1.7 with canonical, non-small-order `A` and `R`
/// and `S < ℓ`); false on any failure, including wrong lengths. Never throws.
#[wasm_bindgen(js_name = identityVerify)]
pub fn identity_verify(public_key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    identity::verify_slice(public_key, msg, sig)
}

/// The 32-byte Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5).
#[wasm_bindgen(js_name = identityPublicKey)]
pub fn identity_public_key(secret: Vec<u8>) -> Result<Vec<u8>, JsError> {
    let secret = Zeroizing::new(secret);
    Ok(identity::public_key_slice(&secret).map_err(js)?.to_vec())
}
