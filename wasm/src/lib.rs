//! Tessera's protocol core. All threshold-protocol math lives here; the TypeScript host only
//! moves bytes. Every export takes and returns bytes; secrets leave only as key blobs meant for
//! encrypted storage. Errors cross the boundary as `tessera:{"code","culprits","detail"}`.
//!
//! Secret inputs (key blobs, seeds, signing shares) are taken as owned `Vec<u8>` and wrapped in
//! `Zeroizing` at once: wasm-bindgen copies a `&[u8]` argument into the wasm heap and frees it
//! unwiped, while an owned buffer is ours to wipe. The caller's own copy is the host's to wipe.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod common;
pub mod dkls23;
pub mod frost;
pub mod hash;
pub mod identity;
pub mod reshare;

pub use common::{error, rng, wire};

#[cfg(test)]
mod snapshots;

use error::{Error, ErrorCode};
use frost::keys::KeyPackage;
use dkls23::keys::KeyShare;
use frost::{dkg, sign, suite};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

fn js(e: Error) -> JsError {
    JsError::new(&format!("tessera:{}", e.to_json()))
}

fn consumed() -> JsError {
    js(Error::local(ErrorCode::StateConsumed, "this protocol state was already used; start a new session"))
}

/// Copies a secret result straight into a JS-owned array and wipes the core's buffer (returning
/// a `Vec<u8>` would leave its bytes in freed wasm memory).
fn secret_out(bytes: Zeroizing<Vec<u8>>) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(&bytes[..])
}

/// Takes ownership of a secret argument so that its wasm-heap copy is wiped when dropped.
fn secret(bytes: Vec<u8>) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(bytes)
}

fn session_id(bytes: &[u8]) -> Result<wire::SessionId, JsError> {
    bytes.try_into().map_err(|_| js(Error::local(ErrorCode::InvalidParameters, "session id must be 32 bytes")))
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
                Ok(self.inner.as_ref().ok_or_else(consumed)?.outgoing().to_vec())
            }

            /// Party ids whose message for this round has not arrived yet.
            pub fn missing(&self) -> Result<Vec<u16>, JsError> {
                Ok(self.inner.as_ref().ok_or_else(consumed)?.missing())
            }

            /// Validates and stores one incoming message; on error the state is unchanged.
            pub fn receive(&mut self, msg: &[u8]) -> Result<(), JsError> {
                self.inner.as_mut().ok_or_else(consumed)?.receive(msg).map_err(js)
            }
        }

        impl $name {
            /// Moves the state out once every message is in; a missing message keeps it.
            fn take(&mut self) -> Result<$inner, JsError> {
                let missing = self.inner.as_ref().ok_or_else(consumed)?.missing();
                if !missing.is_empty() {
                    return Err(js(Error::blame_all(ErrorCode::MissingMessages, missing, "round is missing messages")));
                }
                self.inner.take().ok_or_else(consumed)
            }
        }
    };
}

round_class!(
    /// FROST DKG round one (commitments and proof of knowledge, broadcast).
    FrostDkgRound1,
    dkg::Round1
);
round_class!(
    /// FROST DKG round two (encrypted shares, direct).
    FrostDkgRound2,
    dkg::Round2
);
round_class!(
    /// FROST signing round one (nonce commitments, broadcast).
    FrostSignRound1,
    sign::SignRound1
);
round_class!(
    /// FROST signing round two (signature shares, broadcast).
    FrostSignRound2,
    sign::SignRound2
);

round_class!(
    /// DKLs23 key generation or refresh, round one (commitments and base OTs, direct).
    EcdsaDkgRound1,
    dkls23::dkg::Round1
);
round_class!(
    /// DKLs23 key generation or refresh, round two (openings, proofs, encrypted shares, direct).
    EcdsaDkgRound2,
    dkls23::dkg::Round2
);
round_class!(
    /// DKLs23 key generation or refresh, round three (transcript confirmation, broadcast).
    EcdsaDkgRound3,
    dkls23::dkg::Round3
);
round_class!(
    /// DKLs23 signing round one (nonce commitment and multiplication M1, direct).
    EcdsaSignRound1,
    dkls23::sign::SignRound1
);
round_class!(
    /// DKLs23 signing round two (multiplication M2 and consistency data, direct).
    EcdsaSignRound2,
    dkls23::sign::SignRound2
);
round_class!(
    /// DKLs23 signing round three ((u_i, w_i), broadcast).
    EcdsaSignRound3,
    dkls23::sign::SignRound3
);

#[wasm_bindgen]
impl EcdsaDkgRound1 {
    /// Starts a DKLs23 key generation for `threshold` (minimum signers) of `parties` as `me`.
    #[wasm_bindgen(constructor)]
    pub fn new(session: &[u8], threshold: u16, parties: u16, me: u16, seed: Vec<u8>) -> Result<EcdsaDkgRound1, JsError> {
        let params = dkls23::dkg::DkgParams { session: session_id(session)?, threshold, parties, me };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound1 { inner: Some(dkls23::dkg::round1(params, None, &mut rng).map_err(js)?) })
    }

    /// Starts a complete refresh of the key in `key_blob` (all parties take part; new session).
    pub fn refresh(key_blob: Vec<u8>, session: &[u8], seed: Vec<u8>) -> Result<EcdsaDkgRound1, JsError> {
        let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
        let params = dkls23::dkg::DkgParams { session: session_id(session)?, threshold: key.threshold(), parties: key.parties(), me: key.id() };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound1 { inner: Some(dkls23::dkg::round1(params, Some(key), &mut rng).map_err(js)?) })
    }

    /// With every round-one message in, finishes the base OTs and produces round two.
    pub fn advance(&mut self, seed: Vec<u8>) -> Result<EcdsaDkgRound2, JsError> {
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound2 { inner: Some(self.take()?.advance(&mut rng).map_err(js)?) })
    }
}

#[wasm_bindgen]
impl EcdsaDkgRound2 {
    /// With every share verified, computes the key and the confirmation broadcast.
    pub fn advance(&mut self) -> Result<EcdsaDkgRound3, JsError> {
        Ok(EcdsaDkgRound3 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl EcdsaDkgRound3 {
    /// With every confirmation matching, returns the key blob (for encrypted storage only).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(self.take()?.finish().map_err(js)?.to_blob()))
    }
}

#[wasm_bindgen]
impl EcdsaSignRound1 {
    /// Starts signing the 32-byte `digest` among `signers`, under the child key at `path`.
    #[wasm_bindgen(constructor)]
    pub fn new(key_blob: Vec<u8>, session: &[u8], signers: &[u16], digest: &[u8], path: &[u32], seed: Vec<u8>) -> Result<EcdsaSignRound1, JsError> {
        let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
        let digest: [u8; 32] = digest.try_into().map_err(|_| js(Error::local(ErrorCode::InvalidParameters, "digest must be exactly 32 bytes")))?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let req = dkls23::sign::SignRequest { session: session_id(session)?, signers: signers.to_vec(), digest, path: path.to_vec() };
        Ok(EcdsaSignRound1 { inner: Some(dkls23::sign::start(key, req, &mut rng).map_err(js)?) })
    }

    /// With every round-one message in, runs the multiplications as Alice.
    pub fn advance(&mut self, seed: Vec<u8>) -> Result<EcdsaSignRound2, JsError> {
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaSignRound2 { inner: Some(self.take()?.advance(&mut rng).map_err(js)?) })
    }
}

#[wasm_bindgen]
impl EcdsaSignRound2 {
    /// With every round-two message in, runs all checks and produces (u_i, w_i).
    pub fn advance(&mut self) -> Result<EcdsaSignRound3, JsError> {
        Ok(EcdsaSignRound3 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl EcdsaSignRound3 {
    /// Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        let sig = self.take()?.finish().map_err(js)?;
        let mut out = sig.signature.to_vec();
        out.push(sig.recovery_id);
        out.extend_from_slice(&sig.public_key);
        Ok(out)
    }
}

round_class!(
    /// Resharing round one (ephemeral keys and dealer commitments, broadcast; spec §5).
    ReshareRound1,
    reshare::AnyRound1
);
round_class!(
    /// Resharing round two (openings, key context and encrypted sub-shares, direct from dealers).
    ReshareRound2,
    reshare::AnyRound2
);
round_class!(
    /// Resharing round three (transcript confirmation, broadcast by receivers).
    ReshareRound3,
    reshare::AnyRound3
);

#[wasm_bindgen]
impl ReshareRound1 {
    /// Starts a reshare over `curve` (0 = secp256k1, 1 = ed25519) as participant `me`; `roles`
    /// holds one `(old_id, new_id)` pair per participant (0 = none); `key_blob` is empty without
    /// an old share.
    #[wasm_bindgen(constructor)]
    pub fn new(curve: u8, session: &[u8], me: u16, old_threshold: u16, new_threshold: u16, roles: &[u16], key_blob: Vec<u8>, seed: Vec<u8>) -> Result<ReshareRound1, JsError> {
        let params = reshare::ReshareParams { session: session_id(session)?, me, old_threshold, new_threshold, roles: reshare::Role::from_pairs(roles).map_err(js)? };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(ReshareRound1 { inner: Some(reshare::AnyRound1::start(curve, params, &secret(key_blob), &mut rng).map_err(js)?) })
    }

    /// With every broadcast in, produces the dealers' openings and sealed sub-shares.
    pub fn advance(&mut self) -> Result<ReshareRound2, JsError> {
        Ok(ReshareRound2 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl ReshareRound2 {
    /// With every dealing verified, computes the new public shares and the confirmation.
    pub fn advance(&mut self) -> Result<ReshareRound3, JsError> {
        Ok(ReshareRound3 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl ReshareRound3 {
    /// With every confirmation matching, returns the new key blob (empty for a dealer-only
    /// participant); an ECDSA blob is pending until the new committee runs a complete refresh.
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(self.take()?.finish().map_err(js)?))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

/// Public facts of an ECDSA key blob as JSON: `{"id","threshold","parties","publicKey","chainCode","epoch"}`.
#[wasm_bindgen(js_name = ecdsaKeyInfo)]
pub fn ecdsa_key_info(key_blob: Vec<u8>) -> Result<String, JsError> {
    let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
    Ok(format!(
        "{{\"id\":{},\"threshold\":{},\"parties\":{},\"publicKey\":\"{}\",\"chainCode\":\"{}\",\"epoch\":\"{}\"}}",
        key.id(),
        key.threshold(),
        key.parties(),
        hex(&key.public_key()),
        hex(&key.chain_code()),
        hex(&key.epoch())
    ))
}

#[wasm_bindgen]
impl FrostDkgRound1 {
    /// Starts a DKG for `threshold` (minimum signers) of `parties` as party `me`.
    #[wasm_bindgen(constructor)]
    pub fn new(session: &[u8], threshold: u16, parties: u16, me: u16, seed: Vec<u8>) -> Result<FrostDkgRound1, JsError> {
        let params = dkg::DkgParams { session: session_id(session)?, threshold, parties, me };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(FrostDkgRound1 { inner: Some(dkg::round1(params, &mut rng).map_err(js)?) })
    }

    /// With every broadcast in, produces round two; this object is consumed.
    pub fn advance(&mut self) -> Result<FrostDkgRound2, JsError> {
        Ok(FrostDkgRound2 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl FrostDkgRound2 {
    /// With every share in, returns this party's key blob (for encrypted storage only).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(self.take()?.finish().map_err(js)?.to_blob()))
    }
}

#[wasm_bindgen]
impl FrostSignRound1 {
    /// Starts signing `message` with the key in `key_blob` among `signers` (ascending ids).
    #[wasm_bindgen(constructor)]
    pub fn new(key_blob: Vec<u8>, session: &[u8], signers: &[u16], message: &[u8], seed: Vec<u8>) -> Result<FrostSignRound1, JsError> {
        let key = KeyPackage::from_blob(&secret(key_blob)).map_err(js)?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let state = sign::start(key, session_id(session)?, signers.to_vec(), message.to_vec(), &mut rng).map_err(js)?;
        Ok(FrostSignRound1 { inner: Some(state) })
    }

    /// With every commitment in, consumes the nonces and produces this signer's share.
    pub fn advance(&mut self) -> Result<FrostSignRound2, JsError> {
        Ok(FrostSignRound2 { inner: Some(self.take()?.advance().map_err(js)?) })
    }
}

#[wasm_bindgen]
impl FrostSignRound2 {
    /// RFC 9591 §4.4 binding factors as `(id u16 | rho [32])*`, ascending by id (public values).
    #[wasm_bindgen(js_name = bindingFactors)]
    pub fn binding_factors(&self) -> Result<Vec<u8>, JsError> {
        let state = self.inner.as_ref().ok_or_else(consumed)?;
        Ok(state.binding_factors().iter().flat_map(|(id, rho)| id.to_be_bytes().into_iter().chain(rho.to_bytes())).collect())
    }

    /// With every share in and verified, returns the 64-byte Ed25519 signature.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(self.take()?.finish().map_err(js)?.to_vec())
    }
}

/// Public facts of a key blob as JSON: `{"id","threshold","parties","groupPublicKey"}`.
#[wasm_bindgen(js_name = frostKeyInfo)]
pub fn frost_key_info(key_blob: Vec<u8>) -> Result<String, JsError> {
    let key = KeyPackage::from_blob(&secret(key_blob)).map_err(js)?;
    Ok(format!(
        "{{\"id\":{},\"threshold\":{},\"parties\":{},\"groupPublicKey\":\"{}\"}}",
        key.id(),
        key.threshold(),
        key.parties(),
        hex(&key.group_public_key())
    ))
}

/// Builds a key blob from externally produced shares (RFC 9591 Appendix C dealer output):
/// `verifying_shares` is every party's verifying share, 32 bytes each, in id order.
#[wasm_bindgen(js_name = frostKeyImport)]
pub fn frost_key_import(threshold: u16, parties: u16, id: u16, signing_share: Vec<u8>, verifying_shares: &[u8], group_public_key: &[u8]) -> Result<js_sys::Uint8Array, JsError> {
    if verifying_shares.len() % 32 != 0 {
        return Err(js(Error::local(ErrorCode::InvalidLength, "verifying shares must be 32 bytes each")));
    }
    let shares = verifying_shares.chunks(32).map(suite::deserialize_element).collect::<Result<Vec<_>, _>>().map_err(js)?;
    let share = Zeroizing::new(suite::deserialize_nonzero_scalar(&secret(signing_share)).map_err(js)?);
    let gpk = suite::deserialize_element(group_public_key).map_err(js)?;
    Ok(secret_out(KeyPackage::new(threshold, parties, id, *share, shares, gpk).map_err(js)?.to_blob()))
}

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

#[cfg(test)]
pub(crate) mod test_util {
    /// Splits the core's framed output into messages (the test-side twin of `wire::frame`).
    pub(crate) fn frames(buf: &[u8]) -> Vec<Vec<u8>> {
        let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
        let (mut out, mut at) = (Vec::new(), 2);
        for _ in 0..n {
            let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
            out.push(buf[at + 4..at + 4 + len].to_vec());
            at += 4 + len;
        }
        out
    }

    /// Delivers each message to the parties `ids` it is addressed to (a broadcast reaches
    /// everyone but its sender); `deliver` gets the receiver's index in `ids`.
    pub(crate) fn route(ids: &[u16], msgs: &[Vec<u8>], mut deliver: impl FnMut(usize, &[u8])) {
        for m in msgs {
            let (from, to) = (u16::from_be_bytes([m[35], m[36]]), u16::from_be_bytes([m[37], m[38]]));
            for (i, id) in ids.iter().enumerate() {
                if *id != from && (to == 0 || to == *id) {
                    deliver(i, m);
                }
            }
        }
    }
}
