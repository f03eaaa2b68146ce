/**
 * Typed bindings for threshold ECDSA on secp256k1 (DKLs23) in the wasm core: three-round key
 * generation (also used for a complete refresh) and three-round signing of a 32-byte digest,
 * optionally under a BIP32 non-hardened child key; and presignatures: signing rounds one and two
 * run ahead of the message (`startEcdsaPresign`), then one online round per signature
 * (`startEcdsaPresigned`, Groth–Shoup re-randomised, so a child key may be chosen online).
 * @module
 */
import { call } from './errors.ts';
import { core } from './load.ts';
import { randomSeed, Round, wipingAfter } from './round.ts';
import type * as wasm from './wasm/tessera_core.js';

/** Options of one ECDSA key generation. `threshold` is the minimum number of signers ("t+1"). */
export interface EcdsaDkgOptions {
  /** 32-byte session id; becomes the key's epoch. */
  session: Uint8Array;
  /** Minimum number of signers, 2..parties. */
  threshold: number;
  /** Number of parties, 2..255. */
  parties: number;
  /** This party's id (1..parties). */
  me: number;
}

/** One party's ECDSA key share: an opaque blob for encrypted storage plus its public facts. */
export interface EcdsaKeyShare {
  /** Serialized share (secret share and pairwise OT state): store it only encrypted. */
  blob: Uint8Array;
  /** This party's id. */
  id: number;
  /** Minimum number of signers. */
  threshold: number;
  /** Number of parties. */
  parties: number;
  /** 33-byte compressed public key. */
  publicKey: Uint8Array;
  /** 32-byte BIP32 chain code fixed at key generation. */
  chainCode: Uint8Array;
  /** 32-byte epoch: the key generation or refresh session that produced this share. */
  epoch: Uint8Array;
}

/** Options of one ECDSA signing. */
export interface EcdsaSignOptions {
  /** This party's key share. */
  key: EcdsaKeyShare | Uint8Array;
  /** 32-byte session id, fresh for every signing. */
  session: Uint8Array;
  /** Signer ids; at least `threshold`, including this party. */
  signers: readonly number[];
  /** The 32-byte message digest (the caller hashes). */
  digest: Uint8Array;
  /** BIP32 non-hardened derivation path (each index < 2^31); empty for the master key. */
  derivationPath?: readonly number[];
  /** Zero the key blob (`key` or `key.blob`) once the core holds its own copy, also on error;
   * the share is unusable afterwards. For a decrypted share held only for this call. */
  wipeKey?: boolean;
}

/** A finished ECDSA signature. */
export interface EcdsaSignature {
  /** 64-byte r ‖ s, low-s. */
  signature: Uint8Array;
  /** Recovery id 0..3. */
  recoveryId: number;
  /** The compressed public key (the child key when a path was given) it verifies under. */
  publicKey: Uint8Array;
}

/** Key generation round one: commitments and base OTs, direct to each peer. */
export class EcdsaDkgRound1 extends Round<wasm.EcdsaDkgRound1> {
  /** @internal */
  constructor(inner: wasm.EcdsaDkgRound1) {
    super(inner);
  }
  /** With every round-one message in, finishes the base OTs and moves to round two. */
  advance(): EcdsaDkgRound2 {
    return new EcdsaDkgRound2(this.consume((w) => withSeed((s) => w.advance(s))));
  }
}

/** Key generation round two: openings, proofs and encrypted shares, direct to each peer. */
export class EcdsaDkgRound2 extends Round<wasm.EcdsaDkgRound2> {
  /** @internal */
  constructor(inner: wasm.EcdsaDkgRound2) {
    super(inner);
  }
  /** With every share verified, moves to the confirmation round. */
  advance(): EcdsaDkgRound3 {
    return new EcdsaDkgRound3(this.consume((w) => w.advance()));
  }
}

/** Key generation round three: transcript confirmation, broadcast. */
export class EcdsaDkgRound3 extends Round<wasm.EcdsaDkgRound3> {
  /** @internal */
  constructor(inner: wasm.EcdsaDkgRound3) {
    super(inner);
  }
  /** With every confirmation matching, returns this party's key share. */
  finish(): EcdsaKeyShare {
    return ecdsaKeyShare(this.consume((w) => w.finish()));
  }
}

/** Signing round one: nonce commitment and multiplication M1, direct to each co-signer. */
export class EcdsaSignRound1 extends Round<wasm.EcdsaSignRound1> {
  /** @internal */
  constructor(inner: wasm.EcdsaSignRound1) {
    super(inner);
  }
  /** With every round-one message in, runs the multiplications and moves to round two. */
  advance(): EcdsaSignRound2 {
    return new EcdsaSignRound2(this.consume((w) => withSeed((s) => w.advance(s))));
  }
}

/** Signing round two: multiplication M2 and consistency data, direct to each co-signer. */
export class EcdsaSignRound2 extends Round<wasm.EcdsaSignRound2> {
  /** @internal */
  constructor(inner: wasm.EcdsaSignRound2) {
    super(inner);
  }
  /** With every round-two message in and checked, moves to round three. */
  advance(): EcdsaSignRound3 {
    return new EcdsaSignRound3(this.consume((w) => w.advance()));
  }
}

/** Signing round three: (u_i, w_i), broadcast. */
export class EcdsaSignRound3 extends Round<wasm.EcdsaSignRound3> {
  /** @internal */
  constructor(inner: wasm.EcdsaSignRound3) {
    super(inner);
  }
  /** Returns the signature, verified by the core under the (derived) public key. */
  finish(): EcdsaSignature {
    const out = this.consume((w) => w.finish());
    return { signature: out.slice(0, 64), recoveryId: out[64]!, publicKey: out.slice(65, 98) };
  }
}

/** Presigning round one: signing round one under the master key, direct to each co-signer. */
export class EcdsaPresignRound1 extends Round<wasm.EcdsaPresignRound1> {
  /** @internal */
  constructor(inner: wasm.EcdsaPresignRound1) {
    super(inner);
  }
  /** With every round-one message in, runs the multiplications and moves to round two. */
  advance(): EcdsaPresignRound2 {
    return new EcdsaPresignRound2(this.consume((w) => withSeed((s) => w.advance(s))));
  }
}

/** Presigning round two: multiplication M2 and consistency data, direct to each co-signer. */
export class EcdsaPresignRound2 extends Round<wasm.EcdsaPresignRound2> {
  /** @internal */
  constructor(inner: wasm.EcdsaPresignRound2) {
    super(inner);
  }
  /** With every round-two message in and checked, returns the presignature blob. It is secret
   * and single-use: store it encrypted and delete it before starting its online round (two
   * messages signed on one presignature reveal the key). */
  finish(): Uint8Array {
    return this.consume((w) => w.finish());
  }
}

/** Online signing with a presignature: one broadcast round. */
export class EcdsaPresignedRound extends Round<wasm.EcdsaPresignedRound> {
  /** @internal */
  constructor(inner: wasm.EcdsaPresignedRound) {
    super(inner);
  }
  /** Returns the signature, verified by the core under the (derived) public key. */
  finish(): EcdsaSignature {
    const out = this.consume((w) => w.finish());
    return { signature: out.slice(0, 64), recoveryId: out[64]!, publicKey: out.slice(65, 98) };
  }
}

function withSeed<T>(fn: (seed: Uint8Array) => T): T {
  const seed = randomSeed();
  try {
    return fn(seed);
  } finally {
    seed.fill(0);
  }
}

/** Starts a DKLs23 key generation as party `opts.me`. */
export function startEcdsaDkg(opts: EcdsaDkgOptions): EcdsaDkgRound1 {
  return withSeed(
    (seed) =>
      new EcdsaDkgRound1(
        call(
          () => new core.EcdsaDkgRound1(opts.session, opts.threshold, opts.parties, opts.me, seed),
        ),
      ),
  );
}

/** Starts a complete refresh of `key` (every party takes part, under a fresh session id).
 * With `wipeKey`, the key blob is zeroed after the call (see `EcdsaSignOptions.wipeKey`). */
export function startEcdsaRefresh(opts: {
  key: EcdsaKeyShare | Uint8Array;
  session: Uint8Array;
  wipeKey?: boolean;
}): EcdsaDkgRound1 {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  return wipingAfter(blob, opts.wipeKey, () =>
    withSeed(
      (seed) =>
        new EcdsaDkgRound1(call(() => core.EcdsaDkgRound1.refresh(blob, opts.session, seed))),
    ),
  );
}

/** Starts signing a 32-byte digest (DKLs23 round one). With `wipeKey`, zeroes the key blob after the call. */
export function startEcdsaSign(opts: EcdsaSignOptions): EcdsaSignRound1 {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  const signers = Uint16Array.from([...opts.signers].sort((a, b) => a - b));
  const path = Uint32Array.from(opts.derivationPath ?? []);
  if ((opts.derivationPath ?? []).some((c) => !Number.isInteger(c) || c < 0 || c >= 2 ** 31)) {
    throw new RangeError('derivation path indexes must be integers in 0..2^31-1 (non-hardened)');
  }
  return wipingAfter(blob, opts.wipeKey, () =>
    withSeed(
      (seed) =>
        new EcdsaSignRound1(
          call(
            () => new core.EcdsaSignRound1(blob, opts.session, signers, opts.digest, path, seed),
          ),
        ),
    ),
  );
}

/** Starts a presigning among `signers` (DKLs23 signing rounds one and two, no message yet).
 * Every signer of the presignature must take part in its online round. With `wipeKey`, zeroes
 * the key blob after the call. */
export function startEcdsaPresign(opts: {
  key: EcdsaKeyShare | Uint8Array;
  session: Uint8Array;
  signers: number[];
  wipeKey?: boolean;
}): EcdsaPresignRound1 {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  const signers = Uint16Array.from([...opts.signers].sort((a, b) => a - b));
  return wipingAfter(blob, opts.wipeKey, () =>
    withSeed(
      (seed) =>
        new EcdsaPresignRound1(
          call(() => new core.EcdsaPresignRound1(blob, opts.session, signers, seed)),
        ),
    ),
  );
}

/** Starts the online round signing a 32-byte digest with a presignature, under the child key at
 * `derivationPath` (empty: the master key). `session` is fresh per request. The presignature is
 * consumed: never pass the same blob twice. With `wipePresignature`, zeroes the blob after the
 * call. */
export function startEcdsaPresigned(opts: {
  presignature: Uint8Array;
  session: Uint8Array;
  digest: Uint8Array;
  derivationPath?: number[];
  wipePresignature?: boolean;
}): EcdsaPresignedRound {
  const path = Uint32Array.from(opts.derivationPath ?? []);
  return wipingAfter(opts.presignature, opts.wipePresignature, () => {
    if ((opts.derivationPath ?? []).some((c) => !Number.isInteger(c) || c < 0 || c >= 2 ** 31)) {
      throw new RangeError('derivation path indexes must be integers in 0..2^31-1 (non-hardened)');
    }
    return new EcdsaPresignedRound(
      call(() => new core.EcdsaPresignedRound(opts.presignature, opts.session, opts.digest, path)),
    );
  });
}

/** Reads the public facts of a presignature blob (and validates it): this party's id, the
 * signers, the key's epoch, the master public key and R (before the online re-randomisation). */
export function ecdsaPresignatureInfo(blob: Uint8Array): {
  id: number;
  signers: number[];
  epoch: Uint8Array;
  publicKey: Uint8Array;
  bigR: Uint8Array;
} {
  const info = JSON.parse(call(() => core.ecdsaPresignatureInfo(blob))) as {
    id: number;
    signers: number[];
    epoch: string;
    publicKey: string;
    bigR: string;
  };
  return {
    id: info.id,
    signers: info.signers,
    epoch: fromHex(info.epoch),
    publicKey: fromHex(info.publicKey),
    bigR: fromHex(info.bigR),
  };
}

/** Reads the public facts of an ECDSA key blob (and validates it). */
export function ecdsaKeyShare(blob: Uint8Array): EcdsaKeyShare {
  const info = JSON.parse(call(() => core.ecdsaKeyInfo(blob))) as {
    id: number;
    threshold: number;
    parties: number;
    publicKey: string;
    chainCode: string;
    epoch: string;
  };
  return {
    blob,
    id: info.id,
    threshold: info.threshold,
    parties: info.parties,
    publicKey: fromHex(info.publicKey),
    chainCode: fromHex(info.chainCode),
    epoch: fromHex(info.epoch),
  };
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}
