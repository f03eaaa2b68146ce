/**
 * Typed bindings for resharing (committee and/or threshold change that keeps the public key;
 * implementer's spec §5) over secp256k1 (DKLs23 keys) and Ed25519 (FROST keys), in three rounds:
 * ephemeral keys and dealer commitments (broadcast), dealers' openings and encrypted sub-shares
 * (direct), transcript confirmation (broadcast by receivers).
 *
 * Participants are numbered 1..m by their index in `roles`; that index is the wire sender and
 * receiver. A dealer is an old party (its `oldId`); a receiver gets a new share (its `newId`).
 * An ECDSA result is *pending*: it cannot sign until the new committee runs a complete refresh
 * (`startEcdsaRefresh`), which creates the pairwise OT setup and zero-sharing seeds.
 * @module
 */
import { call } from './errors.ts';
import { core } from './load.ts';
import { ecdsaKeyShare, type EcdsaKeyShare } from './ecdsa.ts';
import { frostKeyShare, type FrostKeyShare } from './frost.ts';
import { randomSeed, Round, wipingAfter } from './round.ts';
import type * as wasm from './wasm/tessera_core.js';

/** The curves resharing supports. */
export type ReshareCurve = 'secp256k1' | 'ed25519';

/** One participant's role: dealer (`oldId`), receiver (`newId`), or both. */
export interface ReshareRole {
  /** Old party id (1..255); set iff this participant deals its old share. */
  oldId?: number;
  /** New party id (1..number of receivers); set iff this participant receives a new share. */
  newId?: number;
}

/** The key share a reshare produces on each curve. */
export type ReshareKey<C extends ReshareCurve> = C extends 'secp256k1'
  ? EcdsaKeyShare
  : FrostKeyShare;

/** Options of one reshare; every participant passes the same ones except `me` and `key`. */
export interface ReshareOptions<C extends ReshareCurve = ReshareCurve> {
  /** The key's curve. */
  curve: C;
  /** 32-byte session id, fresh; becomes a new ECDSA share's epoch. */
  session: Uint8Array;
  /** This participant's index (1..roles.length). */
  me: number;
  /** The old key's threshold (minimum signers) = the number of dealers. */
  oldThreshold: number;
  /** The new threshold (minimum signers), 2..number of receivers. */
  newThreshold: number;
  /** Roles by participant index − 1. */
  roles: readonly ReshareRole[];
  /** This participant's old share: required for a dealer, optional (but checked) for an old party that only receives, absent for a new party. */
  key?: EcdsaKeyShare | FrostKeyShare | Uint8Array;
  /** Zero the old share's blob once the core holds its own copy, also on error (see `EcdsaSignOptions.wipeKey`). */
  wipeKey?: boolean;
}

/** Reshare round one: ephemeral key and (dealers) commitment, broadcast. */
export class ReshareRound1<K> extends Round<wasm.ReshareRound1> {
  /** @internal */
  constructor(
    inner: wasm.ReshareRound1,
    private readonly toKey: (blob: Uint8Array) => K,
  ) {
    super(inner);
  }
  /** With every broadcast in, moves to round two (dealers' openings and sealed sub-shares). */
  advance(): ReshareRound2<K> {
    return new ReshareRound2(
      this.consume((w) => w.advance()),
      this.toKey,
    );
  }
}

/** Reshare round two: openings, key context and encrypted sub-shares, direct from each dealer. */
export class ReshareRound2<K> extends Round<wasm.ReshareRound2> {
  /** @internal */
  constructor(
    inner: wasm.ReshareRound2,
    private readonly toKey: (blob: Uint8Array) => K,
  ) {
    super(inner);
  }
  /** With every dealing verified, moves to the confirmation round. */
  advance(): ReshareRound3<K> {
    return new ReshareRound3(
      this.consume((w) => w.advance()),
      this.toKey,
    );
  }
}

/** Reshare round three: transcript confirmation, broadcast by every receiver. */
export class ReshareRound3<K> extends Round<wasm.ReshareRound3> {
  /** @internal */
  constructor(
    inner: wasm.ReshareRound3,
    private readonly toKey: (blob: Uint8Array) => K,
  ) {
    super(inner);
  }
  /** With every confirmation matching, returns the new share, or `undefined` for a dealer-only participant. */
  finish(): K | undefined {
    const blob = this.consume((w) => w.finish());
    return blob.length === 0 ? undefined : this.toKey(blob);
  }
}

/** Starts a reshare as participant `opts.me` (round one). */
export function startReshare<C extends ReshareCurve>(
  opts: ReshareOptions<C>,
): ReshareRound1<ReshareKey<C>> {
  const curve = opts.curve === 'secp256k1' ? 0 : opts.curve === 'ed25519' ? 1 : -1;
  if (curve < 0) throw new RangeError(`unknown curve ${String(opts.curve)}`);
  const roles = Uint16Array.from(opts.roles.flatMap((r) => [r.oldId ?? 0, r.newId ?? 0]));
  if (
    opts.roles.some((r) =>
      [r.oldId ?? 0, r.newId ?? 0].some((v) => !Number.isInteger(v) || v < 0 || v > 0xffff),
    )
  ) {
    throw new RangeError('role ids must be integers in 1..65535');
  }
  const blob =
    opts.key === undefined
      ? new Uint8Array(0)
      : opts.key instanceof Uint8Array
        ? opts.key
        : opts.key.blob;
  const toKey = (curve === 0 ? ecdsaKeyShare : frostKeyShare) as (
    blob: Uint8Array,
  ) => ReshareKey<C>;
  const seed = randomSeed();
  try {
    return wipingAfter(
      blob,
      opts.wipeKey,
      () =>
        new ReshareRound1(
          call(
            () =>
              new core.ReshareRound1(
                curve,
                opts.session,
                opts.me,
                opts.oldThreshold,
                opts.newThreshold,
                roles,
                blob,
                seed,
              ),
          ),
          toKey,
        ),
    );
  } finally {
    seed.fill(0);
  }
}
