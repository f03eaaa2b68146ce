//! OT extension (spec §2.4): KOS15 Fig. 10 as corrected, i.e. SoftSpokenOT with k = 1, made
//! non-interactive with Fiat–Shamir. Bob (choice bits β) extends 256 base OTs into 416 random
//! OTs; Alice (correlation Δ, her base-OT choice bits) checks Bob's consistency in GF(2^208)
//! before using anything, since Δ is reused and every failed probe would leak a bit of it.
//!
//! Two session ids instead of the spec's one sid_O (issue 11; spec §0.5, deviation from §2.4):
//! `sid_ext` (PRG rows and the check's χ) binds Bob's fresh per-run nonce, the only one he has
//! when he sends in round 1; `sid_pad` (the random oracle turning columns into pads) also binds
//! Alice's, since both sides evaluate it only after round 1. With one sid_O for both, two runs
//! of one signing session gave Alice the same pads, so Bob could cancel them (see `sign`).
#![forbid(unsafe_code)]

use super::base_ot::KAPPA;
use crate::common::error::{Error, ErrorCode, Result};
use crate::hash::{tag, Oracle};
use k256::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Extended OTs per multiplication: ξ = κ + 2λ_s = 416.
pub const XI: usize = 416;
/// Row bytes: ξ' = ξ + σ = 624 bits.
pub const ROW: usize = 78;
/// Check field GF(2^208) element bytes (σ = 208).
pub const SIGMA_BYTES: usize = 26;
/// Correlation width W = 2ℓ.
pub const WIDTH: usize = 4;
/// Bob's message length: u (256 × 78) ‖ x̃ (26) ‖ t̃ (256 × 26).
pub const MSG_LEN: usize = KAPPA * ROW + SIGMA_BYTES + KAPPA * SIGMA_BYTES;

/// GF(2^208) modulo X^208 + X^9 + X^3 + X + 1; bit i of byte j is the coefficient of X^(8j+i).
#[derive(Clone, Copy, Default)]
struct Gf([u64; 4]);

impl Gf {
    fn from_bytes(b: &[u8]) -> Gf {
        let mut l = [0u64; 4];
        for (j, byte) in b.iter().enumerate().take(SIGMA_BYTES) {
            l[j / 8] |= u64::from(*byte) << (8 * (j % 8));
        }
        Gf(l)
    }

    fn to_bytes(self) -> [u8; SIGMA_BYTES] {
        let mut out = [0u8; SIGMA_BYTES];
        for (j, o) in out.iter_mut().enumerate() {
            *o = (self.0[j / 8] >> (8 * (j % 8))) as u8;
        }
        out
    }

    fn xor(self, o: Gf) -> Gf {
        Gf([
            self.0[0] ^ o.0[0],
            self.0[1] ^ o.0[1],
            self.0[2] ^ o.0[2],
            self.0[3] ^ o.0[3],
        ])
    }

    /// Shift-and-add multiplication; branch-free in both operands.
    fn mul(self, o: Gf) -> Gf {
        let mut a = self.0;
        let mut r = [0u64; 4];
        for i in 0..208 {
            let mask = 0u64.wrapping_sub((o.0[i / 64] >> (i % 64)) & 1);
            for k in 0..4 {
                r[k] ^= a[k] & mask;
            }
            a = times_x(a);
        }
        Gf(r)
    }
}

/// χ·X^i for i < 208: column i of the matrix of y ↦ y·χ over GF(2).
struct ChiTable([Gf; 208]);

impl ChiTable {
    fn new(chi: Gf) -> ChiTable {
        let mut t = [Gf::default(); 208];
        let mut a = chi.0;
        for e in t.iter_mut() {
            *e = Gf(a);
            a = times_x(a);
        }
        ChiTable(t)
    }
}

/// a·X mod P: bit 207 carries into X^9 + X^3 + X + 1.
fn times_x(mut a: [u64; 4]) -> [u64; 4] {
    let carry = 0u64.wrapping_sub((a[3] >> 15) & 1);
    a[3] = ((a[3] << 1) | (a[2] >> 63)) & 0xffff;
    a[2] = (a[2] << 1) | (a[1] >> 63);
    a[1] = (a[1] << 1) | (a[0] >> 63);
    a[0] = (a[0] << 1) ^ (0x20b & carry);
    a
}

/// Fold(y) = y1·χ1 ⊕ y2·χ2 ⊕ y3 over the three 208-bit blocks of a row (spec §2.4 "Check").
fn fold(y: &[u8], chi: &[ChiTable; 2]) -> Gf {
    Gf::from_bytes(&y[..26])
        .mul(chi[0].0[0])
        .xor(Gf::from_bytes(&y[26..52]).mul(chi[1].0[0]))
        .xor(Gf::from_bytes(&y[52..78]))
}

/// Fold of all 256 rows at once, from their 624 columns (`cols[c]` = bit c of every row).
/// Column j of y·χ is the XOR of the columns i of y for which bit j of χ·X^i is set: a GF(2)
/// matrix product, done by the method of the Four Russians, 8 columns of y at a time (their 256
/// XOR combinations tabulated, then one lookup per output column). The lookup indices are bits
/// of the public χ; the secret columns are only XORed. Returns the 256 folds as rows.
fn fold_rows(cols: &[[u8; 32]], chi: &[ChiTable; 2]) -> Zeroizing<Vec<[u8; SIGMA_BYTES]>> {
    let word = |c: &[u8; 32]| -> [u64; 4] {
        [0, 1, 2, 3].map(|w| u64::from_le_bytes(c[8 * w..8 * w + 8].try_into().unwrap()))
    };
    let mut out = Zeroizing::new(
        (0..208)
            .map(|j| word(&cols[416 + j]))
            .collect::<Vec<[u64; 4]>>(),
    );
    let mut combos = Zeroizing::new([[0u64; 4]; 256]);
    for (b, table) in chi.iter().enumerate() {
        // Row j of the matrix (bit i = bit j of χ·X^i), byte c holding columns 8c..8c+8.
        let multiples: Vec<u8> = table.0.iter().flat_map(|m| m.to_bytes()).collect();
        let matrix = transpose_bits(&multiples, 208, SIGMA_BYTES);
        for c in 0..SIGMA_BYTES {
            let mut eight = Zeroizing::new([[0u64; 4]; 8]);
            for (t, e) in eight.iter_mut().enumerate() {
                *e = word(&cols[208 * b + 8 * c + t]);
            }
            for v in 1..256usize {
                let (rest, low) = (v & (v - 1), v.trailing_zeros() as usize);
                for w in 0..4 {
                    combos[v][w] = combos[rest][w] ^ eight[low][w];
                }
            }
            for (j, o) in out.iter_mut().enumerate() {
                let pick = &combos[usize::from(matrix[j * SIGMA_BYTES + c])];
                for w in 0..4 {
                    o[w] ^= pick[w];
                }
            }
        }
    }
    let flat = Zeroizing::new(
        out.iter()
            .flat_map(|o| o.iter().flat_map(|w| w.to_le_bytes()))
            .collect::<Vec<u8>>(),
    );
    let rows = Zeroizing::new(transpose_bits(&flat, 208, 32));
    Zeroizing::new(
        rows.chunks_exact(SIGMA_BYTES)
            .map(|r| r.try_into().unwrap())
            .collect(),
    )
}

/// PRG(k_l) (spec §2.4 "Extend"): 78 XOF bytes of the session's PRG oracle over (be16 l, k_l).
fn prg(oracle: &Oracle, l: usize, k: &[u8; 32]) -> [u8; ROW] {
    let mut out = [0u8; ROW];
    oracle.fill(&[&(l as u16).to_be_bytes(), k], &mut out);
    out
}

fn prg_oracle(sid_ext: &[u8; 32]) -> Oracle {
    Oracle::new(tag::blake3::OT_EXT_PRG, sid_ext)
}

/// (χ1, χ2) of the check (spec §2.4 "Check"): 52 XOF bytes over Bob's u, in one pass.
fn chis(sid_ext: &[u8; 32], u: &[u8]) -> [ChiTable; 2] {
    let mut out = [0u8; 2 * SIGMA_BYTES];
    Oracle::new(tag::blake3::OT_EXT_CHI, sid_ext).fill(&[u], &mut out);
    [
        ChiTable::new(Gf::from_bytes(&out[..SIGMA_BYTES])),
        ChiTable::new(Gf::from_bytes(&out[SIGMA_BYTES..])),
    ]
}

fn bit(bytes: &[u8], i: usize) -> u8 {
    (bytes[i / 8] >> (i % 8)) & 1
}

/// Transposes a bit matrix of `rows` rows of `row_bytes` bytes (bit j of byte b is column
/// 8b + j) into 8·`row_bytes` rows of `rows`/8 bytes, 8×8 bits at a time: three delta swaps on a
/// u64 whose byte i is row i.
fn transpose_bits(src: &[u8], rows: usize, row_bytes: usize) -> Vec<u8> {
    let out_bytes = rows / 8;
    let mut out = vec![0u8; 8 * row_bytes * out_bytes];
    for g in 0..out_bytes {
        for byte in 0..row_bytes {
            let mut x = 0u64;
            for i in 0..8 {
                x |= u64::from(src[(8 * g + i) * row_bytes + byte]) << (8 * i);
            }
            let t = (x ^ (x >> 7)) & 0x00aa_00aa_00aa_00aa;
            x ^= t ^ (t << 7);
            let t = (x ^ (x >> 14)) & 0x0000_cccc_0000_cccc;
            x ^= t ^ (t << 14);
            let t = (x ^ (x >> 28)) & 0x0000_0000_f0f0_f0f0;
            x ^= t ^ (t << 28);
            for j in 0..8 {
                out[(8 * byte + j) * out_bytes + g] = (x >> (8 * j)) as u8;
            }
        }
    }
    out
}

/// The 624 columns of the 256 rows, 256 bits each (bit l of column c is bit c of row l).
fn transpose(rows: &[[u8; ROW]]) -> Zeroizing<Vec<[u8; 32]>> {
    let flat = Zeroizing::new(rows.concat());
    let t = Zeroizing::new(transpose_bits(&flat, KAPPA, ROW));
    Zeroizing::new(t.chunks_exact(32).map(|c| c.try_into().unwrap()).collect())
}

/// The pads P_{k,0..3} of one column (spec §2.4 "Pads", the random oracle turning a column
/// into W scalars): four scalars from one XOF of the session's pad oracle over (be16 k, column).
pub fn pads(oracle: &Oracle, k: usize, column: &[u8; 32]) -> [Scalar; WIDTH] {
    oracle.scalars(&[&(k as u16).to_be_bytes(), column])
}

/// The pad oracle of a run; `sid_pad` binds both nonces.
pub fn pad_oracle(sid_pad: &[u8; 32]) -> Oracle {
    Oracle::new(tag::blake3::OT_EXT_RANDOMIZE, sid_pad)
}

/// Bob's side after sending: his choice bits β and his columns t^k (secret).
pub struct BobExtension {
    /// β as 52 bytes (bit k = β_k).
    pub beta: Zeroizing<[u8; XI / 8]>,
    columns: Zeroizing<Vec<[u8; 32]>>,
}

impl BobExtension {
    /// Bob's pads P_{k,w} = P_{β_k, k, w} (spec §2.4 "Pads").
    pub fn pads(&self, sid_pad: &[u8; 32]) -> Zeroizing<Vec<[Scalar; WIDTH]>> {
        let oracle = pad_oracle(sid_pad);
        Zeroizing::new(
            self.columns
                .iter()
                .enumerate()
                .map(|(k, c)| pads(&oracle, k, c))
                .collect(),
        )
    }
}

/// Bob: extends with random choice bits β; returns his state and the message (u, x̃, t̃).
pub fn bob_extend(
    sid_ext: &[u8; 32],
    keys: &[([u8; 32], [u8; 32])],
    rng: &mut ChaCha20Rng,
) -> (BobExtension, Vec<u8>) {
    let mut x = Zeroizing::new([0u8; ROW]);
    rng.fill_bytes(&mut x[..]);
    let mut beta = Zeroizing::new([0u8; XI / 8]);
    beta.copy_from_slice(&x[..XI / 8]);
    let mut msg = vec![0u8; MSG_LEN];
    let mut t0 = Zeroizing::new(Vec::with_capacity(KAPPA));
    let oracle = prg_oracle(sid_ext);
    for (l, (k0, k1)) in keys.iter().enumerate() {
        let (a, b) = (prg(&oracle, l, k0), prg(&oracle, l, k1));
        for j in 0..ROW {
            msg[l * ROW + j] = a[j] ^ b[j] ^ x[j];
        }
        t0.push(a);
    }
    let chi = chis(sid_ext, &msg[..KAPPA * ROW]);
    let at = KAPPA * ROW;
    msg[at..at + SIGMA_BYTES].copy_from_slice(&fold(&x[..], &chi).to_bytes());
    let mut columns = transpose(&t0);
    for (l, t) in fold_rows(&columns, &chi).iter().enumerate() {
        let o = at + SIGMA_BYTES + l * SIGMA_BYTES;
        msg[o..o + SIGMA_BYTES].copy_from_slice(t);
    }
    columns.truncate(XI);
    (BobExtension { beta, columns }, msg)
}

/// Alice: checks Bob's message (constant time) and returns her pads (P0_{k,w}, P1_{k,w}).
/// A failed check means Bob cheated (or used another `sid_ext`): the caller must ban him (spec §2.4).
pub fn alice_receive(
    sid_ext: &[u8; 32],
    sid_pad: &[u8; 32],
    delta: &[u8; 32],
    keys: &[[u8; 32]],
    msg: &[u8],
) -> Result<Zeroizing<Vec<[(Scalar, Scalar); WIDTH]>>> {
    if msg.len() != MSG_LEN || keys.len() != KAPPA {
        return Err(Error::local(
            ErrorCode::InvalidLength,
            "OT-extension message has the wrong length",
        ));
    }
    let u = &msg[..KAPPA * ROW];
    let chi = chis(sid_ext, u);
    let x_tilde = Gf::from_bytes(&msg[KAPPA * ROW..KAPPA * ROW + SIGMA_BYTES]);
    let mut rows = Zeroizing::new(Vec::with_capacity(KAPPA));
    let oracle = prg_oracle(sid_ext);
    for (l, k) in keys.iter().enumerate() {
        let mask = 0u8.wrapping_sub(bit(delta, l));
        let p = prg(&oracle, l, k);
        let mut q = [0u8; ROW];
        for j in 0..ROW {
            q[j] = (u[l * ROW + j] & mask) ^ p[j];
        }
        rows.push(q);
    }
    let cols = transpose(&rows);
    let mut bad = 0u8;
    for (l, folded) in fold_rows(&cols, &chi).iter().enumerate() {
        let o = KAPPA * ROW + SIGMA_BYTES + l * SIGMA_BYTES;
        let t_tilde = Gf::from_bytes(&msg[o..o + SIGMA_BYTES]);
        let m64 = 0u64.wrapping_sub(u64::from(bit(delta, l)));
        let expected = t_tilde.xor(Gf([
            x_tilde.0[0] & m64,
            x_tilde.0[1] & m64,
            x_tilde.0[2] & m64,
            x_tilde.0[3] & m64,
        ]));
        bad |= !folded.ct_eq(&expected.to_bytes()).unwrap_u8() & 1;
    }
    if bad != 0 {
        return Err(Error::local(
            ErrorCode::ConsistencyCheckFailed,
            "OT-extension consistency check failed",
        ));
    }
    let oracle = pad_oracle(sid_pad);
    Ok(Zeroizing::new(
        cols.iter()
            .take(XI)
            .enumerate()
            .map(|(k, q)| {
                let mut q_delta = Zeroizing::new([0u8; 32]);
                for j in 0..32 {
                    q_delta[j] = q[j] ^ delta[j];
                }
                let (p0, p1) = (pads(&oracle, k, q), pads(&oracle, k, &q_delta));
                [0, 1, 2, 3].map(|w| (p0[w], p1[w]))
            })
            .collect(),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::common::rng;

    const SID_EXT: [u8; 32] = [2; 32];
    const SID_PAD: [u8; 32] = [4; 32];

    /// Base-OT keys as the DKG leaves them: Alice holds k_{Δ_l} of Bob's (k0_l, k1_l).
    pub(crate) fn correlation(
        rng: &mut ChaCha20Rng,
    ) -> (Vec<([u8; 32], [u8; 32])>, [u8; 32], Vec<[u8; 32]>) {
        let mut bob = vec![([0u8; 32], [0u8; 32]); KAPPA];
        for (k0, k1) in bob.iter_mut() {
            rng.fill_bytes(k0);
            rng.fill_bytes(k1);
        }
        let mut delta = [0u8; 32];
        rng.fill_bytes(&mut delta);
        let alice = bob
            .iter()
            .enumerate()
            .map(|(l, (k0, k1))| if bit(&delta, l) == 1 { *k1 } else { *k0 })
            .collect();
        (bob, delta, alice)
    }

    /// Both sides evaluate the PRG and the pad oracle: Bob's pad is Alice's pad of his choice bit
    /// and never her other one. A change on one side only of either oracle fails here.
    #[test]
    fn bobs_pads_are_alices_pads_of_his_choice_bits() {
        let mut rng = rng::from_seed(&[31; 32]).unwrap();
        let (bob_keys, delta, alice_keys) = correlation(&mut rng);
        let (bob, msg) = bob_extend(&SID_EXT, &bob_keys, &mut rng);
        let alice = alice_receive(&SID_EXT, &SID_PAD, &delta, &alice_keys, &msg).unwrap();
        let mine = bob.pads(&SID_PAD);
        for k in 0..XI {
            for w in 0..WIDTH {
                let (p0, p1) = alice[k][w];
                let (chosen, other) = if bit(&bob.beta[..], k) == 1 {
                    (p1, p0)
                } else {
                    (p0, p1)
                };
                assert_eq!(mine[k][w], chosen, "column {k} pad {w}");
                assert_ne!(mine[k][w], other, "column {k} pad {w}");
            }
        }
        // A pad oracle of another run gives Bob other pads.
        assert_ne!(bob.pads(&[5; 32])[0][0], mine[0][0]);
    }

    /// χ feeds Alice's check: one flipped bit anywhere in u, x̃ or t̃ fails it, typed.
    #[test]
    fn a_flipped_bit_of_u_x_or_t_fails_alices_check() {
        let mut rng = rng::from_seed(&[32; 32]).unwrap();
        let (bob_keys, delta, alice_keys) = correlation(&mut rng);
        let (_, msg) = bob_extend(&SID_EXT, &bob_keys, &mut rng);
        let x_at = KAPPA * ROW;
        let t_at = x_at + SIGMA_BYTES;
        for at in [
            0,
            ROW - 1,
            100 * ROW + 40,
            x_at - 1,
            x_at,
            x_at + 25,
            t_at,
            MSG_LEN - 1,
        ] {
            for b in [0u8, 7] {
                let mut bad = msg.clone();
                bad[at] ^= 1 << b;
                let err = alice_receive(&SID_EXT, &SID_PAD, &delta, &alice_keys, &bad)
                    .err()
                    .unwrap_or_else(|| panic!("flip at byte {at} bit {b} accepted"));
                assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed, "byte {at}");
            }
        }
        // Bob's PRG under another extension session disagrees with Alice's: refused.
        let (_, other) = bob_extend(&[6; 32], &bob_keys, &mut rng);
        let err = alice_receive(&SID_EXT, &SID_PAD, &delta, &alice_keys, &other)
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::ConsistencyCheckFailed);
    }

    /// The all-rows fold and the 8×8 transpose against their row-by-row, bit-by-bit definitions.
    #[test]
    fn fold_of_all_rows_and_transpose_match_their_definitions() {
        let mut rng = rng::from_seed(&[33; 32]).unwrap();
        let mut rows = vec![[0u8; ROW]; KAPPA];
        for r in rows.iter_mut() {
            rng.fill_bytes(r);
        }
        let cols = transpose(&rows);
        assert_eq!(cols.len(), 8 * ROW);
        for (c, col) in cols.iter().enumerate() {
            for (l, row) in rows.iter().enumerate() {
                assert_eq!(bit(col, l), bit(row, c), "row {l} column {c}");
            }
        }
        let chi = chis(&SID_EXT, &[7; 100]);
        for (l, folded) in fold_rows(&cols, &chi).iter().enumerate() {
            assert_eq!(*folded, fold(&rows[l], &chi).to_bytes(), "row {l}");
        }
    }
}
