//! The online round (spec §4 Round 3 and Step 10, with the Groth–Shoup re-randomisation of the
//! module doc): broadcast bind ‖ u'_i ‖ w_i; s = Σw / Σu' with `sign`'s output code.
#![forbid(unsafe_code)]

use super::blob::Presignature;
use crate::common::error::{Error, ErrorCode, Result};
use crate::common::round::{Expects, Reader, Receives, RoundInput};
use crate::common::wire::{self, Header, Protocol, SessionId, BROADCAST};
use crate::dkls23::curve::{dec_scalar, enc_point, enc_scalar, reduce};
use crate::dkls23::derive;
use crate::dkls23::sign::round3::output;
use crate::dkls23::sign::EcdsaSignature;
use crate::hash::{hs, sid, tag};
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::subtle::ConstantTimeEq;
use k256::{ProjectivePoint, Scalar};
use zeroize::Zeroizing;

/// The online round: bind (32) ‖ u'_i (32) ‖ w_i (32).
const ONLINE_LEN: usize = 32 + 32 + 32;
const ROUND: u8 = 1;

/// Online state: public values only (the presignature's secrets are consumed by `start_online`).
pub struct PresignedRound {
    bind: [u8; 32],
    digest: [u8; 32],
    public_key: ProjectivePoint,
    big_r: ProjectivePoint,
    u: Scalar,
    w: Scalar,
    input: RoundInput<(Scalar, Scalar)>,
}

/// Starts the online signing of `digest` under the child key at `path` with `presignature`,
/// consumed here (the host must never use its blob again). `session` is fresh per request.
pub fn start_online(
    presignature: Presignature,
    session: SessionId,
    digest: [u8; 32],
    path: &[u32],
) -> Result<PresignedRound> {
    let p = presignature;
    let derived = derive::derive(&p.public_key, &p.chain, path)?;
    let pk = enc_point(&derived.public_key);
    let path_bytes: Vec<u8> = path.iter().flat_map(|c| c.to_be_bytes()).collect();
    // Groth–Shoup: δ binds the presignature, the request, the message and the derived key.
    let delta = hs(
        tag::PRESIGN_DELTA,
        &[
            &p.sign_sid,
            &session,
            &enc_point(&p.big_r),
            &digest,
            &pk,
            &path_bytes,
        ],
    );
    let big_r = p.big_r + ProjectivePoint::GENERATOR * delta;
    if bool::from(big_r.is_identity()) {
        return Err(Error::local(
            ErrorCode::InvalidParameters,
            "the re-randomised nonce point is the identity",
        ));
    }
    let u = Zeroizing::new(*p.u + delta * *p.phi);
    let v = Zeroizing::new(*p.v + derived.tweak * *p.phi);
    let r_x = reduce(&big_r.to_affine().x().into());
    let e = reduce(&digest);
    let w = e * *p.phi + r_x * *v;
    let bind = sid(b"presigned", &[&p.sign_sid, &session, &digest, &pk]);
    let mut payload = [0u8; ONLINE_LEN];
    payload[..32].copy_from_slice(&bind);
    payload[32..64].copy_from_slice(&enc_scalar(&u));
    payload[64..].copy_from_slice(&enc_scalar(&w));
    let header = Header {
        protocol: Protocol::EcdsaPresigned,
        session,
        round: ROUND,
        sender: p.id,
        receiver: BROADCAST,
    };
    let expects = Expects {
        protocol: Protocol::EcdsaPresigned,
        session,
        round: ROUND,
        me: p.id,
        direct: false,
        payload_len: ONLINE_LEN,
    };
    let others: Vec<u16> = p.signers.iter().copied().filter(|s| *s != p.id).collect();
    let input = RoundInput::new(expects, others, wire::frame(&[header.seal(&payload)]));
    Ok(PresignedRound {
        bind,
        digest,
        public_key: derived.public_key,
        big_r,
        u: *u,
        w,
        input,
    })
}

impl Receives for PresignedRound {
    type Message = (Scalar, Scalar);
    fn input(&self) -> &RoundInput<(Scalar, Scalar)> {
        &self.input
    }
    fn input_mut(&mut self) -> &mut RoundInput<(Scalar, Scalar)> {
        &mut self.input
    }

    /// Reads one signer's (u'_j, w_j); a signer on another presignature or request is named.
    fn read(&self, r: &mut Reader<'_>) -> Result<(Scalar, Scalar)> {
        let sender = r.sender();
        if !bool::from(r.take(32)?.ct_eq(&self.bind[..])) {
            return Err(Error::blame(
                ErrorCode::InconsistentBroadcast,
                sender,
                "sender is using another presignature or request",
            ));
        }
        let u = dec_scalar(r.take(32)?).map_err(|e| e.from_party(sender))?;
        let w = dec_scalar(r.take(32)?).map_err(|e| e.from_party(sender))?;
        Ok((u, w))
    }
}

impl PresignedRound {
    /// Step 10: s = Σw/Σu', low-s, recovery id, verified under the derived key before release.
    pub fn finish(self) -> Result<EcdsaSignature> {
        self.input.require_complete()?;
        let (mut su, mut sw) = (self.u, self.w);
        for (_, (u, w)) in self.input.iter() {
            su += u;
            sw += w;
        }
        output(&self.big_r, &self.public_key, &self.digest, su, sw)
    }

    /// R' = R + δ·G, compressed (the signature's nonce point).
    pub fn big_r(&self) -> [u8; 33] {
        enc_point(&self.big_r)
    }
}
