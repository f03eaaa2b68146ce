/* tslint:disable */
/* eslint-disable */
/**
 * Public facts of a presignature blob as JSON: `{"id","signers","epoch","publicKey","bigR"}`.
 */
export function ecdsaPresignatureInfo(blob: Uint8Array): string;
/**
 * Public facts of an ECDSA key blob as JSON: `{"id","threshold","parties","publicKey","chainCode","epoch"}`.
 */
export function ecdsaKeyInfo(key_blob: Uint8Array): string;
/**
 * Public facts of a presignature blob as JSON: `{"id","signers","groupPublicKey"}`.
 */
export function frostPresignatureInfo(blob: Uint8Array): string;
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
 * Ed25519 (RFC 8032 §5.1.6) signature of `msg` under the 32-byte secret seed: 64 bytes
 * `R ‖ S`. Takes the seed by value so that the wasm heap copy can be zeroized after use.
 */
export function identitySign(secret: Uint8Array, msg: Uint8Array): Uint8Array;
/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7 with canonical, non-small-order `A` and `R`
 * and `S < ℓ`); false on any failure, including wrong lengths. Never throws.
 */
export function identityVerify(public_key: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
/**
 * The 32-byte Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5).
 */
export function identityPublicKey(secret: Uint8Array): Uint8Array;
/**
 * r" DKLs23 key generation or refresh, round one (commitments and base OTs, direct).
 */
export class EcdsaDkgRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Starts a DKLs23 key generation for `threshold` (minimum signers) of `parties` as `me`.
   */
  constructor(session: Uint8Array, threshold: number, parties: number, me: number, seed: Uint8Array);
  /**
   * With every round-one message in, finishes the base OTs and produces round two.
   */
  advance(seed: Uint8Array): EcdsaDkgRound2;
  /**
   * Starts a complete refresh of the key in `key_blob` (all parties take part; new session).
   */
  static refresh(key_blob: Uint8Array, session: Uint8Array, seed: Uint8Array): EcdsaDkgRound1;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" DKLs23 key generation or refresh, round two (openings, proofs, encrypted shares, direct).
 */
export class EcdsaDkgRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * With every share verified, computes the key and the confirmation broadcast.
   */
  advance(): EcdsaDkgRound3;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" DKLs23 key generation or refresh, round three (transcript confirmation, broadcast).
 */
export class EcdsaDkgRound3 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * With every confirmation matching, returns the key blob (for encrypted storage only).
   */
  finish(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" DKLs23 presigning round one (signing round one under the master key, direct).
 */
export class EcdsaPresignRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Starts a presigning among `signers` (message-independent signing rounds one and two).
   */
  constructor(key_blob: Uint8Array, session: Uint8Array, signers: Uint16Array, seed: Uint8Array);
  /**
   * With every round-one message in, runs the multiplications as Alice.
   */
  advance(seed: Uint8Array): EcdsaPresignRound2;
}
/**
 * r" DKLs23 presigning round two (signing round two, direct); finishes into a presignature.
 */
export class EcdsaPresignRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * With every round-two message in and checked, returns the presignature blob (secret:
   * store it encrypted and use it once).
   */
  finish(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" DKLs23 online signing with a presignature (bind, u'_i, w_i; broadcast).
 */
export class EcdsaPresignedRound {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Starts the online signing of `digest` under the child key at `path`, consuming the
   * presignature in `presignature_blob` (the host must never use it again).
   */
  constructor(presignature_blob: Uint8Array, session: Uint8Array, digest: Uint8Array, path: Uint32Array);
  /**
   * Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
   */
  finish(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" DKLs23 signing round one (nonce commitment and multiplication M1, direct).
 */
export class EcdsaSignRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Starts signing the 32-byte `digest` among `signers`, under the child key at `path`.
   */
  constructor(key_blob: Uint8Array, session: Uint8Array, signers: Uint16Array, digest: Uint8Array, path: Uint32Array, seed: Uint8Array);
  /**
   * With every round-one message in, runs the multiplications as Alice.
   */
  advance(seed: Uint8Array): EcdsaSignRound2;
}
/**
 * r" DKLs23 signing round two (multiplication M2 and consistency data, direct).
 */
export class EcdsaSignRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * With every round-two message in, runs all checks and produces (u_i, w_i).
   */
  advance(): EcdsaSignRound3;
}
/**
 * r" DKLs23 signing round three ((u_i, w_i), broadcast).
 */
export class EcdsaSignRound3 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
   */
  finish(): Uint8Array;
}
/**
 * r" FROST DKG round one (commitments and proof of knowledge, broadcast).
 */
export class FrostDkgRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Starts a DKG for `threshold` (minimum signers) of `parties` as party `me`.
   */
  constructor(session: Uint8Array, threshold: number, parties: number, me: number, seed: Uint8Array);
  /**
   * With every broadcast in, produces round two; this object is consumed.
   */
  advance(): FrostDkgRound2;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" FROST DKG round two (encrypted shares, direct).
 */
export class FrostDkgRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * With every share in, returns this party's key blob (for encrypted storage only).
   */
  finish(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" FROST presigning (nonce commitments ahead of the message, broadcast).
 */
export class FrostPresignRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Starts a presigning with the key in `key_blob` among `signers` (ascending ids).
   */
  constructor(key_blob: Uint8Array, session: Uint8Array, signers: Uint16Array, seed: Uint8Array);
  /**
   * With every commitment in, returns the presignature blob (secret: store it encrypted and
   * use it once).
   */
  finish(): Uint8Array;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" FROST online signing with a presignature (bind and signature share, broadcast).
 */
export class FrostPresignedRound {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * Starts the online signing of `message` with the key in `key_blob`, consuming the
   * presignature in `presignature_blob` (the host must never use it again).
   */
  constructor(key_blob: Uint8Array, presignature_blob: Uint8Array, session: Uint8Array, message: Uint8Array);
  /**
   * With every share in and verified, returns the 64-byte Ed25519 signature.
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
   * Starts signing `message` with the key in `key_blob` among `signers` (ascending ids).
   */
  constructor(key_blob: Uint8Array, session: Uint8Array, signers: Uint16Array, message: Uint8Array, seed: Uint8Array);
  /**
   * With every commitment in, consumes the nonces and produces this signer's share.
   */
  advance(): FrostSignRound2;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" FROST signing round two (signature shares, broadcast).
 */
export class FrostSignRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * RFC 9591 §4.4 binding factors as `(id u16 | rho [32])*`, ascending by id (public values).
   */
  bindingFactors(): Uint8Array;
  /**
   * With every share in and verified, returns the 64-byte Ed25519 signature.
   */
  finish(): Uint8Array;
}
/**
 * r" Resharing round one (ephemeral keys and dealer commitments, broadcast; spec §5).
 */
export class ReshareRound1 {
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Starts a reshare over `curve` (0 = secp256k1, 1 = ed25519) as participant `me`; `roles`
   * holds one `(old_id, new_id)` pair per participant (0 = none); `key_blob` is empty without
   * an old share.
   */
  constructor(curve: number, session: Uint8Array, me: number, old_threshold: number, new_threshold: number, roles: Uint16Array, key_blob: Uint8Array, seed: Uint8Array);
  /**
   * With every broadcast in, produces the dealers' openings and sealed sub-shares.
   */
  advance(): ReshareRound2;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" Resharing round two (openings, key context and encrypted sub-shares, direct from dealers).
 */
export class ReshareRound2 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * With every dealing verified, computes the new public shares and the confirmation.
   */
  advance(): ReshareRound3;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
}
/**
 * r" Resharing round three (transcript confirmation, broadcast by receivers).
 */
export class ReshareRound3 {
  private constructor();
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Party ids whose message for this round has not arrived yet.
   */
  missing(): Uint16Array;
  /**
   * Validates and stores one incoming message; on error the state is unchanged.
   */
  receive(msg: Uint8Array): void;
  /**
   * The framed outgoing messages: `count u16 | (len u32 | message)*`.
   */
  outgoing(): Uint8Array;
  /**
   * With every confirmation matching, returns the new key blob (empty for a dealer-only
   * participant); an ECDSA blob is pending until the new committee runs a complete refresh.
   */
  finish(): Uint8Array;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
  readonly memory: WebAssembly.Memory;
  readonly __wbg_ecdsadkground1_free: (a: number, b: number) => void;
  readonly __wbg_ecdsadkground2_free: (a: number, b: number) => void;
  readonly __wbg_ecdsadkground3_free: (a: number, b: number) => void;
  readonly __wbg_ecdsapresignedround_free: (a: number, b: number) => void;
  readonly __wbg_ecdsapresignround1_free: (a: number, b: number) => void;
  readonly __wbg_ecdsapresignround2_free: (a: number, b: number) => void;
  readonly __wbg_ecdsasignround3_free: (a: number, b: number) => void;
  readonly __wbg_frostdkground1_free: (a: number, b: number) => void;
  readonly __wbg_frostdkground2_free: (a: number, b: number) => void;
  readonly __wbg_frostpresignedround_free: (a: number, b: number) => void;
  readonly __wbg_frostpresignround1_free: (a: number, b: number) => void;
  readonly __wbg_frostsignround1_free: (a: number, b: number) => void;
  readonly __wbg_frostsignround2_free: (a: number, b: number) => void;
  readonly __wbg_reshareround1_free: (a: number, b: number) => void;
  readonly __wbg_reshareround2_free: (a: number, b: number) => void;
  readonly __wbg_reshareround3_free: (a: number, b: number) => void;
  readonly ecdsaKeyInfo: (a: number, b: number) => [number, number, number, number];
  readonly ecdsaPresignatureInfo: (a: number, b: number) => [number, number, number, number];
  readonly ecdsadkground1_advance: (a: number, b: number, c: number) => [number, number, number];
  readonly ecdsadkground1_missing: (a: number) => [number, number, number, number];
  readonly ecdsadkground1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number];
  readonly ecdsadkground1_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsadkground1_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsadkground1_refresh: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
  readonly ecdsadkground2_advance: (a: number) => [number, number, number];
  readonly ecdsadkground2_missing: (a: number) => [number, number, number, number];
  readonly ecdsadkground2_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsadkground2_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsadkground3_finish: (a: number) => [number, number, number];
  readonly ecdsadkground3_missing: (a: number) => [number, number, number, number];
  readonly ecdsadkground3_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsadkground3_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsapresignedround_finish: (a: number) => [number, number, number, number];
  readonly ecdsapresignedround_missing: (a: number) => [number, number, number, number];
  readonly ecdsapresignedround_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
  readonly ecdsapresignedround_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsapresignedround_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsapresignround1_advance: (a: number, b: number, c: number) => [number, number, number];
  readonly ecdsapresignround1_missing: (a: number) => [number, number, number, number];
  readonly ecdsapresignround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
  readonly ecdsapresignround1_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsapresignround1_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsapresignround2_finish: (a: number) => [number, number, number];
  readonly ecdsapresignround2_missing: (a: number) => [number, number, number, number];
  readonly ecdsapresignround2_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsapresignround2_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsasignround1_advance: (a: number, b: number, c: number) => [number, number, number];
  readonly ecdsasignround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => [number, number, number];
  readonly ecdsasignround2_advance: (a: number) => [number, number, number];
  readonly ecdsasignround2_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsasignround3_finish: (a: number) => [number, number, number, number];
  readonly ecdsasignround3_missing: (a: number) => [number, number, number, number];
  readonly ecdsasignround3_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsasignround3_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostKeyImport: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => [number, number, number];
  readonly frostKeyInfo: (a: number, b: number) => [number, number, number, number];
  readonly frostPresignatureInfo: (a: number, b: number) => [number, number, number, number];
  readonly frostdkground1_advance: (a: number) => [number, number, number];
  readonly frostdkground1_missing: (a: number) => [number, number, number, number];
  readonly frostdkground1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number];
  readonly frostdkground1_outgoing: (a: number) => [number, number, number, number];
  readonly frostdkground1_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostdkground2_finish: (a: number) => [number, number, number];
  readonly frostdkground2_missing: (a: number) => [number, number, number, number];
  readonly frostdkground2_outgoing: (a: number) => [number, number, number, number];
  readonly frostdkground2_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostpresignedround_finish: (a: number) => [number, number, number, number];
  readonly frostpresignedround_missing: (a: number) => [number, number, number, number];
  readonly frostpresignedround_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
  readonly frostpresignedround_outgoing: (a: number) => [number, number, number, number];
  readonly frostpresignedround_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostpresignround1_finish: (a: number) => [number, number, number];
  readonly frostpresignround1_missing: (a: number) => [number, number, number, number];
  readonly frostpresignround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
  readonly frostpresignround1_outgoing: (a: number) => [number, number, number, number];
  readonly frostpresignround1_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostsignround1_advance: (a: number) => [number, number, number];
  readonly frostsignround1_missing: (a: number) => [number, number, number, number];
  readonly frostsignround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number];
  readonly frostsignround1_outgoing: (a: number) => [number, number, number, number];
  readonly frostsignround1_receive: (a: number, b: number, c: number) => [number, number];
  readonly frostsignround2_bindingFactors: (a: number) => [number, number, number, number];
  readonly frostsignround2_finish: (a: number) => [number, number, number, number];
  readonly frostsignround2_missing: (a: number) => [number, number, number, number];
  readonly frostsignround2_outgoing: (a: number) => [number, number, number, number];
  readonly frostsignround2_receive: (a: number, b: number, c: number) => [number, number];
  readonly identityPublicKey: (a: number, b: number) => [number, number, number, number];
  readonly identitySign: (a: number, b: number, c: number, d: number) => [number, number, number, number];
  readonly identityVerify: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
  readonly reshareround1_advance: (a: number) => [number, number, number];
  readonly reshareround1_missing: (a: number) => [number, number, number, number];
  readonly reshareround1_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => [number, number, number];
  readonly reshareround1_outgoing: (a: number) => [number, number, number, number];
  readonly reshareround1_receive: (a: number, b: number, c: number) => [number, number];
  readonly reshareround2_advance: (a: number) => [number, number, number];
  readonly reshareround2_missing: (a: number) => [number, number, number, number];
  readonly reshareround2_outgoing: (a: number) => [number, number, number, number];
  readonly reshareround2_receive: (a: number, b: number, c: number) => [number, number];
  readonly reshareround3_finish: (a: number) => [number, number, number];
  readonly reshareround3_missing: (a: number) => [number, number, number, number];
  readonly reshareround3_outgoing: (a: number) => [number, number, number, number];
  readonly reshareround3_receive: (a: number, b: number, c: number) => [number, number];
  readonly ecdsasignround1_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsasignround1_missing: (a: number) => [number, number, number, number];
  readonly __wbg_ecdsasignround1_free: (a: number, b: number) => void;
  readonly ecdsasignround2_outgoing: (a: number) => [number, number, number, number];
  readonly ecdsasignround2_missing: (a: number) => [number, number, number, number];
  readonly __wbg_ecdsasignround2_free: (a: number, b: number) => void;
  readonly ecdsasignround1_receive: (a: number, b: number, c: number) => [number, number];
  readonly _critical_section_1_0_acquire: () => number;
  readonly _critical_section_1_0_release: (a: number) => void;
  readonly __wbindgen_externrefs: WebAssembly.Table;
  readonly __wbindgen_malloc: (a: number, b: number) => number;
  readonly __externref_table_dealloc: (a: number) => void;
  readonly __wbindgen_free: (a: number, b: number, c: number) => void;
  readonly __wbindgen_start: () => void;
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
