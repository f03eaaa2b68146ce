//! Resharing exports (committee or threshold change over either curve).

use super::{consumed, js, secret, secret_out, session_id};
use crate::common::error::{Error, ErrorCode};
use crate::common::rng;
use crate::reshare;
use wasm_bindgen::prelude::*;

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
    pub fn new(
        curve: u8,
        session: &[u8],
        me: u16,
        old_threshold: u16,
        new_threshold: u16,
        roles: &[u16],
        key_blob: Vec<u8>,
        seed: Vec<u8>,
    ) -> Result<ReshareRound1, JsError> {
        let params = reshare::ReshareParams {
            session: session_id(session)?,
            me,
            old_threshold,
            new_threshold,
            roles: reshare::Role::from_pairs(roles).map_err(js)?,
        };
        let mut rng = rng::from_seed(&secret(seed)).map_err(js)?;
        Ok(ReshareRound1 {
            inner: Some(
                reshare::AnyRound1::start(curve, params, &secret(key_blob), &mut rng)
                    .map_err(js)?,
            ),
        })
    }

    /// With every broadcast in, produces the dealers' openings and sealed sub-shares.
    pub fn advance(&mut self) -> Result<ReshareRound2, JsError> {
        Ok(ReshareRound2 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
    }
}

#[wasm_bindgen]
impl ReshareRound2 {
    /// With every dealing verified, computes the new public shares and the confirmation.
    pub fn advance(&mut self) -> Result<ReshareRound3, JsError> {
        Ok(ReshareRound3 {
            inner: Some(self.take()?.advance().map_err(js)?),
        })
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
