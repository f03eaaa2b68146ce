//! The one test harness every `tests.rs`, the snapshots and the native bench share: splitting
//! framed output, reading and re-labelling headers, routing messages, and the hostile
//! encodings the decoders must refuse. Plain std only, so `examples/bench.rs` includes this
//! very file (`#[path]`) instead of keeping a copy.
#![allow(dead_code)]

/// Splits the core's framed output into messages (the test-side twin of `wire::frame`).
pub fn frames(buf: &[u8]) -> Vec<Vec<u8>> {
    let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
    let (mut out, mut at) = (Vec::new(), 2);
    for _ in 0..n {
        let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
        out.push(buf[at + 4..at + 4 + len].to_vec());
        at += 4 + len;
    }
    out
}

/// The sender field of an envelope (bytes 35..37).
pub fn sender(m: &[u8]) -> u16 {
    u16::from_be_bytes([m[35], m[36]])
}

/// The receiver field of an envelope (bytes 37..39; 0 for a broadcast).
pub fn receiver(m: &[u8]) -> u16 {
    u16::from_be_bytes([m[37], m[38]])
}

/// A copy of `m` claiming to come from `id` (the header is not authenticated by itself).
pub fn with_sender(m: &[u8], id: u16) -> Vec<u8> {
    let mut m = m.to_vec();
    m[35..37].copy_from_slice(&id.to_be_bytes());
    m
}

/// Delivers each message to the parties `ids` it is addressed to (a broadcast reaches
/// everyone but its sender); `deliver` gets the receiver's index in `ids`.
pub fn route(ids: &[u16], msgs: &[Vec<u8>], mut deliver: impl FnMut(usize, &[u8])) {
    for m in msgs {
        for (i, id) in ids.iter().enumerate() {
            if *id != sender(m) && (receiver(m) == 0 || receiver(m) == *id) {
                deliver(i, m);
            }
        }
    }
}

/// Hostile Ed25519 encodings (RFC 8032 §5.1.3 and RFC 9591 §6.1 deserialisation rules).
pub mod ed25519 {
    /// The identity (y = 1).
    pub const IDENTITY: [u8; 32] = one();
    /// The point of order 2 (y = −1).
    pub const ORDER_2: [u8; 32] = near_p(0xec);
    /// y = p + 1 ≡ 1, a non-canonical encoding of the identity's y.
    pub const NON_CANONICAL_Y: [u8; 32] = near_p(0xee);
    /// ℓ, the group order: the smallest scalar encoding that is not canonical.
    pub const ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    const fn one() -> [u8; 32] {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    }

    /// `low ff .. ff 7f` little-endian, near p = 2^255 − 19: `ec` is p − 1, `ee` is p + 1.
    const fn near_p(low: u8) -> [u8; 32] {
        let mut b = [0xffu8; 32];
        b[0] = low;
        b[31] = 0x7f;
        b
    }

    /// Scalar encodings ≥ ℓ: ℓ, ℓ + 1 and all ones.
    pub fn non_canonical_scalars() -> [[u8; 32]; 3] {
        let mut q1 = ORDER;
        q1[0] += 1;
        [ORDER, q1, [0xff; 32]]
    }
}
