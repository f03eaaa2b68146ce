/** Byte helpers for crafting hostile messages in tests. */
import { ed25519 } from '@noble/curves/ed25519.js';

/** The Ed25519 group order. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** 32-byte little-endian encoding of `n` (not reduced). */
export function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Reads a 32-byte little-endian integer. */
export function readLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** Hex to bytes. */
export function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** A copy of `msg` with `bytes` written at `offset`. */
export function patch(msg: Uint8Array, offset: number, bytes: Uint8Array | number[]): Uint8Array {
  const out = msg.slice();
  out.set(bytes, offset);
  return out;
}

/** Hostile point encodings: identity, small-order, non-canonical, off-curve, mixed-order. */
export const hostilePoints: Record<string, Uint8Array> = {
  identity: le32(1n),
  'order-2 point': hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  'order-4 point': le32(0n),
  'non-canonical y = p + 1': hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  'mixed-order point (B + T2)': ed25519.Point.BASE.add(ed25519.Point.fromBytes(hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBytes(),
  'off-curve': offCurve(),
};

function offCurve(): Uint8Array {
  for (let y = 2n; ; y++) {
    const b = le32(y);
    try {
      ed25519.Point.fromBytes(b);
    } catch {
      return b;
    }
  }
}

/** Hostile scalar encodings: q, q + 1, 2^256 − 1. */
export const hostileScalars: Record<string, Uint8Array> = {
  q: le32(L),
  'q + 1': le32(L + 1n),
  '2^256 - 1': le32(2n ** 256n - 1n),
};
