/**
 * A Tessera node: loads its identity, the cluster manifest and its encrypted store, joins NATS,
 * heartbeats in a KV bucket, takes key changes from a JetStream stream (de-duplicated by
 * `Nats-Msg-Id`; a processed one's stored result is replayed, never rerun) and signings from core
 * NATS (a session id seen before is refused), runs the protocol sessions and publishes its signed
 * result to a KV bucket, once.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsBus, type Bus } from './bus/bus.ts';
import { createStorage, type Storage } from 'unstorage';
import type { Logger } from 'pino';
import { AuditLog } from './storage/audit.ts';
import {
  assertProductionReady,
  identityPassphrase,
  storageKey,
  type NodeConfig,
} from './config.ts';
import { openPrivateIdentity, publicOf, type PrivateIdentity } from './identity/identity.ts';
import { validateManifest, type Manifest } from './identity/manifest.ts';
import { changesKey, execute, operationFor } from './operations/index.ts';
import { awaitPromotion, confirmsKeyChange } from './operations/keys.ts';
import { nodeInbox } from './transport/nats-auth.ts';
import { sweepPromotions } from './cluster/promotion.ts';
import { rateLimited } from './transport/rate-limit.ts';
import {
  admitRequest,
  attest,
  RequestError,
  verifyAttestation,
  type NodeResult,
  type OperationRequest,
  type SignedRequest,
} from './requests/requests.ts';
import { SessionError, SessionManager } from '../protocol/session.ts';
import { SessionLedger } from './sessions/ledger.ts';
import { EncryptedStore } from './storage/storage.ts';
import { anchorStore } from './storage/store-anchor.ts';
import { connectNats, PeerTransport } from './transport/transport.ts';
import { atomicFs } from './storage/fs-atomic.ts';
import { ClusterState, type Forgery } from './cluster/state.ts';
import { durableName, names, record } from './names.ts';
import { PresignatureStore } from './presignatures/store.ts';
import { Presigner } from './presignatures/presigner.ts';

export { names };

/** How often a node re-drives promotions a lost confirmation left pending (unless configured). */
const PROMOTION_SWEEP_MS = 10_000;

/** How often a node checks that its stream, consumer and buckets still exist. */
const INFRASTRUCTURE_CHECK_MS = 5_000;

/** How fresh a peer's heartbeat must be for it to count as ready. */
export const READY_WINDOW_MS = 5_000;

const fsBase = (cfg: NodeConfig) => cfg.storage.base ?? `./.tessera/${cfg.nodeId}`;

async function openStorage(cfg: NodeConfig): Promise<Storage> {
  if (cfg.storage.driver === 'fs')
    return createStorage({ driver: atomicFs({ base: fsBase(cfg) }) });
  if (cfg.storage.driver === 'redis') {
    // Loaded only when configured: a node on the fs driver never loads the Redis client (ioredis).
    const { default: redisDriver } = await import('unstorage/drivers/redis');
    return createStorage({
      driver: redisDriver({
        url: cfg.storage.url ?? 'redis://127.0.0.1:6379',
        base: `tessera:${cfg.nodeId}`,
      }),
    });
  }
  return createStorage();
}

/** Logs forged cluster records, at most one line per record and key every 10 s (anyone on the bus can write them). */
const forgeryLog = (log: Logger) =>
  rateLimited<Forgery>(
    (f) => `${f.record}/${f.key}`,
    (f, suppressed) =>
      log.warn(
        { event: 'forged_record', ...f, ...(suppressed ? { suppressed } : {}) },
        `ignored a ${f.record} record its owner did not write`,
      ),
  );

/** The session journal beside an fs store's records (other drivers keep the ledger in the store). */
export function journalPath(cfg: NodeConfig): string | undefined {
  return cfg.storage.driver === 'fs' ? join(fsBase(cfg), 'sessions.journal') : undefined;
}

/** A running node. */
export class TesseraNode {
  private consumer?: { close(): Promise<void> };
  private fastSub?: { unsubscribe(): void };
  /** Request ids being handled now (a duplicate delivery waits for nothing and is dropped). */
  private handling = new Set<string>();
  private heartbeat?: ReturnType<typeof setInterval>;
  private sweeper?: ReturnType<typeof setInterval>;
  private inflight = new Set<Promise<void>>();
  private stopping = false;
  private stopAnchor?: () => Promise<void>;

  private constructor(
    readonly cfg: NodeConfig,
    readonly log: Logger,
    readonly identity: PrivateIdentity,
    readonly manifest: Manifest,
    readonly store: EncryptedStore,
    readonly bus: Bus,
    readonly sessions: SessionManager,
    readonly audit: AuditLog,
    readonly cluster: ClusterState,
    readonly presigner: Presigner,
  ) {}

  /** Starts a node from its configuration; refuses to start without a storage key, or in production without its safeguards. */
  static async start(cfg: NodeConfig, log: Logger, sharedBus?: Bus): Promise<TesseraNode> {
    assertProductionReady(cfg);
    const manifest = validateManifest(JSON.parse(readFileSync(cfg.manifest, 'utf8')));
    const identity = await openPrivateIdentity(
      new Uint8Array(readFileSync(cfg.identity)),
      identityPassphrase(cfg),
    );
    const listed = manifest.nodes.find((n) => n.nodeId === cfg.nodeId);
    const pub = publicOf(identity);
    if (
      identity.nodeId !== cfg.nodeId ||
      !listed ||
      listed.ed25519 !== pub.ed25519 ||
      listed.x25519 !== pub.x25519
    ) {
      throw new RangeError(
        `identity ${identity.nodeId} does not match node ${cfg.nodeId} in the manifest`,
      );
    }
    const store = await EncryptedStore.open(
      await openStorage(cfg),
      storageKey(cfg, manifest.cluster),
    );
    const { rolledForward, missing, removedStale, migrated } = store.integrity;
    if (missing.length || removedStale.length)
      log.warn(
        { event: 'store_tampered', missing, removedStale },
        'stored records are missing or were put back after retirement; reading them is refused',
      );
    if (rolledForward.length || migrated)
      log.info(
        { event: 'store_recovered', rolledForward, migrated },
        'store index brought up to date',
      );
    const audit = new AuditLog(cfg.audit);
    await audit.anchor(store);
    // The in-process bus (development only) or NATS.
    const bus =
      sharedBus ??
      natsBus(
        await connectNats({
          ...cfg.nats,
          production: cfg.production,
          name: `tessera-${cfg.nodeId}`,
          identitySecret: identity.ed25519Secret,
          inboxPrefix: nodeInbox(manifest, cfg.nodeId),
        }),
      );
    const n = names(manifest.cluster);
    await bus.stream(n.stream, n.requests);
    const cluster = await ClusterState.open(bus, manifest);
    // A store older than its signed anchor in NATS was rolled back as a whole: refuse to start.
    const stopAnchor = await anchorStore(
      bus,
      manifest.cluster,
      identity,
      pub.ed25519,
      store,
      (msg, event = 'store_anchor') => log.warn({ event }, msg),
    ).catch(async (e: unknown) => {
      if (!sharedBus) await bus.close().catch(() => undefined);
      throw e;
    });
    cluster.onForgery = forgeryLog(log);
    cluster.signer = identity;
    cluster.watchHeartbeats();
    cluster.watchKeys();
    cluster.watchLocks();
    const transport = new PeerTransport(bus, manifest, identity);
    const ledger = await SessionLedger.open(store, { journal: journalPath(cfg) });
    const sessions = new SessionManager(transport, {
      maxConcurrent: cfg.maxConcurrent ?? 8,
      // Every session id is recorded durably before its first send and never runs twice.
      ledger,
      onReject: PeerTransport.rateLimited((r, suppressed) =>
        log.warn(
          { event: 'message_rejected', ...r, ...(suppressed ? { suppressed } : {}) },
          'rejected a peer message',
        ),
      ),
    });
    const n2 = names(manifest.cluster);
    const presigner = new Presigner(
      identity,
      manifest,
      store,
      await PresignatureStore.open(store, ledger),
      cluster.pools,
      sessions,
      {
        pool: cfg.presign?.pool ?? 0,
        budget: Math.min(1, Math.max(0.05, cfg.presign?.budget ?? 0.5)),
        concurrency: Math.max(1, cfg.presign?.concurrency ?? 1),
      },
      {
        publish: (data) => bus.publish(n2.fast, data),
        notReady: (ids) => cluster.notReady(ids, READY_WINDOW_MS),
        log,
      },
    );
    cluster.pools.watch();
    const node = new TesseraNode(
      cfg,
      log,
      identity,
      manifest,
      store,
      bus,
      sessions,
      audit,
      cluster,
      presigner,
    );
    node.stopAnchor = stopAnchor;
    await node.beat();
    node.heartbeat = setInterval(() => void node.beat().catch(() => undefined), 1000);
    // Before taking requests: this node's key records are stated (also ones written before they
    // were signed, or lost from the bus) and pending promotions re-driven; then every PROMOTION_SWEEP_MS.
    await node.sweep();
    await node.consume();
    presigner.start();
    node.infrastructure = setInterval(
      () => void node.checkInfrastructure(),
      INFRASTRUCTURE_CHECK_MS,
    );
    node.infrastructure.unref?.();
    node.sweeper = setInterval(() => void node.sweep(), cfg.promotionSweepMs ?? PROMOTION_SWEEP_MS);
    node.sweeper.unref?.();
    log.info(
      { event: 'node_started', cluster: manifest.cluster, servers: cfg.nats.servers },
      'node started',
    );
    return node;
  }

  private sweeping = false;

  /** One promotion sweep (never two at once); what it did is logged. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const r = await sweepPromotions(this.store, this.cfg.nodeId, this.cluster, (id, p, k) =>
        this.confirmed(id, p, k),
      );
      for (const keyId of r.promoted)
        this.log.info(
          { event: 'share_version_active', keyId, redriven: true },
          'a pending version became active',
        );
    } catch (e) {
      this.log.warn(
        { event: 'promotion_sweep_failed', code: (e as { code?: string }).code ?? 'INTERNAL' },
        'promotion sweep failed',
      );
    } finally {
      this.sweeping = false;
    }
  }

  private async beat(): Promise<void> {
    await this.cluster.beat(this.identity, this.sessions.active);
  }

  /** Node ids among `ids` whose heartbeat is missing or stale. */
  async notReady(ids: string[]): Promise<string[]> {
    return this.cluster.notReady(ids, READY_WINDOW_MS);
  }

  private async consume(): Promise<void> {
    const n = names(this.manifest.cluster);
    // Signings arrive on core NATS (see ClusterState.submit); everything else from the stream.
    this.fastSub = this.bus.subscribe(n.fast, (data) => {
      if (this.stopping) return;
      const p = this.handle(data)
        .catch((e) =>
          this.log.error({ event: 'request_failed', err: String(e) }, 'request handling failed'),
        )
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    });
    const durable = durableName(this.cfg.nodeId);
    this.consumer = await this.bus.consume(
      n.stream,
      durable,
      this.cfg.maxConcurrent ?? 8,
      (data) => {
        const p = this.handle(data)
          .catch((e) =>
            this.log.error({ event: 'request_failed', err: String(e) }, 'request handling failed'),
          )
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
        return p;
      },
    );
  }

  private infrastructure?: ReturnType<typeof setInterval>;
  private checkingInfrastructure = false;
  private infrastructureMissing: string[] = [];
  private missingLog = rateLimited<{ what: string; reason: string }>(
    (m) => m.what,
    (m, suppressed) =>
      this.log.warn(
        { event: 'infrastructure_missing', ...m, ...(suppressed ? { suppressed } : {}) },
        `${m.what} is missing and could not be recreated`,
      ),
    60_000,
  );

  /**
   * One check (never two at once) that the request stream, this node's consumer and every bucket
   * still exist: what disappeared (an admin deleted it, JetStream lost it) is recreated alike and
   * logged; what cannot be recreated fails this node's readiness until it is back.
   */
  private async checkInfrastructure(): Promise<void> {
    // Disconnected, readiness fails anyway and nothing can be checked.
    if (this.checkingInfrastructure || this.stopping || !this.bus.connected()) return;
    this.checkingInfrastructure = true;
    try {
      const { recreated, missing } = await this.bus.repair();
      for (const what of recreated)
        this.log.warn(
          { event: 'infrastructure_recreated', what },
          `${what} had disappeared; recreated it`,
        );
      for (const m of missing) this.missingLog(m);
      this.infrastructureMissing = missing.map((m) => m.what);
    } catch (e) {
      this.log.warn(
        { event: 'infrastructure_check_failed', err: String((e as Error)?.name ?? 'Error') },
        'could not check the NATS streams and buckets',
      );
    } finally {
      this.checkingInfrastructure = false;
    }
  }

  /** What this node needs on NATS and found missing at its last check (fixed names: `stream …`, `consumer …`, `bucket …`). */
  missingInfrastructure(): string[] {
    return [...this.infrastructureMissing];
  }

  /** Verifies, runs (once) and answers one request. */
  async handle(data: Uint8Array): Promise<void> {
    let signed: SignedRequest;
    try {
      signed = JSON.parse(new TextDecoder().decode(data)) as SignedRequest;
    } catch {
      this.log.warn({ event: 'request_rejected', code: 'MALFORMED' }, 'request is not JSON');
      return;
    }
    // A leader's presign proposal (node-signed, not a request): the presigner checks and runs it.
    if ((signed as { presign?: unknown })?.presign !== undefined) {
      if (!this.stopping) await this.presigner.onProposal(signed);
      return;
    }
    const t0 = performance.now();
    const claimed = (signed as { request?: { requestId?: unknown } })?.request?.requestId;
    const requestId = typeof claimed === 'string' ? claimed.slice(0, 64) : '?';
    let request;
    const phases: Record<string, number> = {};
    let mark = t0;
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = Math.round((now - mark) * 10) / 10;
      mark = now;
    };
    try {
      request = await admitRequest(this.manifest, this.cluster, signed);
      phase('verifyMs');
    } catch (e) {
      const code = (e as RequestError).code;
      this.log.warn(
        { event: 'request_rejected', requestId, code, reason: (e as Error).message },
        'request rejected',
      );
      // An authentic but expired request gets a signed refusal; a forged one gets nothing.
      // Only under the id the signature authenticated; a result already there is never replaced.
      const id = (e as RequestError).requestId;
      // Not while the request runs here or once it has run: its own result must be the one created.
      if (
        code === 'REQUEST_EXPIRED' &&
        id &&
        !this.handling.has(id) &&
        !(await this.store.getJson(record.request(id)).catch(() => undefined))
      )
        await this.publish(
          attest(this.identity, {
            requestId: id,
            nodeId: this.cfg.nodeId,
            ok: false,
            error: { code, message: (e as Error).message, culprits: [] },
          }),
        );
      return;
    }
    if (this.handling.has(request.requestId)) return;
    this.handling.add(request.requestId);
    this.presigner.touch();
    try {
      await this.run(request, t0, phases, phase);
    } finally {
      this.presigner.touch();
      this.handling.delete(request.requestId);
      // A key lock this node took for a direct refresh or reshare goes once it is done here (new version active, or failed).
      if (changesKey(request.op))
        await this.cluster.releaseHeld(request.keyId, request.requestId).catch(() => undefined);
    }
  }

  private async run(
    request: OperationRequest,
    t0: number,
    phases: Record<string, number>,
    phase: (name: string) => void,
  ): Promise<void> {
    const operation = operationFor(request);
    if (operation.concerns && !operation.concerns(request, this.cfg.nodeId)) return;
    // Only a key change's outcome is stored (below); a signing or a re-drive has none to replay.
    const done = changesKey(request.op)
      ? await this.store.getJson<NodeResult>(record.request(request.requestId))
      : undefined;
    if (done) {
      await this.publish(done);
      return;
    }
    const participants = operation.participants(request);
    this.audit.append({
      event: 'request',
      requestId: request.requestId,
      op: request.op,
      initiator: request.initiator,
      keyId: request.keyId,
      parties: participants,
    });
    this.log.info(
      {
        event: 'request_received',
        requestId: request.requestId,
        op: request.op,
        keyId: request.keyId,
      },
      'request received',
    );
    let result: Omit<NodeResult, 'attestation'>;
    phase('recordMs');
    try {
      const waiting = participants.length ? await this.waitReady(participants) : [];
      if (waiting.length)
        throw new SessionError('PARTY_NOT_READY', `not ready: ${waiting.join(', ')}`, waiting, 0);
      phase('readyMs');
      const confirmed = (id: string, parties: string[], keyId: string) =>
        this.confirmed(id, parties, keyId);
      const out = await execute(
        request,
        this.cfg.nodeId,
        this.store,
        this.sessions,
        this.cfg.timeouts ?? {},
        confirmed,
        this.cluster,
        this.presigner.held,
        phase,
      );
      if (out === undefined) return;
      result = { requestId: request.requestId, nodeId: this.cfg.nodeId, ok: true, result: out };
    } catch (e) {
      const raw = (e as { code?: string }).code ?? 'INTERNAL';
      const culprits = (e as { culprits?: string[] }).culprits ?? [];
      let code = raw === 'ENOSPC' ? 'STORAGE_FULL' : /^E[A-Z]+$/.test(raw) ? 'STORAGE_ERROR' : raw;
      // A silent party whose heartbeat has also stopped is unreachable, not merely slow.
      if (
        code === 'TIMEOUT' &&
        culprits.length &&
        (await this.notReady(culprits)).length === culprits.length
      )
        code = 'UNREACHABLE';
      result = {
        requestId: request.requestId,
        nodeId: this.cfg.nodeId,
        ok: false,
        error: { code, message: (e as Error).message, culprits },
      };
    }
    phase('executeMs');
    const ms = Math.round(performance.now() - t0);
    this.audit.append({
      event: 'outcome',
      requestId: request.requestId,
      ok: result.ok,
      error: result.error?.code,
      culprits: result.error?.culprits,
      ms,
    });
    const attested = attest(this.identity, result);
    phase('attestMs');
    // A key change's outcome is stored (fsynced) and replayed to a redelivery: it is also this
    // node's confirmation, re-published until every party promoted. A signing's is not: its
    // session id went to the session ledger (fsynced) before round one, so a rerun is refused
    // anyway (rerunning a DKLs23 signing under one id would leak the key to a co-signer), and its
    // attested result stays in the results bucket, created once. A re-drive changes nothing to replay.
    if (changesKey(request.op)) {
      try {
        await this.store.putJson(record.request(request.requestId), attested);
      } catch (e) {
        // The outcome is still reported; without the record a redelivery would run it again.
        this.log.error(
          {
            event: 'result_not_stored',
            requestId: request.requestId,
            code: (e as { code?: string }).code,
          },
          'could not store the request outcome',
        );
      }
      phase('storeMs');
    }
    await this.publish(attested);
    phase('publishMs');
    this.log.info(
      {
        event: 'request_finished',
        requestId: request.requestId,
        ok: result.ok,
        error: result.error,
        ms,
        phases,
      },
      'request finished',
    );
    if (changesKey(request.op) && result.ok) {
      // New shares become active (and old ones are erased) only once every party has confirmed.
      const meta = await awaitPromotion(
        this.store,
        request.keyId,
        (id, p, k) => this.confirmed(id, p, k),
        this.cfg.nodeId,
        this.cluster,
        this.cfg.timeouts?.sessionMs ?? 120_000,
      );
      if (meta?.next || meta?.keygenRequest)
        this.log.warn(
          { event: 'share_version_pending', keyId: request.keyId },
          'not every party confirmed; the new shares stay inactive',
        );
      else
        this.log.info(
          {
            event: 'share_version_active',
            keyId: request.keyId,
            versions: meta?.versions,
            left: meta?.left,
          },
          operation.activated ?? 'active',
        );
    }
  }

  /** Whether every party in `parties` published an attested confirmation of `keyId`'s change for `requestId`. */
  async confirmed(requestId: string, parties: string[], keyId: string): Promise<boolean> {
    for (const id of parties) {
      const r = await this.cluster.result(requestId, id);
      if (!r || !verifyAttestation(this.manifest, r) || !confirmsKeyChange(r, keyId)) return false;
    }
    return true;
  }

  private async waitReady(ids: string[]): Promise<string[]> {
    const until = Date.now() + (this.cfg.timeouts?.roundMs ?? 30_000);
    for (;;) {
      const missing = await this.notReady(ids);
      if (!missing.length || Date.now() > until) return missing;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async publish(r: NodeResult): Promise<void> {
    await this.cluster.putResult(r);
  }

  /** Graceful shutdown: stop taking requests, let in-flight sessions finish or fail, close. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
    clearInterval(this.infrastructure);
    this.presigner.stop();
    this.cluster.pools.stop();
    this.fastSub?.unsubscribe();
    await this.consumer?.close().catch(() => undefined);
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
    await this.cluster.heartbeats.delete(this.cfg.nodeId).catch(() => undefined);
    await this.stopAnchor?.().catch(() => undefined);
    await this.bus.close();
    await this.audit.settled();
    await this.sessions.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    this.log.info({ event: 'node_stopped' }, 'node stopped');
  }
}
