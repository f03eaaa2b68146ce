//! Signing round three and output (Step 10): broadcast (u_i, w_i); s = Σw / Σu, low-s, with the
//! recovery id, verified before release.
#![forbid(unsafe_code)]

use super::request::{Ctx, EcdsaSignature};
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Reader, Receives, RoundInput};
use crate::dkls23::curve::{dec_scalar, enc_point, enc_scalar, reduce};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::scalar::IsHigh;
use k256::elliptic_curve::subtle::ConditionallySelectable;
use k256::{ProjectivePoint, Scalar};

/// Round-three state.
pub struct SignRound3 {
    pub(super) ctx: Ctx,
    pub(super) big_r: ProjectivePoint,
    pub(super) u: Scalar,
    pub(super) w: Scalar,
    pub(super) input: RoundInput<(Scalar, Scalar)>,
}

impl Receives for SignRound3 {
    type Message = (Scalar, Scalar);
    fn input(&self) -> &RoundInput<(Scalar, Scalar)> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<(Scalar, Scalar)> {
        &mut self.input
    }

    /// Reads one signer's (u_j, w_j).
    fn read(&self, r: &mut Reader<'_>) -> Result<(Scalar, Scalar)> {
        let sender = r.sender();
        let u = dec_scalar(r.take(32)?).map_err(|e| e.from_party(sender))?;
        let w = dec_scalar(r.take(32)?).map_err(|e| e.from_party(sender))?;
        Ok((u, w))
    }
}

impl SignRound3 {
    /// Step 10: s = Σw/Σu, low-s, recovery id, and verification before release. A signature
    /// that fails verification is `InvalidSignature`: quarantine the key, never retry.
    pub fn finish(self) -> Result<EcdsaSignature> {
        self.input.require_complete()?;
        let (mut su, mut sw) = (self.u, self.w);
        for (_, (u, w)) in self.input.iter() {
            su += u;
            sw += w;
        }
        output(&self.big_r, &self.ctx.public_key, &self.ctx.digest, su, sw)
    }
}

/// Step 10 from the sums: s = Σw/Σu, low-s normalised, the recovery id, and verification under
/// `public_key` before release. Shared with the presigned online round (`dkls23::presign`).
pub(crate) fn output(
    big_r: &ProjectivePoint,
    public_key: &ProjectivePoint,
    digest: &[u8; 32],
    su: Scalar,
    sw: Scalar,
) -> Result<EcdsaSignature> {
    let inv = Option::<Scalar>::from(su.invert())
        .ok_or_else(|| Error::local(ErrorCode::InvalidSignature, "Σu is zero"))?;
    let mut s = sw * inv;
    let x_bytes: [u8; 32] = big_r.to_affine().x().into();
    let r = reduce(&x_bytes);
    let high = s.is_high();
    s = Scalar::conditional_select(&s, &-s, high);
    let y_odd = enc_point(big_r)[0] == 0x03;
    let recovery_id =
        (u8::from(y_odd) ^ high.unwrap_u8()) | if enc_scalar(&r) != x_bytes { 2 } else { 0 };
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&enc_scalar(&r));
    signature[32..].copy_from_slice(&enc_scalar(&s));
    let sig = Signature::try_from(&signature[..])
        .map_err(|_| Error::local(ErrorCode::InvalidSignature, "signature is malformed"))?;
    let vk = VerifyingKey::from_affine(public_key.to_affine())
        .map_err(|_| Error::local(ErrorCode::InvalidSignature, "public key is invalid"))?;
    vk.verify_prehash(digest, &sig).map_err(|_| {
        Error::local(
            ErrorCode::InvalidSignature,
            "aggregated signature does not verify",
        )
    })?;
    Ok(EcdsaSignature {
        signature,
        recovery_id,
        public_key: enc_point(public_key),
    })
}
