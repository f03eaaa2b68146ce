//! FROST(Ed25519) exports: DKG, signing, presigning and online signing with a presignature, key
//! and presignature info, key import.

use super::{consumed, hex, js, secret, secret_out, session_id};
use crate::common::error::{Error, ErrorCode};
use crate::common::rng;
use crate::frost::keys::{KeyPackage, PublicKeyPackage};
use crate::frost::{dkg, presign, sign, suite};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

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
    /// FROST presigning (nonce commitments ahead of the message, broadcast).
    FrostPresignRound1,
    presign::PresignRound1
);
round_class!(
    /// FROST online signing with a presignature (bind and signature share, broadcast).
    FrostPresignedRound,
    presign::PresignedRound
);

#[wasm_bindgen]
impl FrostPresignRound1 {
    /// Starts a presigning with the key in `key_blob` among `signers` (ascending ids).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key_blob: Vec<u8>,
        session: &[u8],
        signers: &[u16],
        seed: Vec<u8>,
    ) -> Result<FrostPresignRound1, JsError> {
        let key = KeyPackage::from_blob(&secret(key_blob)).map_err(js)?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let state =
            presign::start(key, session_id(session)?, signers.to_vec(), &mut rng).map_err(js)?;
        Ok(FrostPresignRound1 { inner: Some(state) })
    }

    /// With every commitment in, returns the presignature blob (secret: store it encrypted and
    /// use it once).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(
            self.take()?.finish().map_err(js)?.to_blob().map_err(js)?,
        ))
    }
}

#[wasm_bindgen]
impl FrostPresignedRound {
    /// Starts the online signing of `message` with the key in `key_blob`, consuming the
    /// presignature in `presignature_blob` (the host must never use it again).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key_blob: Vec<u8>,
        presignature_blob: Vec<u8>,
        session: &[u8],
        message: &[u8],
    ) -> Result<FrostPresignedRound, JsError> {
        let key = KeyPackage::from_blob(&secret(key_blob)).map_err(js)?;
        let presignature =
            presign::FrostPresignature::from_blob(&secret(presignature_blob)).map_err(js)?;
        let state =
            presign::start_online(key, presignature, session_id(session)?, message).map_err(js)?;
        Ok(FrostPresignedRound { inner: Some(state) })
    }

    /// With every share in and verified, returns the 64-byte Ed25519 signature.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(self.take()?.finish().map_err(js)?.to_vec())
    }
}

/// Public facts of a presignature blob as JSON: `{"id","signers","groupPublicKey"}`.
#[wasm_bindgen(js_name = frostPresignatureInfo)]
pub fn frost_presignature_info(blob: Vec<u8>) -> Result<String, JsError> {
    let p = presign::FrostPresignature::from_blob(&secret(blob)).map_err(js)?;
    let signers: Vec<String> = p.signers().iter().map(|s| s.to_string()).collect();
    Ok(format!(
        "{{\"id\":{},\"signers\":[{}],\"groupPublicKey\":\"{}\"}}",
        p.id(),
        signers.join(","),
        hex(&p.group_public_key())
    ))
}

#[wasm_bindgen]
impl FrostDkgRound1 {
    /// Starts a DKG for `threshold` (minimum signers) of `parties` as party `me`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        session: &[u8],
        threshold: u16,
        parties: u16,
        me: u16,
        seed: Vec<u8>,
    ) -> Result<FrostDkgRound1, JsError> {
        let params = dkg::DkgParams {
            session: session_id(session)?,
            threshold,
            parties,
            me,
        };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(FrostDkgRound1 {
            inner: Some(dkg::round1(params, &mut rng).map_err(js)?),
        })
    }

    /// With every broadcast in, produces round two; this object is consumed.
    pub fn advance(&mut self) -> Result<FrostDkgRound2, JsError> {
        Ok(FrostDkgRound2 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl FrostDkgRound2 {
    /// With every share in, returns this party's key blob (for encrypted storage only).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(
            self.take()?.finish().map_err(js)?.to_blob().map_err(js)?,
        ))
    }
}

#[wasm_bindgen]
impl FrostSignRound1 {
    /// Starts signing `message` with the key in `key_blob` among `signers` (ascending ids).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key_blob: Vec<u8>,
        session: &[u8],
        signers: &[u16],
        message: &[u8],
        seed: Vec<u8>,
    ) -> Result<FrostSignRound1, JsError> {
        let key = KeyPackage::from_blob(&secret(key_blob)).map_err(js)?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let state = sign::start(
            key,
            session_id(session)?,
            signers.to_vec(),
            message.to_vec(),
            &mut rng,
        )
        .map_err(js)?;
        Ok(FrostSignRound1 { inner: Some(state) })
    }

    /// With every commitment in, consumes the nonces and produces this signer's share.
    pub fn advance(&mut self) -> Result<FrostSignRound2, JsError> {
        Ok(FrostSignRound2 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl FrostSignRound2 {
    /// RFC 9591 §4.4 binding factors as `(id u16 | rho [32])*`, ascending by id (public values).
    #[wasm_bindgen(js_name = bindingFactors)]
    pub fn binding_factors(&self) -> Result<Vec<u8>, JsError> {
        let state = self.inner.as_ref().ok_or_else(consumed)?;
        Ok(state
            .binding_factors()
            .iter()
            .flat_map(|(id, rho)| id.to_be_bytes().into_iter().chain(rho.to_bytes()))
            .collect())
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
        key.public().threshold(),
        key.public().parties(),
        hex(&key.public().group_public_key())
    ))
}

/// Builds a key blob from externally produced shares (RFC 9591 Appendix C dealer output):
/// `verifying_shares` is every party's verifying share, 32 bytes each, in id order.
#[wasm_bindgen(js_name = frostKeyImport)]
pub fn frost_key_import(
    threshold: u16,
    parties: u16,
    id: u16,
    signing_share: Vec<u8>,
    verifying_shares: &[u8],
    group_public_key: &[u8],
) -> Result<js_sys::Uint8Array, JsError> {
    if verifying_shares.len() % 32 != 0 {
        return Err(js(Error::local(
            ErrorCode::InvalidLength,
            "verifying shares must be 32 bytes each",
        )));
    }
    let shares = verifying_shares
        .chunks(32)
        .map(suite::deserialize_element)
        .collect::<Result<Vec<_>, _>>()
        .map_err(js)?;
    let share =
        Zeroizing::new(suite::deserialize_nonzero_scalar(&secret(signing_share)).map_err(js)?);
    let gpk = suite::deserialize_element(group_public_key).map_err(js)?;
    let public = PublicKeyPackage::new(threshold, parties, shares, gpk).map_err(js)?;
    Ok(secret_out(
        KeyPackage::new(id, *share, public)
            .map_err(js)?
            .to_blob()
            .map_err(js)?,
    ))
}
