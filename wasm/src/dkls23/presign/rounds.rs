//! Presign rounds one and two (spec §4 Rounds 1–2, Protocol 3.6 Steps 4–8): `sign`'s rounds
//! under the presign context (tag `EcdsaPresign`, master key, no digest), ending in a
//! `Presignature` after Step 8's checks instead of a round-3 message.
#![forbid(unsafe_code)]

use super::blob::Presignature;
use crate::common::error::Result;
use crate::common::round::{Reader, Receives, RoundInput};
use crate::common::wire::{Protocol, SessionId};
use crate::dkls23::curve::enc_point;
use crate::dkls23::keys::KeyShare;
use crate::dkls23::sign::request::{Ctx, NONCE_LEN};
use crate::dkls23::sign::round1::{self, In1, SignRound1};
use crate::dkls23::sign::round2::{Checked, In2, SignRound2};
use crate::hash::sid;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use zeroize::Zeroizing;

/// Presign round one: `sign`'s round one (Steps 4–6) under the presign context.
pub struct PresignRound1(SignRound1);

/// Presign round two: `sign`'s round two (Step 7); `finish` runs Step 8 and keeps the result.
pub struct PresignRound2(SignRound2);

/// The presign sign_id: `sign`'s, without digest or path (module doc).
pub(crate) fn presign_sid(
    session: &SessionId,
    epoch: &[u8; 32],
    signers: &[u16],
    chain: &[u8; 32],
    public_key: &[u8; 33],
) -> [u8; 32] {
    let ids: Vec<u8> = signers.iter().flat_map(|s| s.to_be_bytes()).collect();
    sid(b"presign", &[session, epoch, &ids, chain, public_key])
}

/// Starts a presigning among `signers` (spec §4 Round 1 with the master key, no digest).
pub fn start(
    key: KeyShare,
    session: SessionId,
    signers: Vec<u16>,
    rng: &mut ChaCha20Rng,
) -> Result<PresignRound1> {
    round1::check_signers(&key, &signers)?;
    let sign_sid = presign_sid(
        &session,
        &key.public.epoch,
        &signers,
        &key.public.chain,
        &enc_point(&key.public.public_key),
    );
    let others: Vec<u16> = signers.iter().copied().filter(|s| *s != key.id).collect();
    let ctx = Ctx {
        protocol: Protocol::EcdsaPresign,
        signers,
        others,
        sign_sid,
        session,
        digest: [0u8; 32],
        public_key: key.public.public_key,
        x: Zeroizing::new(key.x),
        key,
    };
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    Ok(PresignRound1(round1::begin(ctx, nonce, rng)?))
}

impl Receives for PresignRound1 {
    type Message = In1;
    fn input(&self) -> &RoundInput<In1> {
        self.0.input()
    }
    fn input_mut(&mut self) -> &mut RoundInput<In1> {
        self.0.input_mut()
    }
    fn read(&self, r: &mut Reader<'_>) -> Result<In1> {
        self.0.read(r)
    }
}

impl PresignRound1 {
    /// Step 7, as `SignRound1::advance`.
    pub fn advance(self, rng: &mut ChaCha20Rng) -> Result<PresignRound2> {
        Ok(PresignRound2(self.0.advance(rng)?))
    }
}

impl Receives for PresignRound2 {
    type Message = In2;
    fn input(&self) -> &RoundInput<In2> {
        self.0.input()
    }
    fn input_mut(&mut self) -> &mut RoundInput<In2> {
        self.0.input_mut()
    }
    fn read(&self, r: &mut Reader<'_>) -> Result<In2> {
        self.0.read(r)
    }
}

impl PresignRound2 {
    /// Step 8: every check of `SignRound2` (the same code), then the presignature (secret).
    pub fn finish(self) -> Result<Presignature> {
        let Checked {
            ctx,
            big_r,
            phi,
            u,
            v,
        } = self.0.check()?;
        Ok(Presignature {
            sign_sid: ctx.sign_sid,
            id: ctx.key.id,
            signers: ctx.signers.clone(),
            epoch: ctx.key.public.epoch,
            public_key: ctx.key.public.public_key,
            chain: ctx.key.public.chain,
            big_r,
            phi,
            u,
            v,
        })
    }
}
