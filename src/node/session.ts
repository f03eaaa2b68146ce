/**
 * Protocol sessions over the peer transport: one session per id, rounds driven in order, a
 * timeout per round and overall, early messages buffered (bounded), and any failure turned into
 * a typed error that names the party, the round and the reason, and is sent to every other
 * participant (never with secret data) so that they fail the session too.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { CoreError } from '../core/index.ts';
import type { OutgoingMessage } from '../core/wire.ts';
import { EnvelopeError, KIND, type Opened } from './envelope.ts';
import type { PeerTransport } from './transport.ts';

/** A round object from src/core. */
export interface RoundLike {
  readonly outgoing: OutgoingMessage[];
  receive(msg: Uint8Array): void;
  missing(): number[];
  advance?: () => RoundLike;
  finish?: () => unknown;
}

/** A session failed: which party (node id), which round, why. */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    readonly code: string,
    message: string,
    readonly culprits: string[],
    readonly round: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A session exceeded its per-round or overall timeout. */
export class SessionTimeoutError extends SessionError {
  override name = 'SessionTimeoutError';
}

/** Another participant aborted the session. */
export class SessionAbortedError extends SessionError {
  override name = 'SessionAbortedError';
}

/** What a session needs. */
export interface SessionSpec {
  /** 32-byte session id. */
  session: Uint8Array;
  /** Node ids of the parties, in party-id order (party id = position + 1). */
  parties: string[];
  /** Party ids taking part (default: all); others' messages are refused and broadcasts skip them. */
  members?: number[];
  /** Starts round one. */
  start: () => RoundLike;
  /** Milliseconds allowed per round. */
  roundTimeoutMs?: number;
  /** Milliseconds allowed for the whole session. */
  totalTimeoutMs?: number;
}

/** A rejected inbound message, kept for observability and tests. */
export interface Rejection {
  session: string;
  culprit?: string;
  code: string;
  reason: string;
}

interface Live {
  parties: string[];
  partyOfIndex: Map<number, number>;
  round: number;
  current?: RoundLike;
  lastSeq: Map<number, number>;
  buffered: Opened[];
  wake: () => void;
  fail: (e: SessionError) => void;
}

const MAX_PENDING_SESSIONS = 256;
const MAX_PENDING_PER_SESSION = 64;
const PENDING_TTL_MS = 30_000;

/** Runs sessions for one node. */
export class SessionManager {
  private live = new Map<string, Live>();
  private pending = new Map<string, { at: number; msgs: Opened[] }>();
  readonly rejections: Rejection[] = [];
  private running = 0;
  private finished = new Set<string>();

  constructor(
    private readonly transport: PeerTransport,
    private readonly opts: { maxConcurrent?: number; onReject?: (r: Rejection) => void } = {},
  ) {
    transport.listen(
      (o) => this.onEnvelope(o),
      (e) => this.reject({ session: '?', culprit: e.culprit, code: e.code, reason: e.message }),
    );
  }

  private nodeOf(index: number): string {
    return this.transport.manifest.nodes[index - 1]?.nodeId ?? `#${index}`;
  }

  private reject(r: Rejection): void {
    this.rejections.push(r);
    if (this.rejections.length > 1000) this.rejections.shift();
    this.opts.onReject?.(r);
  }

  private onEnvelope(o: Opened): void {
    const key = bytesToHex(o.session);
    const s = this.live.get(key);
    if (!s && this.finished.has(key)) {
      return this.reject({ session: key, culprit: this.nodeOf(o.from), code: 'STALE_SESSION', reason: 'message for a finished session (replay or late)' });
    }
    if (!s) {
      // Early message for a session this node has not started yet: keep a bounded number.
      const now = Date.now();
      for (const [k, p] of this.pending) if (now - p.at > PENDING_TTL_MS) this.pending.delete(k);
      const p = this.pending.get(key) ?? { at: now, msgs: [] };
      if (p.msgs.length >= MAX_PENDING_PER_SESSION || (!this.pending.has(key) && this.pending.size >= MAX_PENDING_SESSIONS)) {
        return this.reject({ session: key, culprit: this.nodeOf(o.from), code: 'UNKNOWN_SESSION', reason: 'message for an unknown session dropped (buffer full)' });
      }
      p.msgs.push(o);
      this.pending.set(key, p);
      return;
    }
    this.accept(key, s, o);
  }

  private accept(key: string, s: Live, o: Opened): void {
    const sender = this.nodeOf(o.from);
    const party = s.partyOfIndex.get(o.from);
    if (party === undefined) return this.reject({ session: key, culprit: sender, code: 'NOT_A_PARTY', reason: `${sender} is not a party of this session` });
    if ((s.lastSeq.get(o.from) ?? 0) >= o.seq) return this.reject({ session: key, culprit: sender, code: 'REPLAYED', reason: `replayed or reordered message (seq ${o.seq})` });
    if (o.kind === KIND.protocol && o.round > s.round) {
      if (s.buffered.length < MAX_PENDING_PER_SESSION) s.buffered.push(o);
      return;
    }
    if (o.kind === KIND.abort) {
      s.lastSeq.set(o.from, o.seq);
      let why: { code?: string; message?: string; culprits?: string[]; round?: number } = {};
      try {
        why = JSON.parse(new TextDecoder().decode(o.body));
      } catch {
        /* an unreadable abort still aborts */
      }
      return s.fail(new SessionAbortedError('ABORTED_BY_PEER', `${sender} aborted the session in round ${why.round ?? o.round}: ${why.code ?? 'unknown'} ${why.message ?? ''}`.trim(), why.culprits?.length ? why.culprits : [sender], why.round ?? o.round));
    }
    // The core message must claim the sender the envelope signature proved.
    const claimed = o.body.length >= 39 ? (o.body[35]! << 8) | o.body[36]! : -1;
    if (claimed !== party) return this.reject({ session: key, culprit: sender, code: 'FORGED_SENDER', reason: `${sender} sent a message claiming party ${claimed}` });
    if (o.round < s.round || !s.current) return this.reject({ session: key, culprit: sender, code: 'LATE', reason: `message for round ${o.round} arrived in round ${s.round}` });
    try {
      s.current.receive(o.body);
      s.lastSeq.set(o.from, o.seq);
      s.wake();
    } catch (e) {
      if (e instanceof CoreError && (e.code === 'DUPLICATE_MESSAGE' || e.code === 'WRONG_ROUND')) {
        return this.reject({ session: key, culprit: sender, code: e.code, reason: e.message });
      }
      const culprits = e instanceof CoreError && e.culprits.length ? e.culprits.map((c) => s.parties[c - 1] ?? `party ${c}`) : [sender];
      s.fail(new SessionError(e instanceof CoreError ? e.code : 'PROTOCOL_ERROR', `round ${s.round}: ${(e as Error).message}`, culprits, s.round, { cause: e }));
    }
  }

  /** Number of sessions running now. */
  get active(): number {
    return this.running;
  }

  /** Runs one session to completion and returns the final round's output. */
  async run<T>(spec: SessionSpec): Promise<T> {
    const max = this.opts.maxConcurrent ?? 8;
    if (this.running >= max) throw new SessionError('BUSY', `too many concurrent sessions (${max})`, [], 0);
    const key = bytesToHex(spec.session);
    if (this.live.has(key)) throw new SessionError('DUPLICATE_SESSION', 'a session with this id is already running', [], 0);
    const me = this.transport.me.nodeId;
    const myParty = spec.parties.indexOf(me) + 1;
    if (!myParty) throw new SessionError('NOT_A_PARTY', `${me} is not a party of this session`, [], 0);
    const partyOfIndex = new Map<number, number>();
    const indexOfParty = new Map<number, number>();
    const members = new Set(spec.members ?? spec.parties.map((_, i) => i + 1));
    if (!members.has(myParty)) throw new SessionError('NOT_A_PARTY', `${me} is not a member of this session`, [], 0);
    spec.parties.forEach((id, i) => {
      if (!members.has(i + 1)) return;
      const idx = this.transport.manifest.nodes.findIndex((n) => n.nodeId === id) + 1;
      if (!idx) throw new SessionError('UNKNOWN_PARTY', `party ${id} is not in the cluster manifest`, [id], 0);
      partyOfIndex.set(idx, i + 1);
      indexOfParty.set(i + 1, idx);
    });
    const roundMs = spec.roundTimeoutMs ?? 30_000;
    const totalMs = spec.totalTimeoutMs ?? 120_000;
    let failure: SessionError | undefined;
    let wakeUp: () => void = () => {};
    const s: Live = {
      parties: spec.parties,
      partyOfIndex,
      round: 1,
      lastSeq: new Map(),
      buffered: [],
      wake: () => wakeUp(),
      fail: (e) => {
        failure ??= e;
        wakeUp();
      },
    };
    this.running++;
    this.live.set(key, s);
    const abort = (e: SessionError) => {
      // Tell every other party (no secret data: code, culprits, round, fixed text).
      const body = new TextEncoder().encode(JSON.stringify({ code: e.code, culprits: e.culprits, round: e.round, message: e.message.slice(0, 200) }));
      for (const [p, idx] of indexOfParty) if (p !== myParty) this.transport.send({ kind: KIND.abort, session: spec.session, round: s.round, to: idx, body });
    };
    // Protocol timers use the monotonic clock, so wall-clock jumps cannot stretch or cut them.
    const deadline = performance.now() + totalMs;
    try {
      let round: RoundLike;
      try {
        round = spec.start();
      } catch (e) {
        throw new SessionError(e instanceof CoreError ? e.code : 'START_FAILED', (e as Error).message, [], 1, { cause: e });
      }
      const early = this.pending.get(key);
      this.pending.delete(key);
      for (;;) {
        s.current = round;
        for (const m of round.outgoing) {
          if (m.to === 0) {
            for (const [p, idx] of indexOfParty) if (p !== myParty) this.transport.send({ kind: KIND.protocol, session: spec.session, round: s.round, to: idx, broadcast: true, body: m.bytes });
          } else {
            this.transport.send({ kind: KIND.protocol, session: spec.session, round: s.round, to: indexOfParty.get(m.to)!, body: m.bytes });
          }
        }
        const backlog = [...(early?.msgs.splice(0) ?? []), ...s.buffered.splice(0)];
        for (const o of backlog) this.accept(key, s, o);
        const roundDeadline = Math.min(performance.now() + roundMs, deadline);
        while (!failure && round.missing().length > 0) {
          const left = roundDeadline - performance.now();
          if (left <= 0) {
            const missing = round.missing().map((p) => spec.parties[p - 1] ?? `party ${p}`);
            failure = new SessionTimeoutError('TIMEOUT', `round ${s.round} timed out waiting for ${missing.join(', ')}`, missing, s.round);
            break;
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, left);
            wakeUp = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
        if (failure) {
          if (!(failure instanceof SessionAbortedError)) abort(failure);
          throw failure;
        }
        try {
          if (round.advance) {
            round = round.advance();
            s.round++;
          } else {
            return round.finish!() as T;
          }
        } catch (e) {
          const culprits = e instanceof CoreError ? e.culprits.map((c) => spec.parties[c - 1] ?? `party ${c}`) : [];
          failure = new SessionError(e instanceof CoreError ? e.code : 'PROTOCOL_ERROR', `round ${s.round}: ${(e as Error).message}`, culprits, s.round, { cause: e });
          abort(failure);
          throw failure;
        }
      }
    } finally {
      this.running--;
      this.live.delete(key);
      this.finished.add(key);
      if (this.finished.size > 4096) this.finished.delete(this.finished.values().next().value!);
      this.transport.forget(spec.session);
    }
  }
}

export { EnvelopeError };
