/** Independent secp256k1 checks for tests: @noble/curves, node:crypto and public-key recovery. */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

const N = secp256k1.Point.Fn.ORDER;
const SPKI_PREFIX = Uint8Array.from(
  Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex'),
);

/** A 32-byte digest of `text` (the caller hashes; Tessera signs digests). */
export function digestOf(text: string): { message: Uint8Array; digest: Uint8Array } {
  const message = new TextEncoder().encode(text);
  return { message, digest: sha256(message) };
}

/** @noble/curves verification of a 64-byte r‖s over a digest. */
export function nobleVerify(sig: Uint8Array, digest: Uint8Array, pk: Uint8Array): boolean {
  return secp256k1.verify(sig, digest, pk, { prehash: false });
}

/**
 * Verification by the runtime's node:crypto (OpenSSL on Node and Deno): DER signature, SPKI key,
 * over the message whose SHA-256 is the digest. Bun's node:crypto (BoringSSL) has no secp256k1,
 * so there the same DER and SPKI bytes go to the OpenSSL command line instead.
 */
export function nodeCryptoVerify(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean {
  const spki = Buffer.concat([SPKI_PREFIX, secp256k1.Point.fromBytes(pk).toBytes(false)]);
  const der = secp256k1.Signature.fromBytes(sig, 'compact').toBytes('der');
  let key;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return opensslVerify(der, message, spki);
  }
  return verify('sha256', message, key, der);
}

function opensslVerify(der: Uint8Array, message: Uint8Array, spki: Uint8Array): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-openssl-'));
  try {
    writeFileSync(join(dir, 'pub.der'), spki);
    writeFileSync(join(dir, 'sig.der'), der);
    writeFileSync(join(dir, 'msg'), message);
    const r = spawnSync(
      'openssl',
      [
        'dgst',
        '-sha256',
        '-keyform',
        'DER',
        '-verify',
        join(dir, 'pub.der'),
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'msg'),
      ],
      { encoding: 'utf8' },
    );
    return r.status === 0 && r.stdout.includes('Verified OK');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The public key recovered from the signature and recovery id, compressed. */
export function recover(sig: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array {
  return secp256k1.Signature.fromBytes(sig, 'compact')
    .addRecoveryBit(recoveryId)
    .recoverPublicKey(digest)
    .toBytes(true);
}

/** Whether s is in the lower half of the group order. */
export function isLowS(sig: Uint8Array): boolean {
  return secp256k1.Signature.fromBytes(sig, 'compact').s <= N / 2n;
}

/** BIP32 CKDpub along `path`, computed independently of the core. */
export function deriveChild(
  pk: Uint8Array,
  chain: Uint8Array,
  path: number[],
): { publicKey: Uint8Array; chainCode: Uint8Array } {
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
