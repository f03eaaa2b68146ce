/**
 * Offsets of the envelope header fields (src/core/wire.ts, wasm/src/wire.rs), for tests that
 * patch one field: `version | protocol | session[32] | round | sender u16 | receiver u16`.
 */
import { HEADER_LEN } from '../../src/core/wire.ts';

export { HEADER_LEN, PROTOCOL } from '../../src/core/wire.ts';

/** Byte offset of each header field. */
export const AT = {
  version: 0,
  protocol: 1,
  session: 2,
  round: 34,
  sender: 35,
  receiver: 37,
  payload: HEADER_LEN,
} as const;

/** A u16 header field's two bytes, big-endian. */
export const u16 = (n: number): number[] => [n >> 8, n & 0xff];
