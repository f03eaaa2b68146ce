/** Byte helpers for crafting hostile messages in tests. */

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
