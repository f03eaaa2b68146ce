/**
 * What the HTTP API needs from the cluster, over the bus (NATS): the cluster-wide nonce cache and
 * idempotency records, per-key operation locks, submitting a signed request to the request
 * stream, and waiting for the participants' attested results.
 * @module
 */
import type { Bus, KvLike } from '../bus/bus.ts';
import { SIGNED_HTTP_WINDOW_MS } from '../../auth/signed-http.ts';
import type { Manifest } from '../identity/manifest.ts';
import type { ClusterKey, ClusterKeys } from '../operations/keys.ts';
import { ed25519Sign, ed25519Verify } from '../../core/index.ts';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import type { PrivateIdentity } from '../identity/identity.ts';
import {
  chooseRecord,
  recordOf,
  signStatement,
  verifyStatement,
  type KeyStatement,
} from './key-record.ts';
import {
  canonical,
  verifyAttestation,
  type NodeResult,
  type SignedRequest,
} from '../requests/requests.ts';

import { kvKey, names } from '../names.ts';
import { PresignaturePools } from './presignature-pools.ts';

export { names };

/** A stored HTTP answer for an Idempotency-Key. */
export interface IdempotentAnswer {
  bodyHash: string;
  status: number;
  body: unknown;
}

/** A node's heartbeat in KV, signed by the node (anyone on the bus could write the bucket). */
export interface Heartbeat {
  nodeId: string;
  /** The node's clock (ms) when it beat. */
  ts: number;
  /** Sessions it was running. */
  active: number;
  /** Ed25519 by the node's identity key over `heartbeatBytes` (hex). */
  sig: string;
}

/** What a heartbeat signature covers: domain-separated from attestations (canonical JSON starts with `{`) and bound to the cluster. */
function heartbeatBytes(cluster: string, b: Omit<Heartbeat, 'sig'>): Uint8Array {
  return new TextEncoder().encode(
    `tessera/heartbeat/v1\n${cluster}\n${canonical({ nodeId: b.nodeId, ts: b.ts, active: b.active })}`,
  );
}

/** Who stored an Idempotency-Key answer: an API node of the cluster, over `answerBytes`. */
interface SignedAnswer {
  nodeId: string;
  sig: string;
}

/** What an answer's signature covers: the cluster, the initiator and key it answers, and the answer. */
function answerBytes(
  cluster: string,
  initiator: string,
  key: string,
  a: IdempotentAnswer,
): Uint8Array {
  return new TextEncoder().encode(
    `tessera/idempotent-answer/v1\n${cluster}\n${initiator}\n${key}\n${canonical({ bodyHash: a.bodyHash, status: a.status, body: a.body })}`,
  );
}

/** A record read from the bus that its owner did not write (forged, tampered or unsigned): reported, never acted on. */
export interface Forgery {
  /** The bucket. */
  record: 'heartbeat' | 'result' | 'key' | 'idempotency';
  /** The key it was read under. */
  key: string;
  reason: string;
}

/** How long a key record read from the bus is used without reading it again (changes seen on the bus drop it at once). */
const KEY_CACHE_MS = 2_000;
/** After a change is seen on the bus, reads are not kept for this long (the stream may store it a little after subscribers see it). */
const KEY_SETTLE_MS = 500;

/** The cluster-wide KV buckets (created on first use; JetStream file storage, so they survive restarts). */
export class ClusterState implements ClusterKeys {
  private constructor(
    readonly bus: Bus,
    readonly manifest: Manifest,
    readonly results: KvLike,
    readonly keys: KvLike,
    readonly nonces: KvLike,
    readonly idempotency: KvLike,
    readonly locks: KvLike,
    readonly heartbeats: KvLike,
    readonly pools: PresignaturePools,
  ) {}

  /** Called for each forged record read (log it); what it holds is ignored. */
  onForgery: (f: Forgery) => void = () => undefined;

  /** Opens (creating if needed) every bucket. */
  static async open(bus: Bus, manifest: Manifest, lockTtlMs = 10 * 60_000): Promise<ClusterState> {
    const n = names(manifest.cluster);
    return new ClusterState(
      bus,
      manifest,
      await bus.kv(n.results, { ttlMs: 24 * 3600_000 }),
      await bus.kv(n.keys, {}),
      // Nonces are kept for the whole ±window, so a replay inside it is always caught.
      await bus.kv(n.nonces, { ttlMs: 2 * SIGNED_HTTP_WINDOW_MS + 10_000 }),
      await bus.kv(n.idempotency, { ttlMs: 24 * 3600_000 }),
      await bus.kv(n.locks, { ttlMs: lockTtlMs }),
      await bus.kv(n.heartbeats, { ttlMs: 60_000 }),
      await PresignaturePools.open(bus, manifest),
    );
  }

  /** The identity this process writes its own records with (a node); without it, key records are read-only. */
  signer?: PrivateIdentity;

  /**
   * A key's public record, as its parties signed it: each party writes its own statement of the
   * record when it activates a version (keygen, refresh, reshare), and a record counts once at
   * least `threshold` of its own parties signed the very same content. Of two such records, one
   * whose `previousEpoch` is the other's epoch supersedes it (a refresh or reshare in the middle of
   * being promoted). Anything else in the bucket is reported and ignored.
   */
  async get(keyId: string): Promise<ClusterKey | undefined> {
    return chooseRecord(await this.statements(keyId));
  }

  /** The verified statements of a key's record, one per node at most (evidence for a client); `fresh`: read from the bus, not memory. */
  async statements(keyId: string, fresh = false): Promise<KeyStatement[]> {
    const cached = this.recordCache.get(kvKey(keyId));
    if (cached && !fresh && performance.now() - cached.at < KEY_CACHE_MS) return cached.statements;
    const generation = this.recordGeneration;
    const read = await this.readStatements(keyId);
    // Kept only if no change to any key record was seen while reading, nor shortly before (a
    // subscriber can see a write before the stream has stored it, so a read just after may be older).
    if (
      this.keyWatch &&
      generation === this.recordGeneration &&
      performance.now() - this.lastChangeAt > KEY_SETTLE_MS
    ) {
      if (this.recordCache.size >= 4096) this.recordCache.clear();
      this.recordCache.set(kvKey(keyId), { at: performance.now(), statements: read });
    }
    return read;
  }

  private readonly recordCache = new Map<string, { at: number; statements: KeyStatement[] }>();
  private recordGeneration = 0;
  private lastChangeAt = -Infinity;
  private keyWatch?: { unsubscribe(): void };

  /**
   * Keeps the key records read recently in memory (a signing then reads none over the bus): any
   * write, delete or purge in the bucket is published on its subject and drops the key's entry
   * at once (and reads shortly after a change are not kept); an entry is re-read after KEY_CACHE_MS anyway, in case a change went unseen (a
   * reconnect). Nothing is lost in trust: every statement was verified when read, and the bus is
   * not trusted for freshness in any case (it could serve an old genuine statement).
   */
  watchKeys(): void {
    const prefix = `$KV.${names(this.manifest.cluster).keys}.`;
    // Statements live under `<keyId>.<nodeId>` (escaped: neither holds a dot).
    this.keyWatch ??= this.bus.subscribe(`${prefix}*.*`, (_d, subject) => {
      this.recordGeneration++;
      this.lastChangeAt = performance.now();
      this.recordCache.delete(subject.slice(prefix.length).split('.')[0]!);
    });
  }

  private async readStatements(keyId: string): Promise<KeyStatement[]> {
    const read = await Promise.all(
      this.manifest.nodes.map(
        async (n) =>
          [
            n.nodeId,
            await this.keys.get(`${kvKey(keyId)}.${kvKey(n.nodeId)}`).catch(() => null),
          ] as const,
      ),
    );
    const out: KeyStatement[] = [];
    let forged = 0;
    for (const [nodeId, e] of read) {
      if (!e?.value.length) continue;
      const st = this.verifiedStatement(keyId, nodeId, e.string());
      if (st) out.push(st);
      else {
        forged++;
        this.onForgery({
          record: 'key',
          key: `${keyId}.${nodeId}`.slice(0, 130),
          reason: 'not a key statement signed by its node',
        });
      }
    }
    if (forged) this.forgedRecords.set(kvKey(keyId), forged);
    else this.forgedRecords.delete(kvKey(keyId));
    if (this.forgedRecords.size > 4096) this.forgedRecords.clear();
    return out;
  }

  /** Keys whose record, when last read, held statements their nodes did not sign (how many). */
  private readonly forgedRecords = new Map<string, number>();

  /** Whether the last read of `keyId`'s record found forged statements (the API then answers 502 FORGED_RECORD instead of 404 when no valid record remains). */
  forgedRecord(keyId: string): boolean {
    return this.forgedRecords.has(kvKey(keyId));
  }

  private readonly statementCache = new Map<string, KeyStatement>();

  private verifiedStatement(
    keyId: string,
    nodeId: string,
    value: string,
  ): KeyStatement | undefined {
    const cached = this.statementCache.get(value);
    if (cached) return cached.keyId === keyId && cached.nodeId === nodeId ? cached : undefined;
    let st: KeyStatement;
    try {
      st = JSON.parse(value) as KeyStatement;
    } catch {
      return undefined;
    }
    if (st?.nodeId !== nodeId || !verifyStatement(this.manifest, keyId, st)) return undefined;
    // Only what the signature covers is kept.
    const clean: KeyStatement = { ...recordOf(st), nodeId: st.nodeId, sig: st.sig };
    if (this.statementCache.size > 4096) this.statementCache.clear();
    this.statementCache.set(value, clean);
    return clean;
  }

  /** Writes this node's signed statement of a key's public record (after it activated that version). */
  async put(key: ClusterKey): Promise<void> {
    if (!this.signer) throw new Error('only a node writes key records');
    await this.keys.put(
      `${kvKey(key.keyId)}.${kvKey(this.signer.nodeId)}`,
      JSON.stringify(signStatement(this.signer, this.manifest.cluster, key)),
    );
  }

  /** Waits until the key's record is at `epoch` (its parties activated it), or `timeoutMs`; returns it then, else undefined. */
  async awaitKey(keyId: string, epoch: string, timeoutMs: number): Promise<ClusterKey | undefined> {
    for (const until = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
      const k = await this.get(keyId);
      if (k?.epoch === epoch) return k;
      if (Date.now() > until) return undefined;
    }
  }

  /** Records a nonce; false when it was already used (cluster-wide, atomically). */
  async claimNonce(initiator: string, nonce: string): Promise<boolean> {
    try {
      await this.nonces.create(kvKey(initiator, nonce), String(Date.now()));
      return true;
    } catch (e) {
      if (/wrong last sequence|exists/i.test(String((e as Error).message))) return false;
      throw e;
    }
  }

  /**
   * The stored answer of an Idempotency-Key, if any, or 'forged' (reported): an answer counts only
   * when an API node of this cluster signed it for this initiator and key, and the attestations
   * of a success still verify and carry its request id.
   */
  async idempotent(
    initiator: string,
    key: string,
  ): Promise<IdempotentAnswer | 'running' | 'forged' | undefined> {
    const e = await this.idempotency.get(kvKey(initiator, key)).catch(() => null);
    if (!e || !e.value.length) return undefined;
    let v: (IdempotentAnswer & SignedAnswer) | { running: string };
    try {
      v = JSON.parse(e.string()) as typeof v;
    } catch {
      v = { nodeId: '', sig: '' } as unknown as typeof v;
    }
    if (v && typeof v === 'object' && 'running' in v) return 'running';
    if (this.verifiedAnswer(initiator, key, v))
      return { bodyHash: v.bodyHash, status: v.status, body: v.body };
    this.onForgery({
      record: 'idempotency',
      key: `${initiator}.${key}`.slice(0, 130),
      reason: 'not an answer an API node of this cluster signed, with attestations that verify',
    });
    return 'forged';
  }

  private verifiedAnswer(
    initiator: string,
    key: string,
    v: IdempotentAnswer & SignedAnswer,
  ): boolean {
    const node = this.manifest.nodes.find((n) => n.nodeId === v?.nodeId);
    if (
      !node ||
      typeof v.sig !== 'string' ||
      typeof v.bodyHash !== 'string' ||
      !Number.isInteger(v.status)
    )
      return false;
    try {
      if (
        !ed25519Verify(
          hexToBytes(node.ed25519),
          answerBytes(this.manifest.cluster, initiator, key, v),
          hexToBytes(v.sig),
        )
      )
        return false;
    } catch {
      return false;
    }
    if (v.status >= 300) return true;
    const body = v.body as {
      requestId?: unknown;
      attestations?: unknown;
      signature?: unknown;
      publicKeys?: unknown;
    };
    if (
      typeof body?.requestId !== 'string' ||
      (body.attestations !== undefined && !Array.isArray(body.attestations))
    )
      return false;
    const attestations = (body.attestations ?? []) as NodeResult[];
    // What the answer states must be what its attestations say (genuine attestations under a made-up signature or key are refused).
    const same = (field: 'signature' | 'publicKeys') =>
      body[field] === undefined ||
      attestations.every((a) => !a.ok || canonical(a.result?.[field]) === canonical(body[field]));
    return (
      attestations.every(
        (a) => a?.requestId === body.requestId && verifyAttestation(this.manifest, a),
      ) &&
      same('signature') &&
      same('publicKeys')
    );
  }

  /** Claims an Idempotency-Key for a new request; false when another request holds it. */
  async claimIdempotency(initiator: string, key: string, bodyHash: string): Promise<boolean> {
    try {
      await this.idempotency.create(kvKey(initiator, key), JSON.stringify({ running: bodyHash }));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores the answer for an Idempotency-Key, signed by this node (without a signer nothing is stored: a retry runs again). */
  async answer(initiator: string, key: string, a: IdempotentAnswer): Promise<void> {
    if (!this.signer) return this.forgetIdempotency(initiator, key);
    const signed: IdempotentAnswer & SignedAnswer = {
      ...a,
      nodeId: this.signer.nodeId,
      sig: bytesToHex(
        ed25519Sign(
          this.signer.ed25519Secret,
          answerBytes(this.manifest.cluster, initiator, key, a),
        ),
      ),
    };
    await this.idempotency.put(kvKey(initiator, key), JSON.stringify(signed));
  }

  /** Forgets an Idempotency-Key whose request had no definite answer (so a retry runs again). */
  async forgetIdempotency(initiator: string, key: string): Promise<void> {
    await this.idempotency.delete(kvKey(initiator, key)).catch(() => undefined);
  }

  /** Takes the exclusive lock of a key for a refresh or reshare; false when held. */
  async lock(keyId: string, requestId: string): Promise<boolean> {
    try {
      await this.locks.create(kvKey(keyId), requestId);
      return true;
    } catch {
      return false;
    }
  }

  /** Who holds a key's lock, if anyone. */
  async locked(keyId: string): Promise<string | undefined> {
    const e = await this.locks.get(kvKey(keyId)).catch(() => null);
    return e && e.value.length ? e.string() : undefined;
  }

  /** Keys seen unlocked, with the lock-event count when read (a later event on the key invalidates them). */
  private readonly unlocked = new Map<string, number>();
  private readonly lockEvents = new Map<string, number>();
  private lockSub?: { unsubscribe(): void };

  /** Keeps "not locked" answers in memory until the key's lock changes (a signing then reads no lock over the bus). */
  watchLocks(): void {
    const prefix = `$KV.${names(this.manifest.cluster).locks}.`;
    this.lockSub ??= this.bus.subscribe(`${prefix}*`, (_d, subject) => {
      const k = subject.slice(prefix.length);
      this.lockEvents.set(k, (this.lockEvents.get(k) ?? 0) + 1);
      this.unlocked.delete(k);
    });
  }

  /**
   * `locked`, answered from memory when the key was last seen unlocked and no lock event came
   * since (a held lock is always read again: its expiry publishes nothing). For a signing's
   * KEY_BUSY answer only: a lock is never taken on it.
   */
  async lockedCached(keyId: string): Promise<string | undefined> {
    const k = kvKey(keyId);
    if (this.lockSub && this.unlocked.get(k) === (this.lockEvents.get(k) ?? 0)) return undefined;
    const seen = this.lockEvents.get(k) ?? 0;
    const holder = await this.locked(keyId);
    if (this.lockSub && !holder && (this.lockEvents.get(k) ?? 0) === seen)
      this.unlocked.set(k, seen);
    return holder;
  }

  /** Releases a key's lock. */
  async unlock(keyId: string): Promise<void> {
    await this.locks.delete(kvKey(keyId)).catch(() => undefined);
  }

  /** Locks this process took for a request itself (`holdLock`), so it is the one to release them. */
  private readonly taken = new Set<string>();

  /** Holds a key's lock for `requestId`: takes it, or finds that request holding it already (the API, or another party, took it); false when another request holds it. */
  async holdLock(keyId: string, requestId: string): Promise<boolean> {
    if (await this.lock(keyId, requestId)) {
      this.taken.add(`${keyId}\n${requestId}`);
      return true;
    }
    return (await this.locked(keyId)) === requestId;
  }

  /** Releases a lock `holdLock` took for `requestId`, if this request still holds it (a lock held for another request stays). */
  async releaseHeld(keyId: string, requestId: string): Promise<void> {
    if (!this.taken.has(`${keyId}\n${requestId}`)) return;
    const e = await this.locks.get(kvKey(keyId));
    // Compare-and-set: a lock another request took in between stays.
    if (e?.value.length && e.string() === requestId)
      await this.locks.delete(kvKey(keyId), { previousSeq: e.revision });
    this.taken.delete(`${keyId}\n${requestId}`);
  }

  /**
   * Publishes a signed request: key changes go to the durable request stream (de-duplicated by
   * request id); signings, with `fast`, go straight to every node over core NATS, which saves
   * the stream write and the consumers' uneven delivery. A node that misses one makes the
   * signing time out (504) and a retry runs a fresh one (a new request id, so a new session id:
   * nodes never run one session id twice, which for DKLs23 would leak the key).
   */
  async submit(signed: SignedRequest, requestId: string, fast = false): Promise<void> {
    const data = new TextEncoder().encode(JSON.stringify(signed));
    const n = names(this.manifest.cluster);
    if (fast) this.bus.publish(n.fast, data);
    else await this.bus.streamPublish(n.requests, data, requestId);
  }

  /**
   * Publishes a node's attested result, once: a result is created, never replaced, so nothing
   * can overwrite it after a reader has seen it. A value already there that is not a verified
   * result of this node for this request (planted by someone else on the bus) is replaced; the
   * same result again (a redelivery) is a no-op; a different verified one stays (the first wins).
   */
  async putResult(r: NodeResult): Promise<void> {
    const key = `${r.requestId}.${kvKey(r.nodeId)}`;
    const value = JSON.stringify(r);
    try {
      await this.results.create(key, value);
      return;
    } catch {
      /* already there */
    }
    // Replaced only when read and found not to be this node's verified result (a read that fails replaces nothing).
    const there = await this.results.get(key);
    if (there?.value.length && this.verifiedResult(key, r.requestId, r.nodeId, there.value, false))
      return;
    await this.results.put(key, value);
  }

  /** An attested result already published for (request, node), if any; a forged one is reported and ignored. */
  async result(requestId: string, nodeId: string): Promise<NodeResult | undefined> {
    const key = `${requestId}.${kvKey(nodeId)}`;
    const e = await this.results.get(key).catch(() => null);
    return e && e.value.length ? this.verifiedResult(key, requestId, nodeId, e.value) : undefined;
  }

  /** `value` parsed as `nodeId`'s attested result for `requestId`, or undefined (reported when `report`). */
  private verifiedResult(
    key: string,
    requestId: string,
    nodeId: string,
    value: Uint8Array,
    report = true,
  ): NodeResult | undefined {
    let r: NodeResult | undefined;
    try {
      r = JSON.parse(new TextDecoder().decode(value)) as NodeResult;
    } catch {
      r = undefined;
    }
    if (
      r &&
      r.requestId === requestId &&
      r.nodeId === nodeId &&
      verifyAttestation(this.manifest, r)
    )
      return r;
    if (report)
      this.onForgery({
        record: 'result',
        key,
        reason: 'not an attestation of this node for this request',
      });
    return undefined;
  }

  /**
   * Waits for each of `expect` to publish its result for `requestId` (attestations verified), or
   * until `timeoutMs`, or shortly after the first failure (the others abort with it); returns
   * what arrived. Listens on the bucket's subject (no per-request consumer), then reads what
   * was already there.
   */
  awaitResults(
    requestId: string,
    expect: string[],
    timeoutMs: number,
    opts: { all?: boolean } = {},
  ): Promise<Map<string, NodeResult>> {
    const got = new Map<string, NodeResult>();
    return new Promise((resolve) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        sub.unsubscribe();
        clearTimeout(timer);
        clearTimeout(grace);
        resolve(got);
      };
      const take = (value: Uint8Array | undefined) => {
        if (done || !value?.length) return;
        let r: NodeResult;
        try {
          r = JSON.parse(new TextDecoder().decode(value)) as NodeResult;
        } catch {
          return;
        }
        if (r.requestId !== requestId || !expect.includes(r.nodeId) || got.has(r.nodeId)) return;
        if (!verifyAttestation(this.manifest, r))
          return this.onForgery({
            record: 'result',
            key: `${requestId}.${r.nodeId}`,
            reason: 'attestation does not verify',
          });
        got.set(r.nodeId, r);
        if (!r.ok && !grace && !opts.all) grace = setTimeout(finish, 300);
        if (got.size >= expect.length) finish();
      };
      const sub = this.bus.subscribe(
        `$KV.${names(this.manifest.cluster).results}.${requestId}.*`,
        (d) => take(d),
      );
      const timer = setTimeout(finish, timeoutMs);
      for (const id of expect)
        void this.results.get(`${requestId}.${id}`).then(
          (e) => take(e?.value),
          () => undefined,
        );
    });
  }

  private beats = new Map<string, number>();
  private beatSub?: { unsubscribe(): void };

  /** Publishes this node's signed heartbeat. */
  async beat(me: PrivateIdentity, active: number): Promise<void> {
    const b = { nodeId: me.nodeId, ts: Date.now(), active };
    const hb: Heartbeat = {
      ...b,
      sig: bytesToHex(ed25519Sign(me.ed25519Secret, heartbeatBytes(this.manifest.cluster, b))),
    };
    await this.heartbeats.put(me.nodeId, JSON.stringify(hb));
  }

  /** The time of `nodeId`'s heartbeat in `value`, or undefined when it is not one its node signed (reported). */
  private beatTime(nodeId: string, value: Uint8Array): number | undefined {
    const node = this.manifest.nodes.find((n) => n.nodeId === nodeId);
    try {
      const hb = JSON.parse(new TextDecoder().decode(value)) as Heartbeat;
      if (
        node &&
        hb.nodeId === nodeId &&
        Number.isSafeInteger(hb.ts) &&
        Number.isSafeInteger(hb.active) &&
        typeof hb.sig === 'string' &&
        ed25519Verify(
          hexToBytes(node.ed25519),
          heartbeatBytes(this.manifest.cluster, hb),
          hexToBytes(hb.sig),
        )
      )
        return hb.ts;
    } catch {
      /* not JSON, or a malformed signature */
    }
    this.onForgery({
      record: 'heartbeat',
      key: nodeId.slice(0, 64),
      reason: 'not signed by its node',
    });
    return undefined;
  }

  /** Keeps the latest heartbeat of every node in memory (so readiness checks cost no round trip). */
  watchHeartbeats(): void {
    const prefix = `$KV.${names(this.manifest.cluster).heartbeats}.`;
    this.beatSub ??= this.bus.subscribe(`${prefix}*`, (d, subject) => {
      if (!d.length) return;
      const id = subject.slice(prefix.length);
      const ts = this.beatTime(id, d);
      // A forged beat is ignored; it neither refreshes nor clears the last genuine one.
      if (ts !== undefined) this.beats.set(id, Math.max(ts, this.beats.get(id) ?? 0));
    });
  }

  /** Node ids among `ids` without a fresh heartbeat signed by that node. */
  async notReady(ids: string[], windowMs: number): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      if (Date.now() - (this.beats.get(id) ?? 0) <= windowMs) continue;
      const e = await this.heartbeats.get(id).catch(() => null);
      const ts = e && e.value.length ? (this.beatTime(id, e.value) ?? 0) : 0;
      if (Date.now() - ts > windowMs) out.push(id);
    }
    return out;
  }
}
