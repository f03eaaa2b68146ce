//! DKLs23 (secp256k1 ECDSA) exports: key generation, complete refresh, signing, presigning and
//! online signing with a presignature, key and presignature info.

use super::{consumed, hex, js, secret, secret_out, session_id};
use crate::common::error::{Error, ErrorCode};
use crate::common::rng;
use crate::dkls23;
use crate::dkls23::keys::KeyShare;
use wasm_bindgen::prelude::*;

round_class!(
    /// DKLs23 key generation or refresh, round one (commitments and base OTs, direct).
    EcdsaDkgRound1,
    dkls23::keygen::Round1
);
round_class!(
    /// DKLs23 key generation or refresh, round two (openings, proofs, encrypted shares, direct).
    EcdsaDkgRound2,
    dkls23::keygen::Round2
);
round_class!(
    /// DKLs23 key generation or refresh, round three (transcript confirmation, broadcast).
    EcdsaDkgRound3,
    dkls23::keygen::Round3
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

round_class!(
    /// DKLs23 presigning round one (signing round one under the master key, direct).
    EcdsaPresignRound1,
    dkls23::presign::PresignRound1
);
round_class!(
    /// DKLs23 presigning round two (signing round two, direct); finishes into a presignature.
    EcdsaPresignRound2,
    dkls23::presign::PresignRound2
);
round_class!(
    /// DKLs23 online signing with a presignature (bind, u'_i, w_i; broadcast).
    EcdsaPresignedRound,
    dkls23::presign::PresignedRound
);

#[wasm_bindgen]
impl EcdsaDkgRound1 {
    /// Starts a DKLs23 key generation for `threshold` (minimum signers) of `parties` as `me`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        session: &[u8],
        threshold: u16,
        parties: u16,
        me: u16,
        seed: Vec<u8>,
    ) -> Result<EcdsaDkgRound1, JsError> {
        let params = dkls23::keygen::DkgParams {
            session: session_id(session)?,
            threshold,
            parties,
            me,
        };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound1 {
            inner: Some(dkls23::keygen::round1(params, None, &mut rng).map_err(js)?),
        })
    }

    /// Starts a complete refresh of the key in `key_blob` (all parties take part; new session).
    pub fn refresh(
        key_blob: Vec<u8>,
        session: &[u8],
        seed: Vec<u8>,
    ) -> Result<EcdsaDkgRound1, JsError> {
        let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
        let params = dkls23::keygen::DkgParams {
            session: session_id(session)?,
            threshold: key.public().threshold(),
            parties: key.public().parties(),
            me: key.id(),
        };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound1 {
            inner: Some(dkls23::keygen::round1(params, Some(key), &mut rng).map_err(js)?),
        })
    }

    /// With every round-one message in, finishes the base OTs and produces round two.
    pub fn advance(&mut self, seed: Vec<u8>) -> Result<EcdsaDkgRound2, JsError> {
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaDkgRound2 {
            inner: Some(self.take()?.advance(&mut rng).map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl EcdsaDkgRound2 {
    /// With every share verified, computes the key and the confirmation broadcast.
    pub fn advance(&mut self) -> Result<EcdsaDkgRound3, JsError> {
        Ok(EcdsaDkgRound3 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl EcdsaDkgRound3 {
    /// With every confirmation matching, returns the key blob (for encrypted storage only).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(
            self.take()?.finish().map_err(js)?.to_blob().map_err(js)?,
        ))
    }
}

#[wasm_bindgen]
impl EcdsaSignRound1 {
    /// Starts signing the 32-byte `digest` among `signers`, under the child key at `path`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key_blob: Vec<u8>,
        session: &[u8],
        signers: &[u16],
        digest: &[u8],
        path: &[u32],
        seed: Vec<u8>,
    ) -> Result<EcdsaSignRound1, JsError> {
        let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
        let digest = digest32(digest)?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let req = dkls23::sign::SignRequest {
            session: session_id(session)?,
            signers: signers.to_vec(),
            digest,
            path: path.to_vec(),
        };
        Ok(EcdsaSignRound1 {
            inner: Some(dkls23::sign::start(key, req, &mut rng).map_err(js)?),
        })
    }

    /// With every round-one message in, runs the multiplications as Alice.
    pub fn advance(&mut self, seed: Vec<u8>) -> Result<EcdsaSignRound2, JsError> {
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaSignRound2 {
            inner: Some(self.take()?.advance(&mut rng).map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl EcdsaSignRound2 {
    /// With every round-two message in, runs all checks and produces (u_i, w_i).
    pub fn advance(&mut self) -> Result<EcdsaSignRound3, JsError> {
        Ok(EcdsaSignRound3 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl EcdsaSignRound3 {
    /// Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(signature_bytes(self.take()?.finish().map_err(js)?))
    }
}

fn digest32(digest: &[u8]) -> Result<[u8; 32], JsError> {
    digest.try_into().map_err(|_| {
        js(Error::local(
            ErrorCode::InvalidParameters,
            "digest must be exactly 32 bytes",
        ))
    })
}

fn signature_bytes(sig: dkls23::sign::EcdsaSignature) -> Vec<u8> {
    let mut out = sig.signature.to_vec();
    out.push(sig.recovery_id);
    out.extend_from_slice(&sig.public_key);
    out
}

#[wasm_bindgen]
impl EcdsaPresignRound1 {
    /// Starts a presigning among `signers` (message-independent signing rounds one and two).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key_blob: Vec<u8>,
        session: &[u8],
        signers: &[u16],
        seed: Vec<u8>,
    ) -> Result<EcdsaPresignRound1, JsError> {
        let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        let state = dkls23::presign::start(key, session_id(session)?, signers.to_vec(), &mut rng)
            .map_err(js)?;
        Ok(EcdsaPresignRound1 { inner: Some(state) })
    }

    /// With every round-one message in, runs the multiplications as Alice.
    pub fn advance(&mut self, seed: Vec<u8>) -> Result<EcdsaPresignRound2, JsError> {
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(EcdsaPresignRound2 {
            inner: Some(self.take()?.advance(&mut rng).map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl EcdsaPresignRound2 {
    /// With every round-two message in and checked, returns the presignature blob (secret:
    /// store it encrypted and use it once).
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        Ok(secret_out(
            self.take()?.finish().map_err(js)?.to_blob().map_err(js)?,
        ))
    }
}

#[wasm_bindgen]
impl EcdsaPresignedRound {
    /// Starts the online signing of `digest` under the child key at `path`, consuming the
    /// presignature in `presignature_blob` (the host must never use it again).
    #[wasm_bindgen(constructor)]
    pub fn new(
        presignature_blob: Vec<u8>,
        session: &[u8],
        digest: &[u8],
        path: &[u32],
    ) -> Result<EcdsaPresignedRound, JsError> {
        let presignature =
            dkls23::presign::Presignature::from_blob(&secret(presignature_blob)).map_err(js)?;
        let state = dkls23::presign::start_online(
            presignature,
            session_id(session)?,
            digest32(digest)?,
            path,
        )
        .map_err(js)?;
        Ok(EcdsaPresignedRound { inner: Some(state) })
    }

    /// Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(signature_bytes(self.take()?.finish().map_err(js)?))
    }
}

/// Public facts of a presignature blob as JSON: `{"id","signers","epoch","publicKey","bigR"}`.
#[wasm_bindgen(js_name = ecdsaPresignatureInfo)]
pub fn ecdsa_presignature_info(blob: Vec<u8>) -> Result<String, JsError> {
    let p = dkls23::presign::Presignature::from_blob(&secret(blob)).map_err(js)?;
    let signers: Vec<String> = p.signers().iter().map(|s| s.to_string()).collect();
    Ok(format!(
        "{{\"id\":{},\"signers\":[{}],\"epoch\":\"{}\",\"publicKey\":\"{}\",\"bigR\":\"{}\"}}",
        p.id(),
        signers.join(","),
        hex(&p.epoch()),
        hex(&p.public_key()),
        hex(&p.big_r())
    ))
}

/// Public facts of an ECDSA key blob as JSON: `{"id","threshold","parties","publicKey","chainCode","epoch"}`.
#[wasm_bindgen(js_name = ecdsaKeyInfo)]
pub fn ecdsa_key_info(key_blob: Vec<u8>) -> Result<String, JsError> {
    let key = KeyShare::from_blob(&secret(key_blob)).map_err(js)?;
    Ok(format!(
        "{{\"id\":{},\"threshold\":{},\"parties\":{},\"publicKey\":\"{}\",\"chainCode\":\"{}\",\"epoch\":\"{}\"}}",
        key.id(),
        key.public().threshold(),
        key.public().parties(),
        hex(&key.public().public_key()),
        hex(&key.public().chain_code()),
        hex(&key.public().epoch())
    ))
}
