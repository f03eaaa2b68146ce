/**
 * In-process runs of the FROST protocols: every party lives in this process and messages are
 * routed directly. For the zero-config demo (`tessera simulate`), tests and benchmarks; the node
 * runs the same round objects over NATS.
 * @module
 */
import { randomSeed, startFrostDkg, startFrostSign, type FrostKeyShare } from '../core/index.ts';
import { BROADCAST, type OutgoingMessage } from '../core/wire.ts';

/** Anything that accepts envelopes. */
export interface Receiver {
  receive(msg: Uint8Array): void;
}

/** Delivers each message to its receiver, or to every other party for a broadcast. */
export function deliver(parties: ReadonlyMap<number, Receiver>, messages: readonly OutgoingMessage[]): void {
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

/** Runs a dealerless FROST DKG among `parties` local parties; returns each party's share. */
export function runFrostDkg(opts: { threshold: number; parties: number; session?: Uint8Array }): FrostKeyShare[] {
  const session = opts.session ?? randomSeed();
  const ids = Array.from({ length: opts.parties }, (_, i) => i + 1);
  const r1 = new Map(ids.map((me) => [me, startFrostDkg({ session, threshold: opts.threshold, parties: opts.parties, me })]));
  deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
  const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
  deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
  return ids.map((id) => r2.get(id)!.finish());
}

/** Runs FROST signing among `signers` (ids into `keys`, which is indexed by party id − 1). */
export function runFrostSign(opts: { keys: readonly FrostKeyShare[]; signers: readonly number[]; message: Uint8Array; session?: Uint8Array }): Uint8Array {
  const session = opts.session ?? randomSeed();
  const byId = new Map(opts.keys.map((k) => [k.id, k]));
  const r1 = new Map(
    opts.signers.map((id) => {
      const key = byId.get(id);
      if (!key) throw new RangeError(`no key share for signer ${id}`);
      return [id, startFrostSign({ key, session, signers: opts.signers, message: opts.message })] as const;
    }),
  );
  deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
  const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
  deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
  const signatures = [...r2.values()].map((r) => r.finish());
  const first = signatures[0]!;
  for (const s of signatures) {
    if (s.length !== first.length || s.some((b, i) => b !== first[i])) throw new Error('signers produced different signatures');
  }
  return first;
}
