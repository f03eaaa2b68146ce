/**
 * The peer envelope every node message travels in. Canonical bytes
 *   magic "TSR2" | kind u8 | session[32] | round u8 | from u16 | to u16 | seq u32 | nonce[24] |
 *   length u32 | sealed body
 * where `from`/`to` are manifest indices and the body is sealed with XChaCha20-Poly1305 under
 * the directional pair key K(from→to) = HKDF-SHA256(X25519(from, to), info "tessera/pair/v2/from/to"),
 * with every header byte as associated data. Only `from` and `to` can compute that key, so a
 * valid tag authenticates the sender and binds the message to its session, round, receiver and
 * sequence number; a broadcast is sent as one such envelope per receiver (flag in `kind`).
 * Authentication is deniable (no third party can check it), which is all the protocol needs:
 * culprits are named by the receiver, never proven to others. The static X25519 secret is
 * computed once per peer, so a message costs one AEAD pass instead of an Ed25519 signature
 * and verification (≈ 5 ms each in JavaScript here).
 * @module
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PrivateIdentity } from '../identity/identity.ts';
import type { Manifest } from '../identity/manifest.ts';
import { KIND } from '../../protocol/peer.ts';

const MAGIC = [0x54, 0x53, 0x52, 0x32];
const HEADER = 4 + 1 + 32 + 1 + 2 + 2 + 4 + 24 + 4;
/** Largest envelope accepted; anything larger is dropped before parsing. */
export const MAX_ENVELOPE = 256 * 1024;

// The kind byte is the session driver's word (src/protocol/peer.ts); re-exported for the node's readers.
export { KIND };
/** Set in the kind byte of each receiver's copy of a broadcast. */
const BROADCAST_FLAG = 0x80;

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

/**
 * Why an envelope was rejected. Every check here runs before (or is) the tag check, so nothing
 * proves who sent it: anyone on the bus can write any sender index. It therefore names no
 * culprit; `claimedSender` is the index the bytes claim, for logs only.
 */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
  /** Never set: an envelope that does not open proves nothing about its sender. */
  readonly culprit: undefined = undefined;
  constructor(
    readonly code: 'OVERSIZED' | 'MALFORMED' | 'UNKNOWN_SENDER' | 'BAD_AUTH' | 'NOT_FOR_ME',
    message: string,
    readonly claimedSender?: number,
  ) {
    super(message);
  }
}

/** Directional pair keys, per identity (one X25519 per peer for the life of the process). */
const pairKeys = new WeakMap<PrivateIdentity, Map<string, Uint8Array>>();

function pairKey(me: PrivateIdentity, peerX25519: string, from: number, to: number): Uint8Array {
  const cache = pairKeys.get(me) ?? new Map<string, Uint8Array>();
  pairKeys.set(me, cache);
  const id = `${peerX25519}/${from}/${to}`;
  let k = cache.get(id);
  if (!k) {
    const shared = x25519.getSharedSecret(me.x25519Secret, hexToBytes(peerX25519));
    k = hkdf(
      sha256,
      shared,
      new TextEncoder().encode('tessera/pair/v2'),
      new TextEncoder().encode(`tessera/pair/v2/${from}/${to}`),
      32,
    );
    shared.fill(0);
    cache.set(id, k);
  }
  return k;
}

/** Seals an envelope from `me` (manifest index `from`) to node index `to`. */
export function seal(
  manifest: Manifest,
  me: PrivateIdentity,
  from: number,
  e: {
    kind: number;
    session: Uint8Array;
    round: number;
    to: number;
    seq: number;
    body: Uint8Array;
    broadcast?: boolean;
  },
): Uint8Array {
  const peer = manifest.nodes[e.to - 1];
  if (!peer) throw new RangeError(`no node with index ${e.to}`);
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const out = new Uint8Array(HEADER + e.body.length + 16);
  const v = new DataView(out.buffer);
  out.set(MAGIC);
  out[4] = e.kind | (e.broadcast ? BROADCAST_FLAG : 0);
  out.set(e.session, 5);
  out[37] = e.round;
  v.setUint16(38, from);
  v.setUint16(40, e.to);
  v.setUint32(42, e.seq);
  out.set(nonce, 46);
  v.setUint32(70, e.body.length + 16);
  out.set(
    xchacha20poly1305(pairKey(me, peer.x25519, from, e.to), nonce, out.subarray(0, HEADER)).encrypt(
      e.body,
    ),
    HEADER,
  );
  return out;
}

/** Checks (size, shape, sender, addressee, authentication tag) and opens an envelope for node `me`. */
export function open(
  manifest: Manifest,
  me: PrivateIdentity,
  meIndex: number,
  bytes: Uint8Array,
): Opened {
  if (bytes.length > MAX_ENVELOPE)
    throw new EnvelopeError(
      'OVERSIZED',
      `envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE}`,
    );
  if (bytes.length < HEADER + 16 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new EnvelopeError('MALFORMED', 'not a Tessera envelope');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = v.getUint16(38);
  const to = v.getUint16(40);
  const len = v.getUint32(70);
  const sender = manifest.nodes[from - 1];
  if (!sender)
    throw new EnvelopeError(
      'UNKNOWN_SENDER',
      `sender index ${from} is not in the cluster manifest`,
      from,
    );
  if (HEADER + len !== bytes.length)
    throw new EnvelopeError(
      'MALFORMED',
      `envelope claiming sender index ${from}: length field does not match`,
      from,
    );
  if (to !== meIndex)
    throw new EnvelopeError(
      'NOT_FOR_ME',
      `envelope claiming sender index ${from}, for index ${to}, delivered to ${meIndex}`,
      from,
    );
  let body: Uint8Array;
  try {
    body = xchacha20poly1305(
      pairKey(me, sender.x25519, from, to),
      bytes.slice(46, 70),
      bytes.slice(0, HEADER),
    ).decrypt(bytes.subarray(HEADER));
  } catch {
    throw new EnvelopeError(
      'BAD_AUTH',
      `envelope claiming sender index ${from} does not authenticate`,
      from,
    );
  }
  const kind = bytes[4]!;
  return {
    kind: kind & ~BROADCAST_FLAG,
    session: bytes.slice(5, 37),
    round: bytes[37]!,
    from,
    to: kind & BROADCAST_FLAG ? 0 : to,
    seq: v.getUint32(42),
    body,
  };
}
