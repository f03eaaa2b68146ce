/**
 * The peer envelope every node message travels in. Canonical bytes
 *   magic "TSR1" | kind u8 | session[32] | round u8 | from u16 | to u16 | seq u32 | nonce[24] |
 *   length u32 | body | signature[64]
 * where `from`/`to` are manifest indices (to = 0: broadcast to the session's parties), the
 * Ed25519 signature covers every byte before it, and a direct message's body is sealed with
 * XChaCha20-Poly1305 under a key from X25519(from, to) bound to the session (header as AAD).
 * @module
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PrivateIdentity } from './identity.ts';
import type { Manifest } from './manifest.ts';

const MAGIC = [0x54, 0x53, 0x52, 0x31];
const HEADER = 4 + 1 + 32 + 1 + 2 + 2 + 4 + 24 + 4;
/** Largest envelope accepted; anything larger is dropped before parsing. */
export const MAX_ENVELOPE = 256 * 1024;

/** What an envelope carries. */
export const KIND = { protocol: 1, abort: 2 } as const;

/** A verified, opened envelope. */
export interface Opened {
  kind: number;
  session: Uint8Array;
  round: number;
  from: number;
  to: number;
  seq: number;
  body: Uint8Array;
}

/** Why an envelope was rejected; `culprit` is the claimed sender's node id when known. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
  constructor(readonly code: 'OVERSIZED' | 'MALFORMED' | 'UNKNOWN_SENDER' | 'BAD_SIGNATURE' | 'NOT_FOR_ME' | 'DECRYPT_FAILED', message: string, readonly culprit?: string) {
    super(message);
  }
}

function pairKey(me: PrivateIdentity, peerX25519: string, session: Uint8Array, from: number, to: number): Uint8Array {
  const shared = x25519.getSharedSecret(me.x25519Secret, hexToBytes(peerX25519));
  return hkdf(sha256, shared, session, new TextEncoder().encode(`tessera/p2p/v1/${from}/${to}`), 32);
}

/** Seals and signs an envelope from `me` (manifest index `from`). */
export function seal(manifest: Manifest, me: PrivateIdentity, from: number, e: { kind: number; session: Uint8Array; round: number; to: number; seq: number; body: Uint8Array }): Uint8Array {
  const nonce = e.to === 0 ? new Uint8Array(24) : crypto.getRandomValues(new Uint8Array(24));
  const head = new Uint8Array(HEADER);
  const v = new DataView(head.buffer);
  head.set(MAGIC);
  head[4] = e.kind;
  head.set(e.session, 5);
  head[37] = e.round;
  v.setUint16(38, from);
  v.setUint16(40, e.to);
  v.setUint32(42, e.seq);
  head.set(nonce, 46);
  let body = e.body;
  if (e.to !== 0) {
    const peer = manifest.nodes[e.to - 1];
    if (!peer) throw new RangeError(`no node with index ${e.to}`);
    body = xchacha20poly1305(pairKey(me, peer.x25519, e.session, from, e.to), nonce, head.slice(0, 70)).encrypt(e.body);
  }
  v.setUint32(70, body.length);
  const unsigned = new Uint8Array(HEADER + body.length);
  unsigned.set(head);
  unsigned.set(body, HEADER);
  const sig = ed25519.sign(unsigned, me.ed25519Secret);
  const out = new Uint8Array(unsigned.length + 64);
  out.set(unsigned);
  out.set(sig, unsigned.length);
  return out;
}

/** Verifies (size, shape, sender, signature, addressee) and opens an envelope for node `me`. */
export function open(manifest: Manifest, me: PrivateIdentity, meIndex: number, bytes: Uint8Array): Opened {
  if (bytes.length > MAX_ENVELOPE) throw new EnvelopeError('OVERSIZED', `envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE}`);
  if (bytes.length < HEADER + 64 || MAGIC.some((b, i) => bytes[i] !== b)) throw new EnvelopeError('MALFORMED', 'not a Tessera envelope');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = v.getUint16(38);
  const to = v.getUint16(40);
  const len = v.getUint32(70);
  const sender = manifest.nodes[from - 1];
  if (!sender) throw new EnvelopeError('UNKNOWN_SENDER', `sender index ${from} is not in the cluster manifest`);
  if (HEADER + len + 64 !== bytes.length) throw new EnvelopeError('MALFORMED', 'envelope length field does not match', sender.nodeId);
  const unsigned = bytes.subarray(0, HEADER + len);
  if (!ed25519.verify(bytes.subarray(HEADER + len), unsigned, hexToBytes(sender.ed25519))) {
    throw new EnvelopeError('BAD_SIGNATURE', `signature does not verify under ${sender.nodeId}'s key`, sender.nodeId);
  }
  if (to !== 0 && to !== meIndex) throw new EnvelopeError('NOT_FOR_ME', `envelope for index ${to} delivered to ${meIndex}`, sender.nodeId);
  const session = bytes.slice(5, 37);
  let body = bytes.slice(HEADER, HEADER + len);
  if (to !== 0) {
    try {
      body = xchacha20poly1305(pairKey(me, sender.x25519, session, from, to), bytes.slice(46, 70), bytes.slice(0, 70)).decrypt(body);
    } catch {
      throw new EnvelopeError('DECRYPT_FAILED', 'direct message does not decrypt', sender.nodeId);
    }
  }
  return { kind: bytes[4]!, session, round: bytes[37]!, from, to, seq: v.getUint32(42), body };
}
