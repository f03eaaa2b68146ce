/**
 * Hostile input shared by the protocol suites: per-curve encodings of the points and scalars a
 * peer message carries (each must be refused as INVALID_POINT or INVALID_SCALAR wherever it
 * appears) and the header attacks every envelope must survive.
 */
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CoreError } from '../../src/core/index.ts';
import { WIRE_VERSION } from '../../src/core/wire.ts';
import { hex, L, le32, patch } from './bytes.ts';
import { AT, HEADER_LEN, PROTOCOL, u16 } from './header.ts';
import { rejects } from './rejects.ts';

/** Named hostile encodings of one curve. */
export interface HostileEncodings {
  points: Record<string, Uint8Array>;
  scalars: Record<string, Uint8Array>;
}

const ORDER_2 = hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

/** Ed25519 (32-byte little-endian): identity, small-order, non-canonical, off-curve, mixed-order. */
export const ed25519Hostile: HostileEncodings = {
  points: {
    identity: le32(1n),
    'order-2 point': ORDER_2,
    'order-4 point': le32(0n),
    'non-canonical y = p + 1': hex(
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ),
    'mixed-order point (B + T2)': ed25519.Point.BASE.add(
      ed25519.Point.fromBytes(ORDER_2),
    ).toBytes(),
    'off-curve': firstOffCurve(),
  },
  scalars: { q: le32(L), 'q + 1': le32(L + 1n), '2^256 - 1': le32(2n ** 256n - 1n) },
};

const N = secp256k1.Point.Fn.ORDER;
const be32 = (n: bigint) => hex(n.toString(16).padStart(64, '0'));

/** secp256k1 (33-byte compressed points, 32-byte big-endian scalars). */
export const secp256k1Hostile: HostileEncodings = {
  points: {
    'identity (33 zero bytes)': new Uint8Array(33),
    'bad prefix': Uint8Array.from([5, ...secp256k1.Point.BASE.toBytes(true).slice(1)]),
    'x >= p': Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]),
    'off-curve x': Uint8Array.from([2, ...new Uint8Array(31), 5]),
  },
  scalars: { q: be32(N), 'q + 1': be32(N + 1n), '2^256 - 1': new Uint8Array(32).fill(0xff) },
};

/** The first y whose encoding is no Ed25519 point. */
function firstOffCurve(): Uint8Array {
  for (let y = 2n; ; y++) {
    const b = le32(y);
    try {
      ed25519.Point.fromBytes(b);
    } catch {
      return b;
    }
  }
}

/**
 * Header-level attacks every message of every round must survive: truncated, extended, empty,
 * header-only, oversized and garbage envelopes; wrong version, protocol, session, round and
 * receiver; senders that are 0, unknown, out of range or the receiver itself. Each is refused
 * naming `sender` (or no one, when the header itself does not parse).
 */
export function envelopeAttacks(
  receive: (m: Uint8Array) => void,
  m: Uint8Array,
  sender: number,
  me: number,
): void {
  rejects(() => receive(m.slice(0, -1)), 'INVALID_LENGTH', [sender]);
  rejects(() => receive(Uint8Array.from([...m, 0])), 'INVALID_LENGTH', [sender]);
  rejects(() => receive(new Uint8Array(0)), 'DECODE', []);
  rejects(() => receive(m.slice(0, HEADER_LEN)), 'INVALID_LENGTH', [sender]);
  rejects(() => receive(m.slice(0, 20)), 'DECODE', []);
  rejects(() => receive(new Uint8Array(200_000)), 'DECODE', []);
  assert.throws(() => receive(crypto.getRandomValues(new Uint8Array(200))), CoreError);
  assert.equal(m[AT.version], WIRE_VERSION, 'the core and src/core/wire.ts agree on the version');
  for (const version of [0, WIRE_VERSION - 1, WIRE_VERSION + 1, 255])
    rejects(() => receive(patch(m, AT.version, [version])), 'UNSUPPORTED_VERSION', [sender]);
  for (const tag of Object.values(PROTOCOL))
    if (tag !== m[AT.protocol])
      rejects(() => receive(patch(m, AT.protocol, [tag])), 'WRONG_PROTOCOL', [sender]);
  rejects(
    () => receive(patch(m, AT.session, crypto.getRandomValues(new Uint8Array(32)))),
    'WRONG_SESSION',
    [sender],
  );
  rejects(() => receive(patch(m, AT.round, [m[AT.round]! + 1])), 'WRONG_ROUND', [sender]);
  rejects(() => receive(patch(m, AT.receiver, u16(me === 3 ? 4 : 3))), 'WRONG_RECEIVER', [sender]);
  for (const id of [0, 9, 77, 65535, me])
    rejects(() => receive(patch(m, AT.sender, u16(id))), 'UNKNOWN_SENDER', [id]);
}
