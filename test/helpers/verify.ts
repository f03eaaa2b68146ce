/** Independent Ed25519 verifiers for tests: @noble/curves and node:crypto. */
import { createPublicKey, verify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';

const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** Verifies with @noble/curves (RFC 8032 / ZIP-215 off: strict). */
export function nobleVerify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  return ed25519.verify(sig, msg, pk);
}

/** Verifies with node:crypto (OpenSSL on Node, the runtime's own on Bun and Deno). */
export function nodeCryptoVerify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const der = new Uint8Array(SPKI_PREFIX.length + 32);
  der.set(SPKI_PREFIX);
  der.set(pk, SPKI_PREFIX.length);
  const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  return verify(null, msg, key, sig);
}
