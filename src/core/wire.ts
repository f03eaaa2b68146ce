/**
 * The envelope the core puts on every peer message (see wasm/src/wire.rs): a 39-byte header
 * `version | protocol | session[32] | round | sender u16 | receiver u16` then the payload.
 * The host reads headers only to route; the core validates everything.
 * @module
 */

/** Envelope version (`WIRE_VERSION` in wasm/src/common/wire.rs). */
export const WIRE_VERSION = 2;
/** Header length in bytes. */
export const HEADER_LEN = 39;
/** Receiver id of a broadcast. */
export const BROADCAST = 0;
/** Protocol tags. */
export const PROTOCOL = {
  frostEd25519Dkg: 1,
  frostEd25519Sign: 2,
  ecdsaDkg: 3,
  ecdsaSign: 4,
  ecdsaRefresh: 5,
  ecdsaReshare: 6,
  frostEd25519Reshare: 7,
  ecdsaPresign: 8,
  ecdsaPresigned: 9,
  frostEd25519Presign: 10,
  frostEd25519Presigned: 11,
} as const;

/** Routing view of a message. */
export interface MessageHeader {
  version: number;
  protocol: number;
  session: Uint8Array;
  round: number;
  sender: number;
  receiver: number;
}

/** A message produced by a round, with its routing fields. */
export interface OutgoingMessage {
  /** Sending party id. */
  from: number;
  /** Receiving party id, or `BROADCAST` (0). */
  to: number;
  /** Round number. */
  round: number;
  /** The full envelope bytes to deliver. */
  bytes: Uint8Array;
}

/** Where each header field starts (big-endian u16 for sender and receiver). */
const AT = { version: 0, protocol: 1, session: 2, round: 34, sender: 35, receiver: 37 } as const;

/** Reads the header of an envelope (throws on a buffer shorter than the header). */
export function parseHeader(msg: Uint8Array): MessageHeader {
  if (msg.length < HEADER_LEN)
    throw new RangeError(
      `message of ${msg.length} bytes is shorter than the ${HEADER_LEN}-byte header`,
    );
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  return {
    version: msg[AT.version]!,
    protocol: msg[AT.protocol]!,
    session: msg.slice(AT.session, AT.round),
    round: msg[AT.round]!,
    sender: view.getUint16(AT.sender),
    receiver: view.getUint16(AT.receiver),
  };
}

/** The sender party id a message claims, or -1 for a buffer shorter than the header (no copy). */
export function claimedSender(msg: Uint8Array): number {
  return msg.length >= HEADER_LEN ? (msg[AT.sender]! << 8) | msg[AT.sender + 1]! : -1;
}

/** Splits the core's framed output `count u16 | (len u32 | bytes)*` into envelopes. */
export function unframe(buf: Uint8Array): OutgoingMessage[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = view.getUint16(0);
  const out: OutgoingMessage[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at);
    const bytes = buf.slice(at + 4, at + 4 + len);
    const h = parseHeader(bytes);
    out.push({ from: h.sender, to: h.receiver, round: h.round, bytes });
    at += 4 + len;
  }
  return out;
}
