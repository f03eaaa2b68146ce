/* tslint:disable */
/* eslint-disable */
/**
 * Public facts of a key blob as JSON: `{"id","threshold","parties","groupPublicKey"}`.
 */
export function frostKeyInfo(key_blob: Uint8Array): string;
/**
 * Builds a key blob from externally produced shares (RFC 9591 Appendix C dealer output):
 * `verifying_shares` is every party's verifying share, 32 bytes each, in id order.
 */
export function frostKeyImport(threshold: number, parties: number, id: number, signing_share: Uint8Array, verifying_shares: Uint8Array, group_public_key: Uint8Array): Uint8Array;
/**
 * r" FROST DKG round one (commitments and proof of knowledge, broadcast).
 */
export class FrostDkgRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * Starts a DKG for `threshold` (minimum signers) of `parties` as party `me`.
   */
  constructor(session: Uint8Array, threshold: number, parties: number, me: number, seed: Uint8Array);
  /**
   * With every broadcast in, produces round two; this object is consumed.
   */
  advance(): FrostDkgRound2;
}
/**
 * r" FROST DKG round two (encrypted shares, direct).
 */
export class FrostDkgRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * With every share in, returns this party's key blob (for encrypted storage only).
   */
  finish(): Uint8Array;
}
/**
 * r" FROST signing round one (nonce commitments, broadcast).
 */
export class FrostSignRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * Starts signing `message` with the key in `key_blob` among `signers` (ascending ids).
   */
  constructor(key_blob: Uint8Array, session: Uint8Array, signers: Uint16Array, message: Uint8Array, seed: Uint8Array);
  /**
   * With every commitment in, consumes the nonces and produces this signer's share.
   */
  advance(): FrostSignRound2;
}
/**
 * r" FROST signing round two (signature shares, broadcast).
 */
export class FrostSignRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * RFC 9591 §4.4 binding factors as `(id u16 | rho [32])*`, ascending by id (public values).
   */
  bindingFactors(): Uint8Array;
  /**
   * With every share in and verified, returns the 64-byte Ed25519 signature.
   */
  finish(): Uint8Array;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
  readonly memory: WebAssembly.Memory;
  readonly __wbg_frostdkground1_free: (a: number, b: number) => void;
  readonly frostdkground1_outgoing: (a: number, b: number) => void;
  readonly frostdkground1_missing: (a: number, b: number) => void;
  readonly frostdkground1_receive: (a: number, b: number, c: number, d: number) => void;
  readonly __wbg_frostdkground2_free: (a: number, b: number) => void;
  readonly frostdkground2_outgoing: (a: number, b: number) => void;
  readonly frostdkground2_missing: (a: number, b: number) => void;
  readonly frostdkground2_receive: (a: number, b: number, c: number, d: number) => void;
  readonly __wbg_frostsignround1_free: (a: number, b: number) => void;
  readonly frostsignround1_outgoing: (a: number, b: number) => void;
  readonly frostsignround1_missing: (a: number, b: number) => void;
  readonly frostsignround1_receive: (a: number, b: number, c: number, d: number) => void;
  readonly __wbg_frostsignround2_free: (a: number, b: number) => void;
  readonly frostsignround2_outgoing: (a: number, b: number) => void;
  readonly frostsignround2_missing: (a: number, b: number) => void;
  readonly frostsignround2_receive: (a: number, b: number, c: number, d: number) => void;
  readonly frostdkground1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
  readonly frostdkground1_advance: (a: number, b: number) => void;
  readonly frostdkground2_finish: (a: number, b: number) => void;
  readonly frostsignround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number) => void;
  readonly frostsignround1_advance: (a: number, b: number) => void;
  readonly frostsignround2_bindingFactors: (a: number, b: number) => void;
  readonly frostsignround2_finish: (a: number, b: number) => void;
  readonly frostKeyInfo: (a: number, b: number, c: number) => void;
  readonly frostKeyImport: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
  readonly __wbindgen_add_to_stack_pointer: (a: number) => number;
  readonly __wbindgen_free: (a: number, b: number, c: number) => void;
  readonly __wbindgen_malloc: (a: number, b: number) => number;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;
/**
* Instantiates the given `module`, which can either be bytes or
* a precompiled `WebAssembly.Module`.
*
* @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
*
* @returns {InitOutput}
*/
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
* If `module_or_path` is {RequestInfo} or {URL}, makes a request and
* for everything else, calls `WebAssembly.instantiate` directly.
*
* @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
*
* @returns {Promise<InitOutput>}
*/
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
