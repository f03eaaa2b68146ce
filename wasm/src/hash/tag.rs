//! Oracle tags of the implementer's spec §1 (`dkls23/<name>/v1`); ours are under `tessera/`
//! where the spec names none.
#![forbid(unsafe_code)]
#![allow(missing_docs)]

pub const COMMITMENT: &[u8] = b"dkls23/commitment/v1";
pub const DLOG_FISCHLIN: &[u8] = b"dkls23/proofs/dlog/fischlin/v1";
pub const ENC_FS: &[u8] = b"dkls23/proofs/enc/fs/v1";
pub const ZERO_SHARE: &[u8] = b"dkls23/zero-share/fragment/v1";
pub const OT_BASE_H2C_DST: &[u8] = b"dkls23/ot/base/h2c/v1";
pub const OT_BASE_MSG: &[u8] = b"dkls23/ot/base/msg/v1";
pub const MUL_CHI_TILDE: &[u8] = b"dkls23/mul/chi-tilde/v1";
pub const MUL_CHI_HAT: &[u8] = b"dkls23/mul/chi-hat/v1";
pub const SID: &[u8] = b"tessera/dkls23/sid/v1";
pub const CONFIRM: &[u8] = b"tessera/dkls23/dkg/confirm/v1";
pub const P2P_KEY: &[u8] = b"tessera/dkls23/p2p-key/v1";
pub const SIGN_REQUEST: &[u8] = b"tessera/dkls23/sign/request/v1";

/// BLAKE3 derive-key contexts of the hot-path oracles (`keyed`), in place of TH under the spec's
/// tags of the same names (issue 13); the digest of Bob's M1 and the after-τ challenge are
/// ours (issue 11), as is the weighting of the batched base-OT proof check.
pub mod blake3 {
    pub const OT_EXT_PRG: &str = "dkls23/ot/extension/prg/v2 blake3";
    pub const OT_EXT_CHI: &str = "dkls23/ot/extension/chi/v2 blake3";
    pub const OT_EXT_RANDOMIZE: &str = "dkls23/ot/extension/randomize/v2 blake3";
    pub const MUL_GADGET: &str = "dkls23/mul/gadget/v2 blake3";
    pub const MUL_VERIFY: &str = "dkls23/mul/verify/v2 blake3";
    pub const MUL_M1: &str = "tessera/dkls23/mul/m1/v2 blake3";
    pub const MUL_CHALLENGE: &str = "tessera/dkls23/mul/challenge/v2 blake3";
    pub const OT_BASE_BATCH: &str = "tessera/dkls23/ot/base/or-proof-batch/v1 blake3";
}

/// Presignatures (`dkls23::presign`): the Groth–Shoup re-randomiser δ (Hs under this tag).
pub const PRESIGN_DELTA: &[u8] = b"tessera/dkls23/presign/delta/v1";
