/**
 * Makes presignatures ahead of need. The leader of a pool (the first signer of its set, by
 * default the key's first `threshold` parties) proposes a presign session to its co-signers with a
 * proposal it signs; every signer checks it (a manifest node leading a set of the key's current
 * epoch, fresh, within this node's cap) and runs the session: DKLs23 signing rounds 1–2 (spec §4,
 * Protocol 3.6 Steps 4–9) or RFC 9591 §5.1's commitment round, under a session id derived from the
 * proposal's random id (the ledger refuses it twice). The leader then publishes the pool's id
 * list, signed. Refills run when this node is otherwise idle or within `budget` of its time, so
 * they never starve online signings. A periodic reconcile drops what can no longer be used: another
 * epoch (refresh, reshare), a banned peer, an id the leader no longer lists, a claim abandoned.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import type { Logger } from 'pino';
import {
  ed25519Sign,
  ed25519Verify,
  startEcdsaPresign,
  startFrostPresign,
} from '../../core/index.ts';
import type { ProtocolRound } from '../../protocol/round.ts';
import { SessionAbortedError, type SessionManager } from '../../protocol/session.ts';
import type { Manifest } from '../identity/manifest.ts';
import type { PrivateIdentity } from '../identity/identity.ts';
import { record } from '../names.ts';
import { canonical } from '../requests/requests.ts';
import { REQUEST_WINDOW_MS, sessionId } from '../requests/request.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import type { KeyMeta } from '../operations/keys.ts';
import { ban, bannedPeers, quarantined } from '../operations/bans.ts';
import { CLAIM_ABANDONED_MS, type PresignaturePools } from '../cluster/presignature-pools.ts';
import { poolOf, type PresignatureMeta, type PresignatureStore } from './store.ts';

/** A leader's signed proposal of one presign session. */
export interface Proposal {
  cluster: string;
  keyId: string;
  curve: 'secp256k1' | 'ed25519';
  epoch: string;
  signers: string[];
  /** 32 random bytes, hex: the presignature's id and its session's seed. */
  id: string;
  at: number;
}

export interface PresignConfig {
  /** Presignatures kept ready per pool this node leads (0: none). */
  pool: number;
  /** Share of this node's time refills may take while other sessions run. */
  budget: number;
  /** Presign sessions this node leads at once. */
  concurrency: number;
}

/** Presignatures a node holds per pool at most, whatever leaders propose (a flood is refused). */
const MAX_HELD_PER_POOL = 256;
/** Presign sessions a node takes part in at once as a co-signer. */
const MAX_COSIGNING = 4;
const PRESIGN_ROUND_MS = 10_000;
/** How long after an online request a node counts as busy. */
const IDLE_MS = 25;
/** A co-signer keeps a presignature its leader does not list for this long (the list may be on its way). */
const ORPHAN_GRACE_MS = 60_000;

const proposalBytes = (p: Proposal) =>
  new TextEncoder().encode(`tessera-presign/v1\n${canonical(p)}`);

export const presignSession = (id: string, curve: string) => sessionId(id, `presign/${curve}`);

export class Presigner {
  private running = new Map<string, number>();
  private cosigning = 0;
  private timer?: ReturnType<typeof setInterval>;
  private reconciler?: ReturnType<typeof setInterval>;
  private notBefore = 0;
  private dirty = new Set<string>();
  private stopped = false;
  private lastReconcile = 0;
  private flushSoon?: ReturnType<typeof setTimeout>;
  /** When this node first saw a claim of a presignature it still holds (its own clock). */
  private readonly claimSeen = new Map<string, number>();

  constructor(
    private readonly me: PrivateIdentity,
    private readonly manifest: Manifest,
    private readonly store: EncryptedStore,
    readonly held: PresignatureStore,
    private readonly pools: PresignaturePools,
    private readonly sessions: SessionManager,
    private readonly cfg: PresignConfig,
    private readonly io: {
      publish(data: Uint8Array): void;
      notReady(ids: string[]): Promise<string[]>;
      log: Logger;
    },
  ) {
    // A pool this node leads is restated after each refill and at each reconcile, and at once when
    // presignatures were dropped (unclaimed: an API would claim them). A used one was claimed, and
    // every API sees claims as they are made.
    held.onChange = (pool, dropped) => {
      this.dirty.add(pool);
      if (!dropped) return;
      this.flushSoon ??= setTimeout(() => {
        this.flushSoon = undefined;
        void this.flush();
      }, 5);
    };
  }

  /** Starts refilling (when `pool` > 0) and reconciling. */
  start(): void {
    if (this.cfg.pool > 0) {
      this.timer = setInterval(() => void this.refill(), 200);
      this.timer.unref?.();
    }
    this.reconciler = setInterval(() => void this.reconcile(), 5_000);
    this.reconciler.unref?.();
    void this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.reconciler);
  }

  private metaCache?: { at: number; metas: KeyMeta[] };

  /** This node's key metadata (kept 1 s: a refill step runs every 200 ms). */
  private async metas(): Promise<KeyMeta[]> {
    if (this.metaCache && performance.now() - this.metaCache.at < 1_000)
      return this.metaCache.metas;
    const out: KeyMeta[] = [];
    for (const { name } of await this.store.records()) {
      if (!name.startsWith(record.metaPrefix)) continue;
      const m = await this.store.getJson<KeyMeta>(name).catch(() => undefined);
      if (m) out.push(m);
    }
    this.metaCache = { at: performance.now(), metas: out };
    return out;
  }

  private usable = (m: KeyMeta | undefined): m is KeyMeta & { epoch: string } =>
    !!m && !m.left && !m.keygenRequest && !m.next && !!m.epoch;

  private lastOnline = -Infinity;
  private refilling = false;
  private again = false;

  /** An online request started or ended here: refills wait for a quiet moment (IDLE_MS). */
  touch(): void {
    this.lastOnline = performance.now();
  }

  /**
   * One refill step: up to `concurrency` sessions for pools below target. While online requests
   * run (or ran in the last IDLE_MS) only a pool below a quarter of its target refills, and
   * within `budget`; an idle node fills every pool.
   */
  async refill(): Promise<void> {
    if (this.stopped || performance.now() < this.notBefore) return;
    if (this.refilling) return void (this.again = true);
    this.refilling = true;
    try {
      do {
        this.again = false;
        await this.refillStep();
      } while (this.again && !this.stopped);
    } finally {
      this.refilling = false;
    }
  }

  private async refillStep(): Promise<void> {
    let led = 0;
    for (const v of this.running.values()) led += v;
    if (led >= this.cfg.concurrency) return;
    const busy = this.sessions.active > 0 || performance.now() - this.lastOnline < IDLE_MS;
    const low = Math.max(1, Math.floor(this.cfg.pool / 4));
    for (const m of await this.metas()) {
      if (!this.usable(m)) continue;
      const signers = m.parties.slice(0, m.threshold);
      if (signers[0] !== this.me.nodeId) continue;
      for (const curve of m.curves) {
        const pool = poolOf({ keyId: m.keyId, curve, signers });
        // A claimed one is spoken for (used, or dropped once abandoned): it does not count.
        const have =
          this.held.list(pool).filter((p) => p.epoch === m.epoch && !this.pools.isClaimed(p.id))
            .length + (this.running.get(pool) ?? 0);
        if (have >= (busy ? low : this.cfg.pool)) continue;
        if ((await this.io.notReady(signers)).length) continue;
        if (
          (await quarantined(this.store, m.keyId, m.epoch)) ||
          (await bannedPeers(this.store, m.keyId, m.epoch)).some((p) => signers.includes(p))
        )
          continue;
        for (let n = have; n < (busy ? low : this.cfg.pool); n++) {
          void this.lead(m, curve, signers, pool).then(() => void this.refill());
          if (++led >= this.cfg.concurrency) return;
        }
      }
    }
    await this.flush(true);
  }

  private async lead(
    m: KeyMeta & { epoch: string },
    curve: 'secp256k1' | 'ed25519',
    signers: string[],
    pool: string,
  ): Promise<void> {
    this.running.set(pool, (this.running.get(pool) ?? 0) + 1);
    const t0 = performance.now();
    const busy = this.sessions.active > 0;
    try {
      const p: Proposal = {
        cluster: this.manifest.cluster,
        keyId: m.keyId,
        curve,
        epoch: m.epoch,
        signers,
        id: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
        at: Date.now(),
      };
      const signature = bytesToHex(ed25519Sign(this.me.ed25519Secret, proposalBytes(p)));
      this.io.publish(
        new TextEncoder().encode(JSON.stringify({ presign: p, by: this.me.nodeId, signature })),
      );
      await this.run(p, m, pool);
      await this.flush(true);
    } catch (e) {
      this.io.log.warn(
        {
          event: 'presign_failed',
          keyId: m.keyId,
          curve,
          code: (e as { code?: string }).code ?? 'INTERNAL',
          culprits: (e as { culprits?: string[] }).culprits,
        },
        'a presign session failed',
      );
      // A failing pool is not retried at once.
      this.notBefore = performance.now() + 2_000;
    } finally {
      this.running.set(pool, (this.running.get(pool) ?? 1) - 1);
      // Within budget: under load a refill waits (1 - budget) / budget of its own duration.
      const took = performance.now() - t0;
      if (busy || this.sessions.active > 0)
        this.notBefore = Math.max(
          this.notBefore,
          performance.now() + (took * (1 - this.cfg.budget)) / this.cfg.budget,
        );
    }
  }

  /** A co-signer's answer to a leader's proposal: checked, then run; anything wrong is dropped (logged). */
  async onProposal(msg: unknown): Promise<void> {
    const o = msg as { presign?: Proposal; by?: unknown; signature?: unknown };
    const p = o?.presign;
    const refuse = (reason: string) =>
      this.io.log.warn({ event: 'presign_refused', reason }, 'refused a presign proposal');
    if (
      !p ||
      typeof o.by !== 'string' ||
      typeof o.signature !== 'string' ||
      typeof p.keyId !== 'string' ||
      (p.curve !== 'secp256k1' && p.curve !== 'ed25519') ||
      typeof p.epoch !== 'string' ||
      !Array.isArray(p.signers) ||
      !p.signers.every((s) => typeof s === 'string') ||
      typeof p.id !== 'string' ||
      !/^[0-9a-f]{64}$/.test(p.id) ||
      typeof p.at !== 'number'
    )
      return refuse('MALFORMED');
    if (o.by === this.me.nodeId || !p.signers.includes(this.me.nodeId)) return;
    // Counted before any await: proposals arriving together cannot pass the cap together.
    if (this.cosigning >= MAX_COSIGNING) return refuse('FULL');
    this.cosigning++;
    try {
      await this.cosign(p, o.by, o.signature, refuse);
    } finally {
      this.cosigning--;
    }
  }

  private async cosign(
    p: Proposal,
    by: string,
    signature: string,
    refuse: (reason: string) => void,
  ): Promise<void> {
    const leader = this.manifest.nodes.find((n) => n.nodeId === by);
    if (
      !leader ||
      p.signers[0] !== by ||
      p.cluster !== this.manifest.cluster ||
      !/^([0-9a-f]{2}){64}$/.test(signature) ||
      !ed25519Verify(hexToBytes(leader.ed25519), proposalBytes(p), hexToBytes(signature))
    )
      return refuse('BAD_SIGNATURE');
    if (
      Math.abs(Date.now() - p.at) > REQUEST_WINDOW_MS ||
      p.at < this.sessions.prunedBefore + REQUEST_WINDOW_MS
    )
      return refuse('EXPIRED');
    const m = await this.store.getJson<KeyMeta>(record.meta(p.keyId)).catch(() => undefined);
    if (!this.usable(m) || m.epoch !== p.epoch || !m.curves.includes(p.curve))
      return refuse('KEY_NOT_ACTIVE');
    const order = p.signers.map((s) => m.parties.indexOf(s));
    if (
      p.signers.length < m.threshold ||
      order.some((i, k) => i < 0 || (k > 0 && i <= order[k - 1]!))
    )
      return refuse('SIGNERS');
    const pool = poolOf({ keyId: p.keyId, curve: p.curve, signers: p.signers });
    if (this.held.list(pool).length + this.held.pending(pool) >= MAX_HELD_PER_POOL)
      return refuse('FULL');
    // Ids are public (pool lists): one already held or being made here, for any pool, is refused.
    if (this.held.knows(p.id)) return refuse('DUPLICATE_ID');
    if (
      (await quarantined(this.store, m.keyId, m.epoch)) ||
      (await bannedPeers(this.store, m.keyId, m.epoch)).some((b) => p.signers.includes(b))
    )
      return refuse('BANNED');
    try {
      await this.run(p, m, pool);
    } catch (e) {
      if (!(e instanceof SessionAbortedError))
        this.io.log.warn(
          {
            event: 'presign_failed',
            keyId: p.keyId,
            curve: p.curve,
            code: (e as { code?: string }).code ?? 'INTERNAL',
          },
          'a presign session failed',
        );
    }
  }

  /** Runs one presign session and stores its output (a signing that names it meanwhile waits for it). */
  private run(p: Proposal, m: KeyMeta & { epoch: string }, pool: string): Promise<void> {
    return this.held.expect(p.id, pool, this.runSession(p, m));
  }

  private async runSession(p: Proposal, m: KeyMeta & { epoch: string }): Promise<void> {
    const session = presignSession(p.id, p.curve);
    const members = p.signers.map((s) => m.parties.indexOf(s) + 1);
    const blob = await this.store.get(record.share(m.keyId, p.curve), m.versions[p.curve] ?? 1);
    if (!blob) throw Object.assign(new Error('share missing'), { code: 'UNKNOWN_KEY' });
    // Wiped whatever happens (a session refused before it starts never calls start()).
    const out = await this.sessions
      .run<Uint8Array>({
        background: true,
        session,
        parties: m.parties,
        members,
        keyId: m.keyId,
        curve: p.curve,
        roundTimeoutMs: PRESIGN_ROUND_MS,
        totalTimeoutMs: 3 * PRESIGN_ROUND_MS,
        // What this node's own checks prove is acted on as in a signing: a failed ECDSA consistency check bans.
        onFailure: (e) => {
          if (e instanceof SessionAbortedError) return;
          const culprits = e.culprits.filter((c) => c !== this.me.nodeId);
          if (e.code === 'CONSISTENCY_CHECK_FAILED' && p.curve === 'secp256k1' && culprits.length)
            ban(this.store, this.sessions, m.keyId, m.epoch, culprits).catch(() => undefined);
        },
        start: (): ProtocolRound => {
          try {
            return p.curve === 'secp256k1'
              ? startEcdsaPresign({ key: blob, session, signers: members })
              : startFrostPresign({ key: blob, session, signers: members });
          } finally {
            blob.fill(0);
          }
        },
      })
      .finally(() => blob.fill(0));
    const meta: PresignatureMeta = {
      id: p.id,
      keyId: p.keyId,
      curve: p.curve,
      epoch: p.epoch,
      signers: p.signers,
      createdAt: Date.now(),
    };
    await this.held.add(meta, out);
  }

  private lastFlush = -Infinity;

  /**
   * Publishes the id list of every pool this node leads that changed. `soon` (after refills and
   * uses): at most once a second, since APIs see every claim as it is made; drops go out at once.
   */
  async flush(soon = false): Promise<void> {
    if (soon && performance.now() - this.lastFlush < 1_000) return;
    this.lastFlush = performance.now();
    const pools = [...this.dirty];
    this.dirty.clear();
    for (const pool of pools) {
      const [keyId, curve, set] = pool.split('\n') as [string, string, string];
      const signers = set.split(',');
      if (signers[0] !== this.me.nodeId) continue;
      const m = await this.store.getJson<KeyMeta>(record.meta(keyId)).catch(() => undefined);
      if (!this.usable(m)) continue;
      const ids = this.held
        .list(pool)
        .filter((x) => x.epoch === m.epoch)
        .map((x) => x.id);
      await this.pools
        .publish(this.me, { keyId, curve, signers, epoch: m.epoch, ids })
        .catch(() => this.dirty.add(pool));
    }
  }

  /** Drops what can no longer be used; the leader also drops claims abandoned by a crashed API node. */
  async reconcile(): Promise<void> {
    // A node that makes no presignatures and holds none has nothing to reconcile.
    if (this.stopped || (this.cfg.pool === 0 && this.held.size === 0)) return;
    const now = Date.now();
    const checkClaims = now - this.lastReconcile > 30_000;
    if (checkClaims) this.lastReconcile = now;
    const metas = new Map<string, KeyMeta>();
    try {
      for (const p of this.held.expired()) await this.held.drop(p);
      for (const id of this.claimSeen.keys()) if (!this.held.knows(id)) this.claimSeen.delete(id);
      for (const p of this.held.all()) {
        if (!metas.has(p.keyId)) {
          const m = await this.store.getJson<KeyMeta>(record.meta(p.keyId)).catch(() => undefined);
          if (m) metas.set(p.keyId, m);
        }
        const m = metas.get(p.keyId);
        const stale = !m || m.left || m.epoch !== p.epoch || !m.curves.includes(p.curve as never);
        const banned =
          m && (await bannedPeers(this.store, p.keyId, m.epoch)).some((b) => p.signers.includes(b));
        if (stale || banned) {
          await this.held.drop(p);
          continue;
        }
        if (p.signers[0] === this.me.nodeId) {
          // A claim's content is anyone's word: what counts is how long this node has seen it.
          if (this.pools.isClaimed(p.id) || checkClaims) {
            const claimed = this.pools.isClaimed(p.id) || (await this.pools.claimedInBucket(p.id));
            if (!claimed) this.claimSeen.delete(p.id);
            else if (!this.claimSeen.has(p.id)) this.claimSeen.set(p.id, now);
            else if (now - this.claimSeen.get(p.id)! > CLAIM_ABANDONED_MS) {
              this.claimSeen.delete(p.id);
              await this.held.drop(p);
            }
          }
        } else if (now - p.createdAt > ORPHAN_GRACE_MS) {
          const entry = await this.pools.pool(p.keyId, p.curve, p.signers);
          if (!entry || entry.epoch !== p.epoch || !entry.ids.includes(p.id))
            await this.held.drop(p);
        }
      }
      // A leader restored or restarted restates its pools (an empty list drops its co-signers' orphans).
      for (const m of await this.metas()) {
        if (!this.usable(m)) continue;
        const signers = m.parties.slice(0, m.threshold);
        if (signers[0] !== this.me.nodeId) continue;
        for (const curve of m.curves) {
          const pool = poolOf({ keyId: m.keyId, curve, signers });
          const listed = await this.pools.pool(m.keyId, curve, signers);
          const ids = this.held.list(pool).map((x) => x.id);
          if (!listed || listed.epoch !== m.epoch || listed.ids.join() !== ids.join())
            this.dirty.add(pool);
        }
      }
      await this.flush();
    } catch (e) {
      this.io.log.warn(
        { event: 'presign_reconcile_failed', code: (e as { code?: string }).code ?? 'INTERNAL' },
        'presignature reconcile failed',
      );
    }
  }
}
