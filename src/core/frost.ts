/**
 * Typed bindings for FROST(Ed25519, SHA-512) (RFC 9591) in the wasm core: a dealerless DKG and
 * two-round signing, and presignatures: RFC 9591 §5.1 commitments ahead of the message
 * (`startFrostPresign`), then one online round per signature (`startFrostPresigned`). Each round is an object: `outgoing` messages to deliver, `receive()` for
 * each incoming message (a rejected message leaves the state untouched), then `advance()` or
 * `finish()`, which consumes the round (a second call throws `StateConsumedError`, so signing
 * nonces can never be used twice).
 * @module
 */
import { call } from './errors.ts';
import { core } from './load.ts';
import { randomSeed, Round, wipingAfter } from './round.ts';
import type * as wasm from './wasm/tessera_core.js';

/** Options of one DKG run. `threshold` is the minimum number of signers (the seed's "t+1"). */
export interface FrostDkgOptions {
  /** 32-byte session id that binds every message. */
  session: Uint8Array;
  /** Minimum number of signers, 2..parties. */
  threshold: number;
  /** Number of parties, 2..255; party ids are 1..parties. */
  parties: number;
  /** This party's id. */
  me: number;
}

/** One party's key share: an opaque blob for encrypted storage plus its public facts. */
export interface FrostKeyShare {
  /** Serialized share; contains the secret, store it only encrypted. */
  blob: Uint8Array;
  /** This party's id. */
  id: number;
  /** Minimum number of signers. */
  threshold: number;
  /** Number of parties. */
  parties: number;
  /** The 32-byte Ed25519 group public key. */
  publicKey: Uint8Array;
}

/** Options of one signing run. */
export interface FrostSignOptions {
  /** This party's key share. */
  key: FrostKeyShare | Uint8Array;
  /** 32-byte session id that binds every message. */
  session: Uint8Array;
  /** Signer ids (any order); at least `threshold` of them, including this party. */
  signers: readonly number[];
  /** The message to sign (any bytes). */
  message: Uint8Array;
  /** Zero the key blob (`key` or `key.blob`) once the core holds its own copy, also on error;
   * the share is unusable afterwards. For a decrypted share held only for this call. */
  wipeKey?: boolean;
}

/** DKG round one: commitments with a proof of knowledge, broadcast. */
export class FrostDkgRound1 extends Round<wasm.FrostDkgRound1> {
  /** @internal Use `startFrostDkg`. */
  constructor(inner: wasm.FrostDkgRound1) {
    super(inner);
  }
  /** With every broadcast received, moves to round two. */
  advance(): FrostDkgRound2 {
    return new FrostDkgRound2(this.consume((w) => w.advance()));
  }
}

/** DKG round two: encrypted shares, one direct message per peer. */
export class FrostDkgRound2 extends Round<wasm.FrostDkgRound2> {
  /** @internal */
  constructor(inner: wasm.FrostDkgRound2) {
    super(inner);
  }
  /** With every share received and verified, returns this party's key share. */
  finish(): FrostKeyShare {
    return frostKeyShare(this.consume((w) => w.finish()));
  }
}

/** Signing round one: nonce commitments, broadcast to the other signers. */
export class FrostSignRound1 extends Round<wasm.FrostSignRound1> {
  /** @internal Use `startFrostSign`. */
  constructor(inner: wasm.FrostSignRound1) {
    super(inner);
  }
  /** With every commitment received, consumes the nonces and moves to round two. */
  advance(): FrostSignRound2 {
    return new FrostSignRound2(this.consume((w) => w.advance()));
  }
}

/** Signing round two: signature shares, broadcast; each is verified on receipt (RFC 9591 §5.4). */
export class FrostSignRound2 extends Round<wasm.FrostSignRound2> {
  /** @internal */
  constructor(inner: wasm.FrostSignRound2) {
    super(inner);
  }
  /** RFC 9591 §4.4 binding factors by signer id (public values). */
  bindingFactors(): Map<number, Uint8Array> {
    const raw = call(() => this.inner.bindingFactors());
    const out = new Map<number, Uint8Array>();
    for (let at = 0; at < raw.length; at += 34)
      out.set((raw[at]! << 8) | raw[at + 1]!, raw.slice(at + 2, at + 34));
    return out;
  }
  /** With every share received, returns the 64-byte Ed25519 signature (checked by the core). */
  finish(): Uint8Array {
    return this.consume((w) => w.finish());
  }
}

/** Presigning: nonce commitments ahead of the message, broadcast to the other signers. */
export class FrostPresignRound1 extends Round<wasm.FrostPresignRound1> {
  /** @internal Use `startFrostPresign`. */
  constructor(inner: wasm.FrostPresignRound1) {
    super(inner);
  }
  /** With every commitment received, returns the presignature blob. It is secret and
   * single-use: store it encrypted and delete it before starting its online round (two
   * messages signed with one nonce pair reveal the signing share). */
  finish(): Uint8Array {
    return this.consume((w) => w.finish());
  }
}

/** Online signing with a presignature: signature shares, broadcast; each verified on receipt. */
export class FrostPresignedRound extends Round<wasm.FrostPresignedRound> {
  /** @internal Use `startFrostPresigned`. */
  constructor(inner: wasm.FrostPresignedRound) {
    super(inner);
  }
  /** With every share received, returns the 64-byte Ed25519 signature (checked by the core). */
  finish(): Uint8Array {
    return this.consume((w) => w.finish());
  }
}

/** Starts a presigning among `signers` (RFC 9591 §5.1 commit, no message yet), seeded from the
 * host CSPRNG. Every signer must take part in the online round. With `wipeKey`, zeroes the key
 * blob after the call. */
export function startFrostPresign(opts: {
  key: FrostKeyShare | Uint8Array;
  session: Uint8Array;
  signers: number[];
  wipeKey?: boolean;
}): FrostPresignRound1 {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  const signers = Uint16Array.from([...opts.signers].sort((a, b) => a - b));
  const seed = randomSeed();
  try {
    return wipingAfter(
      blob,
      opts.wipeKey,
      () =>
        new FrostPresignRound1(
          call(() => new core.FrostPresignRound1(blob, opts.session, signers, seed)),
        ),
    );
  } finally {
    seed.fill(0);
  }
}

/** Starts the online round signing `message` with `key` and a presignature made with that key
 * share (`session` fresh per request). The presignature is consumed: never pass the same blob
 * twice. `wipeKey` / `wipePresignature` zero the blobs after the call. */
export function startFrostPresigned(opts: {
  key: FrostKeyShare | Uint8Array;
  presignature: Uint8Array;
  session: Uint8Array;
  message: Uint8Array;
  wipeKey?: boolean;
  wipePresignature?: boolean;
}): FrostPresignedRound {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  return wipingAfter(blob, opts.wipeKey, () =>
    wipingAfter(
      opts.presignature,
      opts.wipePresignature,
      () =>
        new FrostPresignedRound(
          call(
            () => new core.FrostPresignedRound(blob, opts.presignature, opts.session, opts.message),
          ),
        ),
    ),
  );
}

/** Reads the public facts of a presignature blob (and validates it). */
export function frostPresignatureInfo(blob: Uint8Array): {
  id: number;
  signers: number[];
  groupPublicKey: Uint8Array;
} {
  const info = JSON.parse(call(() => core.frostPresignatureInfo(blob))) as {
    id: number;
    signers: number[];
    groupPublicKey: string;
  };
  return { id: info.id, signers: info.signers, groupPublicKey: hexToBytes(info.groupPublicKey) };
}

/** Starts a dealerless DKG as party `opts.me` (FROST KeyGen round one), seeded from the host CSPRNG. */
export function startFrostDkg(opts: FrostDkgOptions): FrostDkgRound1 {
  return dkgWithSeed(opts, randomSeed());
}

/** Starts signing (RFC 9591 §5.1 commit), seeded from the host CSPRNG. */
export function startFrostSign(opts: FrostSignOptions): FrostSignRound1 {
  return signWithSeed(opts, randomSeed());
}

/** @internal Seeded DKG start; reachable only through `hazmat.ts`. The seed is wiped after use. */
export function dkgWithSeed(opts: FrostDkgOptions, seed: Uint8Array): FrostDkgRound1 {
  try {
    return new FrostDkgRound1(
      call(
        () => new core.FrostDkgRound1(opts.session, opts.threshold, opts.parties, opts.me, seed),
      ),
    );
  } finally {
    seed.fill(0);
  }
}

/** @internal Seeded signing start; reachable only through `hazmat.ts`. The seed is wiped after use. */
export function signWithSeed(opts: FrostSignOptions, seed: Uint8Array): FrostSignRound1 {
  const blob = opts.key instanceof Uint8Array ? opts.key : opts.key.blob;
  const signers = Uint16Array.from([...opts.signers].sort((a, b) => a - b));
  try {
    return wipingAfter(
      blob,
      opts.wipeKey,
      () =>
        new FrostSignRound1(
          call(() => new core.FrostSignRound1(blob, opts.session, signers, opts.message, seed)),
        ),
    );
  } finally {
    seed.fill(0);
  }
}

/** Reads the public facts of a key blob (and validates it). */
export function frostKeyShare(blob: Uint8Array): FrostKeyShare {
  const info = JSON.parse(call(() => core.frostKeyInfo(blob))) as {
    id: number;
    threshold: number;
    parties: number;
    groupPublicKey: string;
  };
  return {
    blob,
    id: info.id,
    threshold: info.threshold,
    parties: info.parties,
    publicKey: hexToBytes(info.groupPublicKey),
  };
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}
