/**
 * In-process runs of the protocols: every party lives in this process and messages are routed
 * directly. For the zero-config demo (`tessera simulate`), tests and benchmarks; the node runs
 * the same round objects over NATS.
 * @module
 */
import {
  randomSeed,
  startEcdsaDkg,
  startEcdsaRefresh,
  startEcdsaSign,
  startFrostDkg,
  startFrostSign,
  startReshare,
  type EcdsaKeyShare,
  type EcdsaSignature,
  type FrostKeyShare,
  type ReshareCurve,
  type ReshareKey,
  type ReshareRole,
} from '../core/index.ts';
import { BROADCAST, type OutgoingMessage } from '../core/wire.ts';
import type { ProtocolRound, Receiver } from './round.ts';

export type { Receiver };

/** A round with messages to deliver. */
type Step = Pick<ProtocolRound, 'outgoing' | 'receive'>;

/** Delivers each message to its receiver, or to every other party for a broadcast. */
export function deliver(
  parties: ReadonlyMap<number, Receiver>,
  messages: readonly OutgoingMessage[],
): void {
  for (const m of messages) {
    if (m.to === BROADCAST) {
      for (const [id, p] of parties) if (id !== m.from) p.receive(m.bytes);
    } else {
      const p = parties.get(m.to);
      if (!p) throw new Error(`message for party ${m.to}, who is not in this run`);
      p.receive(m.bytes);
    }
  }
}

/** Delivers every party's outgoing messages, then moves every party on with `next`. */
function step<A extends Step, B>(parties: Map<number, A>, next: (a: A) => B): Map<number, B> {
  deliver(
    parties,
    [...parties.values()].flatMap((p) => p.outgoing),
  );
  return new Map([...parties].map(([id, p]) => [id, next(p)]));
}

/** Starts each signer's first round with its own key share. */
function perSigner<K extends { id: number }, R>(
  keys: readonly K[],
  signers: readonly number[],
  start: (key: K) => R,
): Map<number, R> {
  const byId = new Map(keys.map((k) => [k.id, k]));
  return new Map(
    signers.map((id) => {
      const key = byId.get(id);
      if (!key) throw new RangeError(`no key share for signer ${id}`);
      return [id, start(key)] as const;
    }),
  );
}

function ids(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function same(values: Uint8Array[], what: string): Uint8Array {
  const first = values[0]!;
  for (const v of values)
    if (v.length !== first.length || v.some((b, i) => b !== first[i]))
      throw new Error(`parties disagree on the ${what}`);
  return first;
}

/** Runs a dealerless FROST DKG among `parties` local parties; returns each party's share. */
export function runFrostDkg(opts: {
  threshold: number;
  parties: number;
  session?: Uint8Array;
}): FrostKeyShare[] {
  const session = opts.session ?? randomSeed();
  const r1 = new Map(
    ids(opts.parties).map((me) => [
      me,
      startFrostDkg({ session, threshold: opts.threshold, parties: opts.parties, me }),
    ]),
  );
  const r2 = step(r1, (r) => r.advance());
  return [...step(r2, (r) => r.finish()).values()];
}

/** Runs FROST signing among `signers` (party ids of `keys`). */
export function runFrostSign(opts: {
  keys: readonly FrostKeyShare[];
  signers: readonly number[];
  message: Uint8Array;
  session?: Uint8Array;
}): Uint8Array {
  const session = opts.session ?? randomSeed();
  const r1 = perSigner(opts.keys, opts.signers, (key) =>
    startFrostSign({ key, session, signers: opts.signers, message: opts.message }),
  );
  const r2 = step(r1, (r) => r.advance());
  return same([...step(r2, (r) => r.finish()).values()], 'signature');
}

/** Runs a DKLs23 key generation among `parties` local parties; returns each party's share.
 * `progress` is told when each round starts (key generation takes seconds: 256 base OTs per
 * ordered pair of parties). */
export function runEcdsaDkg(opts: {
  threshold: number;
  parties: number;
  session?: Uint8Array;
  progress?: (what: string) => void;
}): EcdsaKeyShare[] {
  const session = opts.session ?? randomSeed();
  const say = opts.progress ?? (() => {});
  say(`round 1/3: commitments and base OTs (${opts.parties * (opts.parties - 1)} pairwise setups)`);
  const r1 = new Map(
    ids(opts.parties).map((me) => [
      me,
      startEcdsaDkg({ session, threshold: opts.threshold, parties: opts.parties, me }),
    ]),
  );
  say('round 2/3: openings, proofs and encrypted shares');
  const r2 = step(r1, (r) => r.advance());
  say('round 3/3: transcript confirmation');
  const r3 = step(r2, (r) => r.advance());
  const keys = [...step(r3, (r) => r.finish()).values()];
  same(
    keys.map((k) => k.publicKey),
    'public key',
  );
  return keys;
}

/** Runs a complete refresh of every share in `keys`: same public key, new shares and OT state. */
export function runEcdsaRefresh(opts: {
  keys: readonly EcdsaKeyShare[];
  session?: Uint8Array;
}): EcdsaKeyShare[] {
  const session = opts.session ?? randomSeed();
  const r1 = new Map(opts.keys.map((key) => [key.id, startEcdsaRefresh({ key, session })]));
  const r3 = step(
    step(r1, (r) => r.advance()),
    (r) => r.advance(),
  );
  return [...step(r3, (r) => r.finish()).values()];
}

/** Runs DKLs23 signing of a 32-byte digest among `signers`. */
export function runEcdsaSign(opts: {
  keys: readonly EcdsaKeyShare[];
  signers: readonly number[];
  digest: Uint8Array;
  derivationPath?: readonly number[];
  session?: Uint8Array;
}): EcdsaSignature {
  const session = opts.session ?? randomSeed();
  const r1 = perSigner(opts.keys, opts.signers, (key) =>
    startEcdsaSign({
      key,
      session,
      signers: opts.signers,
      digest: opts.digest,
      derivationPath: opts.derivationPath,
    }),
  );
  const r3 = step(
    step(r1, (r) => r.advance()),
    (r) => r.advance(),
  );
  const sigs = [...step(r3, (r) => r.finish()).values()];
  same(
    sigs.map((s) => s.signature),
    'signature',
  );
  return sigs[0]!;
}

/**
 * Runs a reshare among all participants (spec §5): `roles[k]` and `keys[k]` belong to participant
 * k+1 (`keys[k]` is its old share, undefined for a new party). Returns each participant's new
 * share in the same order (undefined for a dealer-only participant). ECDSA shares come back
 * pending: run `runEcdsaRefresh` on them (the new committee) before signing.
 */
export function runReshare<C extends ReshareCurve>(opts: {
  curve: C;
  oldThreshold: number;
  newThreshold: number;
  roles: readonly ReshareRole[];
  keys: readonly (EcdsaKeyShare | FrostKeyShare | Uint8Array | undefined)[];
  session?: Uint8Array;
}): (ReshareKey<C> | undefined)[] {
  const session = opts.session ?? randomSeed();
  const r1 = new Map(
    opts.roles.map(
      (_, k) =>
        [
          k + 1,
          startReshare({
            curve: opts.curve,
            session,
            me: k + 1,
            oldThreshold: opts.oldThreshold,
            newThreshold: opts.newThreshold,
            roles: opts.roles,
            key: opts.keys[k],
          }),
        ] as const,
    ),
  );
  const r3 = step(
    step(r1, (r) => r.advance()),
    (r) => r.advance(),
  );
  const out = [...step(r3, (r) => r.finish()).values()];
  const keys = out.filter((k): k is ReshareKey<C> => k !== undefined);
  same(
    keys.map((k) => k.publicKey),
    'public key',
  );
  return out;
}
