/** Independent secp256k1 checks for tests: @noble/curves, node:crypto and public-key recovery. */
import { createPublicKey, verify } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

const N = secp256k1.Point.Fn.ORDER;
const SPKI_PREFIX = Uint8Array.from(Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex'));

/** A 32-byte digest of `text` (the caller hashes; Tessera signs digests). */
export function digestOf(text: string): { message: Uint8Array; digest: Uint8Array } {
  const message = new TextEncoder().encode(text);
  return { message, digest: sha256(message) };
}

/** @noble/curves verification of a 64-byte r‖s over a digest. */
export function nobleVerify(sig: Uint8Array, digest: Uint8Array, pk: Uint8Array): boolean {
  return secp256k1.verify(sig, digest, pk, { prehash: false });
}

/** node:crypto verification: DER signature, SPKI key, over the message whose SHA-256 is the digest. */
export function nodeCryptoVerify(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean {
  const uncompressed = secp256k1.Point.fromBytes(pk).toBytes(false);
  const der = secp256k1.Signature.fromBytes(sig, 'compact').toBytes('der');
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, uncompressed]), format: 'der', type: 'spki' });
  return verify('sha256', message, key, der);
}

/** The public key recovered from the signature and recovery id, compressed. */
export function recover(sig: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array {
  return secp256k1.Signature.fromBytes(sig, 'compact').addRecoveryBit(recoveryId).recoverPublicKey(digest).toBytes(true);
}

/** Whether s is in the lower half of the group order. */
export function isLowS(sig: Uint8Array): boolean {
  return secp256k1.Signature.fromBytes(sig, 'compact').s <= N / 2n;
}

/** BIP32 CKDpub along `path`, computed independently of the core. */
export function deriveChild(pk: Uint8Array, chain: Uint8Array, path: number[]): { publicKey: Uint8Array; chainCode: Uint8Array } {
  let point = secp256k1.Point.fromBytes(pk);
  let c = chain;
  for (const index of path) {
    const data = new Uint8Array(37);
    data.set(point.toBytes(true));
    new DataView(data.buffer).setUint32(33, index);
    const i = hmac(sha512, c, data);
    const il = BigInt('0x' + Buffer.from(i.slice(0, 32)).toString('hex'));
    point = point.add(secp256k1.Point.BASE.multiply(il));
    c = i.slice(32);
  }
  return { publicKey: point.toBytes(true), chainCode: c };
}
