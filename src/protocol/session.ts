/**
 * Protocol sessions over the peer transport: one session per id, rounds driven in order, a
 * timeout per round and overall, early messages buffered (bounded), and any failure turned into
 * a typed error that names the party, the round and the reason, and is sent to every other
 * participant (never with secret data) so that they fail the session too. With a ledger, a session
 * id is recorded durably before any round-one output is sent and never runs twice (a DKLs23
 * rerun under one id leaks the key to a co-signer).
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { CoreError, type CoreErrorCode } from '../core/index.ts';
import { SESSION_ERROR_CODES, type SessionErrorCode } from './errors.ts';
import { claimedSender } from '../core/wire.ts';
import {
  KIND,
  SessionReusedError,
  type Inbound,
  type PeerLink,
  type StartedSessions,
} from './peer.ts';
import type { ProtocolRound } from './round.ts';

/** A session failed: which party (node id), which round, why. */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    /** The session's own code, the core's, or the errno of a failed durable write (`E…`). */
    readonly code: SessionErrorCode | CoreErrorCode | `E${string}`,
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

/** What an aborting peer says happened: its word only, never acted on. */
export interface AbortClaim {
  /** The node that sent the abort. */
  by: string;
  code: string;
  /** The nodes it blames (unproven). */
  culprits: string[];
  round: number;
  message: string;
}

/**
 * Another participant aborted the session. An abort proves only that the peer stopped, not who
 * misbehaved (an honest peer aborts when a third one cheats), so `culprits` is empty and what the
 * peer says is in `claims` and the message ("node2 says node1: ...").
 */
export class SessionAbortedError extends SessionError {
  override name = 'SessionAbortedError';
  constructor(
    message: string,
    round: number,
    readonly claims: AbortClaim[],
  ) {
    super('ABORTED_BY_PEER', message, [], round);
  }
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
  start: () => ProtocolRound;
  /** Milliseconds allowed per round. */
  roundTimeoutMs?: number;
  /** Milliseconds allowed for the whole session. */
  totalTimeoutMs?: number;
  /** The key (and curve) the session uses, so a ban can fail it while it runs (failLive). */
  keyId?: string;
  curve?: string;
  /**
   * Called synchronously the moment this session's failure is decided (before the abort is
   * sent and before run() unwinds), so a proven fault can be acted on at once (a ban). It must
   * not throw; an exception is ignored.
   */
  onFailure?: (e: SessionError) => void;
  /**
   * Work made ahead (presignatures): not counted against `maxConcurrent`, so it never takes a
   * signing's slot (its owner bounds it), and not in `active`.
   */
  background?: boolean;
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
  /** Node ids of the members. */
  members: string[];
  keyId?: string;
  curve?: string;
  partyOfIndex: Map<number, number>;
  round: number;
  current?: ProtocolRound;
  lastSeq: Map<number, number>;
  buffered: Inbound[];
  wake: () => void;
  fail: (e: SessionError) => void;
  /** Whether the session's failure is decided (it takes no further message, even before it unwinds). */
  failed: () => boolean;
}

const MAX_PENDING_SESSIONS = 256;
const MAX_PENDING_PER_SESSION = 64;
const PENDING_TTL_MS = 30_000;
/** Reservations held at once; past this a request claims its id when it runs (no overlap, never an eviction). */
const MAX_RESERVED = 1024;

/** Runs sessions for one node. */
export class SessionManager {
  private live = new Map<string, Live>();
  private pending = new Map<string, { at: number; msgs: Inbound[] }>();
  readonly rejections: Rejection[] = [];
  private running = 0;
  private finished = new Set<string>();
  /** Session ids claimed ahead of their run (reserve), with their durable write. */
  private reserved = new Map<string, Promise<void>>();

  constructor(
    private readonly transport: PeerLink,
    private readonly opts: {
      maxConcurrent?: number;
      onReject?: (r: Rejection) => void;
      ledger?: StartedSessions;
    } = {},
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

  private onEnvelope(o: Inbound): void {
    const key = bytesToHex(o.session);
    const s = this.live.get(key);
    if (!s && this.finished.has(key)) {
      return this.reject({
        session: key,
        culprit: this.nodeOf(o.from),
        code: 'STALE_SESSION',
        reason: 'message for a finished session (replay or late)',
      });
    }
    if (!s) {
      // Early message for a session this node has not started yet: keep a bounded number.
      const now = Date.now();
      for (const [k, p] of this.pending) if (now - p.at > PENDING_TTL_MS) this.pending.delete(k);
      const p = this.pending.get(key) ?? { at: now, msgs: [] };
      if (
        p.msgs.length >= MAX_PENDING_PER_SESSION ||
        (!this.pending.has(key) && this.pending.size >= MAX_PENDING_SESSIONS)
      ) {
        return this.reject({
          session: key,
          culprit: this.nodeOf(o.from),
          code: 'UNKNOWN_SESSION',
          reason: 'message for an unknown session dropped (buffer full)',
        });
      }
      p.msgs.push(o);
      this.pending.set(key, p);
      return;
    }
    this.accept(key, s, o);
  }

  private accept(key: string, s: Live, o: Inbound): void {
    // A failed session (a ban, say) feeds nothing more to the core, also before run() unwinds.
    if (s.failed()) return;
    const sender = this.nodeOf(o.from);
    const party = s.partyOfIndex.get(o.from);
    if (party === undefined)
      return this.reject({
        session: key,
        culprit: sender,
        code: 'NOT_A_PARTY',
        reason: `${sender} is not a party of this session`,
      });
    if ((s.lastSeq.get(o.from) ?? 0) >= o.seq)
      return this.reject({
        session: key,
        culprit: sender,
        code: 'REPLAYED',
        reason: `replayed or reordered message (seq ${o.seq})`,
      });
    if (o.kind === KIND.protocol && o.round > s.round) {
      if (s.buffered.length < MAX_PENDING_PER_SESSION) s.buffered.push(o);
      return;
    }
    if (o.kind === KIND.abort) {
      s.lastSeq.set(o.from, o.seq);
      let why: { code?: unknown; message?: unknown; culprits?: unknown; round?: unknown } = {};
      try {
        why = JSON.parse(new TextDecoder().decode(o.body)) ?? {};
      } catch {
        /* an unreadable abort still aborts */
      }
      // Everything in the body is the peer's word: typed defensively, reported, never acted on.
      const claim: AbortClaim = {
        by: sender,
        code: typeof why.code === 'string' ? why.code.slice(0, 64) : 'unknown',
        culprits: Array.isArray(why.culprits)
          ? why.culprits
              .filter((c): c is string => typeof c === 'string')
              .slice(0, 16)
              .map((c) => c.slice(0, 64))
          : [],
        round: Number.isInteger(why.round) ? (why.round as number) : o.round,
        message: typeof why.message === 'string' ? why.message.slice(0, 200) : '',
      };
      const says =
        `${sender} says ${claim.culprits.length ? claim.culprits.join(', ') : 'nobody'}: ${claim.code} ${claim.message}`.trim();
      return s.fail(
        new SessionAbortedError(
          `${sender} aborted the session in round ${claim.round} (a claim, not verified here): ${says}`,
          claim.round,
          [claim],
        ),
      );
    }
    // The core message must claim the sender the envelope signature proved.
    const claimed = claimedSender(o.body);
    if (claimed !== party)
      return this.reject({
        session: key,
        culprit: sender,
        code: 'FORGED_SENDER',
        reason: `${sender} sent a message claiming party ${claimed}`,
      });
    if (o.round < s.round || !s.current)
      return this.reject({
        session: key,
        culprit: sender,
        code: 'LATE',
        reason: `message for round ${o.round} arrived in round ${s.round}`,
      });
    try {
      s.current.receive(o.body);
      s.lastSeq.set(o.from, o.seq);
      s.wake();
    } catch (e) {
      if (e instanceof CoreError && (e.code === 'DUPLICATE_MESSAGE' || e.code === 'WRONG_ROUND')) {
        return this.reject({ session: key, culprit: sender, code: e.code, reason: e.message });
      }
      const culprits =
        e instanceof CoreError && e.culprits.length
          ? e.culprits.map((c) => s.parties[c - 1] ?? `party ${c}`)
          : [sender];
      s.fail(
        new SessionError(
          e instanceof CoreError ? e.code : 'PROTOCOL_ERROR',
          `round ${s.round}: ${(e as Error).message}`,
          culprits,
          s.round,
          { cause: e },
        ),
      );
    }
  }

  /**
   * Fails every running session of `keyId` (and `curve`, when given) that includes `peer`, with
   * the error `why` makes; returns how many. Used when this node's own check proves a peer
   * dishonest, so its other sessions with that key stop at once.
   */
  failLive(
    keyId: string,
    curve: string | undefined,
    peer: string,
    why: (round: number) => SessionError,
  ): number {
    let n = 0;
    for (const s of this.live.values()) {
      if (
        s.keyId !== keyId ||
        (curve !== undefined && s.curve !== curve) ||
        !s.members.includes(peer)
      )
        continue;
      s.fail(why(s.round));
      n++;
    }
    return n;
  }

  /**
   * Claims a session id in the ledger now, so its durable write overlaps the work before the
   * session starts (run() then waits for it instead of claiming). Throws SESSION_REUSED at once
   * for an id started before. The caller releases a reservation it does not run (the id stays
   * spent, which is harmless). A reservation is never evicted: with MAX_RESERVED held, this
   * reserves nothing and run() claims the id itself.
   */
  reserve(session: Uint8Array): void {
    const key = bytesToHex(session);
    if (!this.opts.ledger || this.reserved.size >= MAX_RESERVED) return;
    const recorded = this.claim(key);
    recorded.catch(() => undefined);
    this.reserved.set(key, recorded);
  }

  /** Writes the ledger's pending records and releases it (at node stop). */
  async close(): Promise<void> {
    await this.opts.ledger?.close();
  }

  /** Drops the reservation of a session that will not run (no-op once run() has taken it). */
  release(session: Uint8Array): void {
    this.reserved.delete(bytesToHex(session));
  }

  /** Reservations held now. */
  get reservations(): number {
    return this.reserved.size;
  }

  /**
   * The ledger's low-water mark (ms, 0 without a ledger): ids claimed before it may be forgotten,
   * so a request whose timestamp is before it plus the request window must be refused.
   */
  get prunedBefore(): number {
    return this.opts.ledger?.prunedBefore ?? 0;
  }

  private claim(key: string): Promise<void> {
    try {
      return this.opts.ledger!.claim(key);
    } catch (e) {
      if (e instanceof SessionReusedError)
        throw new SessionError(e.code, e.message, [], 0, { cause: e });
      throw e;
    }
  }

  /** Number of sessions running now. */
  get active(): number {
    return this.running;
  }

  /** Runs one session to completion and returns the final round's output. */
  async run<T>(spec: SessionSpec): Promise<T> {
    const max = this.opts.maxConcurrent ?? 8;
    if (!spec.background && this.running >= max)
      throw new SessionError('BUSY', `too many concurrent sessions (${max})`, [], 0);
    const key = bytesToHex(spec.session);
    if (this.live.has(key))
      throw new SessionError(
        'DUPLICATE_SESSION',
        'a session with this id is already running',
        [],
        0,
      );
    const me = this.transport.me.nodeId;
    const myParty = spec.parties.indexOf(me) + 1;
    if (!myParty)
      throw new SessionError('NOT_A_PARTY', `${me} is not a party of this session`, [], 0);
    const partyOfIndex = new Map<number, number>();
    const indexOfParty = new Map<number, number>();
    const members = new Set(spec.members ?? spec.parties.map((_, i) => i + 1));
    if (!members.has(myParty))
      throw new SessionError('NOT_A_PARTY', `${me} is not a member of this session`, [], 0);
    spec.parties.forEach((id, i) => {
      if (!members.has(i + 1)) return;
      const idx = this.transport.manifest.nodes.findIndex((n) => n.nodeId === id) + 1;
      if (!idx)
        throw new SessionError(
          'UNKNOWN_PARTY',
          `party ${id} is not in the cluster manifest`,
          [id],
          0,
        );
      partyOfIndex.set(idx, i + 1);
      indexOfParty.set(i + 1, idx);
    });
    // Durable before anything is sent (round one is computed while the record is written).
    const recorded = this.reserved.get(key) ?? (this.opts.ledger ? this.claim(key) : undefined);
    this.reserved.delete(key);
    recorded?.catch(() => undefined);
    const roundMs = spec.roundTimeoutMs ?? 30_000;
    const totalMs = spec.totalTimeoutMs ?? 120_000;
    let failure: SessionError | undefined;
    let wakeUp: () => void = () => {};
    /** Decides the session's failure (the first one wins) and reports it at once. */
    const decide = (e: SessionError): SessionError => {
      if (failure) return failure;
      failure = e;
      try {
        spec.onFailure?.(e);
      } catch {
        /* a hook's fault must not change how this session fails */
      }
      return failure;
    };
    const s: Live = {
      parties: spec.parties,
      members: [...partyOfIndex.values()].map((p) => spec.parties[p - 1]!),
      keyId: spec.keyId,
      curve: spec.curve,
      partyOfIndex,
      round: 1,
      lastSeq: new Map(),
      buffered: [],
      wake: () => wakeUp(),
      fail: (e) => {
        decide(e);
        wakeUp();
      },
      failed: () => failure !== undefined,
    };
    if (!spec.background) this.running++;
    this.live.set(key, s);
    const abort = (e: SessionError) => {
      // Tell every other party (no secret data: code, culprits, round, fixed text).
      const body = new TextEncoder().encode(
        JSON.stringify({
          code: e.code,
          culprits: e.culprits,
          round: e.round,
          message: e.message.slice(0, 200),
        }),
      );
      for (const [p, idx] of indexOfParty)
        if (p !== myParty)
          this.transport.send({
            kind: KIND.abort,
            session: spec.session,
            round: s.round,
            to: idx,
            body,
          });
    };
    // Protocol timers use the monotonic clock, so wall-clock jumps cannot stretch or cut them.
    const deadline = performance.now() + totalMs;
    try {
      let round: ProtocolRound;
      try {
        round = spec.start();
      } catch (e) {
        // The others are told at once (they would wait a round for this party otherwise).
        const f = decide(
          new SessionError(
            e instanceof CoreError
              ? e.code
              : SESSION_ERROR_CODES.includes((e as { code?: never }).code as never)
                ? (e as { code: SessionErrorCode }).code
                : 'START_FAILED',
            (e as Error).message,
            [],
            1,
            { cause: e },
          ),
        );
        abort(f);
        throw f;
      }
      s.current = round;
      try {
        await recorded;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        throw new SessionError(
          typeof code === 'string' && /^E[A-Z]+$/.test(code)
            ? (code as `E${string}`)
            : 'STORAGE_ERROR',
          `could not record the session start durably, so nothing was sent: ${(e as Error).message}`,
          [],
          1,
          { cause: e },
        );
      }
      if (failure) {
        if (!(failure instanceof SessionAbortedError)) abort(failure);
        throw failure;
      }
      const early = this.pending.get(key);
      this.pending.delete(key);
      for (;;) {
        s.current = round;
        for (const m of round.outgoing) {
          if (m.to === 0) {
            for (const [p, idx] of indexOfParty)
              if (p !== myParty)
                this.transport.send({
                  kind: KIND.protocol,
                  session: spec.session,
                  round: s.round,
                  to: idx,
                  broadcast: true,
                  body: m.bytes,
                });
          } else {
            this.transport.send({
              kind: KIND.protocol,
              session: spec.session,
              round: s.round,
              to: indexOfParty.get(m.to)!,
              body: m.bytes,
            });
          }
        }
        const backlog = [...(early?.msgs.splice(0) ?? []), ...s.buffered.splice(0)];
        for (const o of backlog) this.accept(key, s, o);
        const roundDeadline = Math.min(performance.now() + roundMs, deadline);
        while (!failure && round.missing().length > 0) {
          const left = roundDeadline - performance.now();
          if (left <= 0) {
            const missing = round.missing().map((p) => spec.parties[p - 1] ?? `party ${p}`);
            failure = decide(
              new SessionTimeoutError(
                'TIMEOUT',
                `round ${s.round} timed out waiting for ${missing.join(', ')}`,
                missing,
                s.round,
              ),
            );
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
          const culprits =
            e instanceof CoreError
              ? e.culprits.map((c) => spec.parties[c - 1] ?? `party ${c}`)
              : [];
          const f = decide(
            new SessionError(
              e instanceof CoreError ? e.code : 'PROTOCOL_ERROR',
              `round ${s.round}: ${(e as Error).message}`,
              culprits,
              s.round,
              { cause: e },
            ),
          );
          abort(f);
          throw f;
        }
      }
    } finally {
      if (!spec.background) this.running--;
      this.live.delete(key);
      this.finished.add(key);
      if (this.finished.size > 4096) this.finished.delete(this.finished.values().next().value!);
      this.transport.forget(spec.session);
    }
  }
}
