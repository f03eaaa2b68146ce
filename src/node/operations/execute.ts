/**
 * What a node does for each request: run the protocol session(s) it is a party to, keep its
 * share encrypted, and return the public outcome. Key material is versioned in storage.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { ecdsaKeyShare, frostKeyShare, startEcdsaDkg, startEcdsaRefresh, startEcdsaSign, startFrostDkg, startFrostSign, startReshare, type EcdsaKeyShare, type EcdsaSignature, type FrostKeyShare, type ReshareRole } from '../../core/index.ts';
import { REQUEST_WINDOW_MS, RequestError, sessionId, signersOf, type Curve, type OperationRequest } from '../requests/requests.ts';
import { SessionAbortedError, SessionError, type SessionManager } from '../../protocol/session.ts';
import type { EncryptedStore } from '../storage/storage.ts';

/** Public metadata of a key (never a share). */
export interface KeyMeta {
  keyId: string;
  /** Minimum number of signers. */
  threshold: number;
  parties: string[];
  curves: Curve[];
  publicKeys: Partial<Record<Curve, string>>;
  chainCode?: string;
  /** Current share version per curve. */
  versions: Partial<Record<Curve, number>>;
  /** The request (keygen, refresh or reshare) that made the current shares. */
  epoch?: string;
  /** The epoch before it (absent after keygen): a node one promotion behind the cluster's record is not stale. */
  previousEpoch?: string;
  /** Set while a new key awaits every party's confirmation (it cannot sign until then). */
  keygenRequest?: string;
  /** New shares written by a refresh or reshare, active once every new party confirms (the old ones sign until then). */
  next?: { requestId: string; threshold: number; parties: string[]; versions: Partial<Record<Curve, number>> };
  /** This node left the key's committee in a reshare; its shares are erased. */
  left?: boolean;
}

/** A key's public record shared cluster-wide (NATS KV): what a new party or a stale node checks against. */
export type ClusterKey = Pick<KeyMeta, 'keyId' | 'threshold' | 'parties' | 'curves' | 'publicKeys' | 'chainCode' | 'epoch' | 'previousEpoch'>;

/** Access to the cluster-wide key records. */
export interface ClusterKeys {
  get(keyId: string): Promise<ClusterKey | undefined>;
  put(key: ClusterKey): Promise<void>;
  /** Holds the key's cluster-wide lock for `requestId` (taking it, or finding that request holds it already); false when another request holds it. */
  holdLock?(keyId: string, requestId: string): Promise<boolean>;
}

/** Whether every party reported success for a request that changed `keyId` (their attested results of that key change). */
export type Confirmed = (requestId: string, parties: string[], keyId: string) => Promise<boolean>;

/** Whether an attested result is a confirmation of a key change of `keyId` (a keygen, refresh or reshare outcome: never a signing's or a re-drive's under a reused id). */
export function confirmsKeyChange(r: { ok: boolean; result?: Record<string, unknown> }, keyId: string): boolean {
  const out = r.result;
  return r.ok && !!out && out.keyId === keyId && !!out.publicKeys && typeof out.publicKeys === 'object' && !('held' in out) && !('signature' in out);
}

/** What this node states cluster-wide about a key it holds. */
export const publicRecord = (m: KeyMeta): ClusterKey => ({ keyId: m.keyId, threshold: m.threshold, parties: m.parties, curves: m.curves, publicKeys: m.publicKeys, chainCode: m.chainCode, epoch: m.epoch, previousEpoch: m.previousEpoch });

/**
 * Activates what every party has confirmed: a new key, or the shares of a refresh or reshare
 * (spec §5 step 7: old shares are erased only after every new party acknowledged).
 */
export async function promote(store: EncryptedStore, keyId: string, confirmed: Confirmed, me?: string, cluster?: ClusterKeys): Promise<KeyMeta | undefined> {
  const meta = await store.getJson<KeyMeta>(metaName(keyId));
  if (meta?.keygenRequest && (await confirmed(meta.keygenRequest, meta.parties, keyId))) {
    delete meta.keygenRequest;
    await store.putJson(metaName(keyId), meta);
    await cluster?.put(publicRecord(meta));
  }
  const next = meta?.next;
  if (!meta || !next || !(await confirmed(next.requestId, next.parties, keyId))) return meta;
  const old = meta.versions;
  Object.assign(meta, { threshold: next.threshold, parties: next.parties, versions: { ...old, ...next.versions }, previousEpoch: meta.epoch, epoch: next.requestId });
  delete meta.next;
  if (me !== undefined && !next.parties.includes(me)) {
    meta.left = true;
    meta.versions = {};
  }
  await store.putJson(metaName(keyId), meta);
  // Bans and a quarantine belong to the epoch they were found in: the new shares (and pairwise
  // OT state) end them. The records go now; epoch tags make a leftover one inert anyway.
  for (const name of [banName(keyId), quarantineName(keyId)]) if ((await store.versions(name)).length) await store.retire(name, 0);
  decided.get(store)?.delete(banName(keyId));
  decided.get(store)?.delete(quarantineName(keyId));
  for (const curve of meta.curves) {
    for (const v of await store.versions(shareName(keyId, curve))) if (v !== meta.versions[curve]) await store.retire(shareName(keyId, curve), v);
  }
  await cluster?.put(publicRecord(meta));
  return meta;
}

/** How long an operation waits for a promotion its co-parties already made. */
const PROMOTION_WAIT_MS = 2_000;

async function awaitPromotion(store: EncryptedStore, keyId: string, confirmed: Confirmed, me: string, cluster?: ClusterKeys): Promise<KeyMeta | undefined> {
  const until = Date.now() + PROMOTION_WAIT_MS;
  let meta = await promote(store, keyId, confirmed, me, cluster);
  while (meta?.next && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    meta = await promote(store, keyId, confirmed, me, cluster);
  }
  return meta;
}

const metaName = (keyId: string) => `meta:${keyId}`;
const banName = (keyId: string) => `ban:${keyId}`;
const quarantineName = (keyId: string) => `quarantine:${keyId}`;

/** A ban or quarantine: the share epoch it applies to (absent in records older than epochs: any). */
interface EpochRecord {
  epoch?: string;
}
interface BanRecord extends EpochRecord {
  peers: string[];
}
interface QuarantineRecord extends EpochRecord {
  reason: string;
  at: number;
}

/** Bans and quarantines decided but perhaps not yet on disk, so a session starting meanwhile sees them. */
const decided = new WeakMap<EncryptedStore, Map<string, BanRecord | QuarantineRecord>>();
const remembered = <T extends EpochRecord>(store: EncryptedStore, name: string) => decided.get(store)?.get(name) as T | undefined;
function remember(store: EncryptedStore, name: string, r: BanRecord | QuarantineRecord): void {
  const m = decided.get(store) ?? new Map<string, BanRecord | QuarantineRecord>();
  decided.set(store, m);
  m.set(name, r);
}
const inEpoch = (r: EpochRecord | undefined, epoch: string | undefined): boolean => r !== undefined && (r.epoch === undefined || r.epoch === epoch);
const currentEpoch = async (store: EncryptedStore, keyId: string) => (await store.getJson<KeyMeta>(metaName(keyId)))?.epoch;

/**
 * Peers whose pairwise ECDSA setup this node refuses to use: a failed OT-extension,
 * multiplication or Γ check may be a selective-failure probe of the reused Δ (DKLs23 spec §2.4,
 * §4, §7.5), so signing with that peer stops until a complete refresh's shares (fresh base OTs)
 * are promoted; until then signing uses the probed state, so the ban lasts the whole epoch.
 */
export async function bannedPeers(store: EncryptedStore, keyId: string, epoch?: string): Promise<string[]> {
  const e = epoch ?? (await currentEpoch(store, keyId));
  const peers = new Set<string>();
  for (const r of [await store.getJson<BanRecord>(banName(keyId)), remembered<BanRecord>(store, banName(keyId))]) if (inEpoch(r, e)) for (const p of r!.peers) peers.add(p);
  return [...peers].sort();
}

/** `peers` joined with those of every in-epoch record in `records`, as one ban record. */
function banRecord(epoch: string | undefined, peers: string[], ...records: (BanRecord | undefined)[]): BanRecord {
  const all = new Set(peers);
  for (const r of records) if (inEpoch(r, epoch)) for (const p of r!.peers) all.add(p);
  return { epoch, peers: [...all].sort() };
}

/**
 * Bans `peers` for `keyId` in share epoch `epoch` after this node's own consistency check failed.
 * Everything up to the first await runs synchronously when called (from the session's onFailure,
 * before the failing session unwinds): the ban is in memory and this node's other running
 * signings of the key with those peers are failed before any of them handles another message.
 * The returned promise settles once the merged record is on disk.
 */
async function ban(c: Ctx, keyId: string, epoch: string | undefined, peers: string[]): Promise<void> {
  const name = banName(keyId);
  remember(c.store, name, banRecord(epoch, peers, remembered<BanRecord>(c.store, name)));
  for (const peer of peers) {
    c.sessions.failLive(keyId, 'secp256k1', peer, (round) => new SessionError('PEER_BANNED', `round ${round}: ${peer} failed a consistency check in another signing with this key; this session stops`, [peer], round));
  }
  const onDisk = await c.store.getJson<BanRecord>(name);
  // Read what is remembered again: another ban may have been decided while the disk was read.
  const record = banRecord(epoch, peers, onDisk, remembered<BanRecord>(c.store, name));
  remember(c.store, name, record);
  await c.store.putJson(name, record);
}

/** Why `keyId` is quarantined on this node in its current epoch, or undefined. */
export async function quarantined(store: EncryptedStore, keyId: string, epoch?: string): Promise<QuarantineRecord | undefined> {
  const e = epoch ?? (await currentEpoch(store, keyId));
  return [await store.getJson<QuarantineRecord>(quarantineName(keyId)), remembered<QuarantineRecord>(store, quarantineName(keyId))].find((r) => inEpoch(r, e));
}

/**
 * A final signature that does not verify (INVALID_SIGNATURE) means a share, the OT state or a
 * peer is corrupt in a way no round check caught: the key signs nothing more on this node until
 * new shares are promoted (an operator refresh).
 */
async function quarantine(store: EncryptedStore, keyId: string, epoch: string | undefined, reason: string): Promise<void> {
  const record: QuarantineRecord = { epoch, reason: reason.slice(0, 200), at: Date.now() };
  remember(store, quarantineName(keyId), record);
  await store.putJson(quarantineName(keyId), record);
}

/** Zeroes decrypted share bytes once the core has taken them (a wiped buffer is never used again). */
function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** A session start that wipes `buffers` as soon as the core has copied them in. */
const consuming = <T>(start: () => T, ...buffers: (Uint8Array | undefined)[]) => () => {
  try {
    return start();
  } finally {
    wipe(...buffers);
  }
};
const shareName = (keyId: string, curve: Curve) => `share:${keyId}:${curve}`;

/** Who takes part in a reshare, in session-participant order, and in which role (spec §5 step 1). */
export function reshareRoles(oldParties: string[], oldThreshold: number, newParties: string[]): { participants: string[]; roles: ReshareRole[]; dealers: string[] } {
  // Dealers D: exactly `oldThreshold` old parties, preferring those that stay (fewer messages).
  const dealers = [...oldParties.filter((p) => newParties.includes(p)), ...oldParties.filter((p) => !newParties.includes(p))].slice(0, oldThreshold);
  const participants = [...newParties, ...dealers.filter((d) => !newParties.includes(d))];
  const roles = participants.map((p) => ({
    ...(dealers.includes(p) ? { oldId: oldParties.indexOf(p) + 1 } : {}),
    ...(newParties.includes(p) ? { newId: newParties.indexOf(p) + 1 } : {}),
  }));
  return { participants, roles, dealers };
}

/** Per-store keys with a refresh or reshare running on this node. */
const busy = new WeakMap<EncryptedStore, Set<string>>();

/**
 * Runs a refresh or reshare of `keyId` alone: on this node (one at a time per key) and
 * cluster-wide (the key's lock, held for this request: the API took it for an HTTP request; for
 * a direct one the first party takes it, and releases it once its new version is active).
 */
async function exclusive<T>(c: Ctx, keyId: string, f: () => Promise<T>): Promise<T> {
  const { store, cluster, r } = c;
  const set = busy.get(store) ?? new Set<string>();
  busy.set(store, set);
  if (cluster?.holdLock && !(await cluster.holdLock(keyId, r.requestId))) throw new RequestError('KEY_BUSY', `another refresh or reshare of ${keyId} holds its lock`);
  // Checked after the lock's round trip, so that nothing else of this key starts in between.
  if (set.has(keyId)) throw new RequestError('KEY_BUSY', `a refresh or reshare of ${keyId} is already running`);
  set.add(keyId);
  try {
    return await f();
  } finally {
    set.delete(keyId);
  }
}

/** A request that runs a protocol (a promotion re-drive runs none: promotion.ts). */
export type ProtocolRequest = Exclude<OperationRequest, { op: 'promote' }>;

/** What an operation needs from its node. */
interface Ctx {
  r: ProtocolRequest;
  me: string;
  store: EncryptedStore;
  sessions: SessionManager;
  timeouts: { roundMs?: number; sessionMs?: number };
  cluster?: ClusterKeys;
}

const run = <T>(c: Ctx, spec: Omit<Parameters<SessionManager['run']>[0], 'roundTimeoutMs' | 'totalTimeoutMs'>) => c.sessions.run<T>({ ...spec, roundTimeoutMs: c.timeouts.roundMs, totalTimeoutMs: c.timeouts.sessionMs });

/**
 * Reshares every curve of a key to `parties` with `threshold` (spec §5), or, with the same
 * committee and threshold, refreshes it. New shares are written as the next version and become
 * active only when every new party confirms; until then the old shares keep signing.
 */
async function reshareShares(c: Ctx, meta: KeyMeta, curves: Curve[], threshold: number, parties: string[], label: 'reshare' | 'refresh'): Promise<Partial<Record<Curve, number>> | undefined> {
  const { r, me, store } = c;
  const { participants, roles } = reshareRoles(meta.parties, meta.threshold, parties);
  const index = participants.indexOf(me) + 1;
  // A departing party that does not deal takes no part; its shares go once the change is confirmed.
  if (!index) return meta.parties.includes(me) ? {} : undefined;
  const versions: Partial<Record<Curve, number>> = {};
  for (const curve of curves) {
    const old = meta.versions[curve] !== undefined ? await store.get(shareName(r.keyId, curve), meta.versions[curve]!) : undefined;
    if (roles[index - 1]!.oldId && !old) throw new RequestError('UNKNOWN_KEY', `share for ${r.keyId}/${curve} is missing on this node`);
    const session = sessionId(r.requestId, `${label}/${curve}`);
    let out: EcdsaKeyShare | FrostKeyShare | undefined;
    try {
      out = await run<EcdsaKeyShare | FrostKeyShare | undefined>(c, { session, parties: participants, start: consuming(() => startReshare({ curve, session, me: index, oldThreshold: meta.threshold, newThreshold: threshold, roles, key: old }), old) });
    } finally {
      wipe(old);
    }
    if (!out) continue;
    let blob = out.blob;
    try {
      if (curve === 'secp256k1') {
        // Spec §5 step 6: the new committee creates fresh base OTs and zero seeds.
        const setup = sessionId(r.requestId, `${label}-setup/secp256k1`);
        const fresh = await run<EcdsaKeyShare>(c, { session: setup, parties, start: consuming(() => startEcdsaRefresh({ key: blob, session: setup }), out.blob) }).finally(() => wipe(out.blob));
        blob = fresh.blob;
        if (bytesToHex(fresh.publicKey) !== meta.publicKeys.secp256k1) throw new RequestError('INTERNAL', 'the reshared key has a different public key');
      } else if (bytesToHex(frostKeyShare(blob).publicKey) !== meta.publicKeys.ed25519) {
        throw new RequestError('INTERNAL', 'the reshared key has a different public key');
      }
      const v = Math.max(0, ...(await store.versions(shareName(r.keyId, curve)))) + 1;
      await store.put(shareName(r.keyId, curve), v, blob);
      versions[curve] = v;
    } finally {
      wipe(blob);
    }
  }
  return versions;
}

const outcome = (m: KeyMeta, threshold: number, parties: string[], key: string, curves: string[]) => ({ keyId: m.keyId, threshold, parties, curves: m.curves, publicKeys: m.publicKeys, ...(m.chainCode ? { chainCode: m.chainCode } : {}), [key]: curves });

/**
 * Runs a request's protocol on this node; undefined when this node takes no part. Every
 * operation starts here, so this is where a request too old for the session ledger is refused.
 */
export async function execute(r: OperationRequest, me: string, store: EncryptedStore, sessions: SessionManager, timeouts: { roundMs?: number; sessionMs?: number }, confirmed: Confirmed, cluster?: ClusterKeys): Promise<Record<string, unknown> | undefined> {
  // Ids claimed before the ledger's low-water mark may be forgotten (retention, or a clock stepped
  // forward and back); a request accepted within the window of such a claim could carry one.
  if (r.op === 'promote') throw new RequestError('VALIDATION', 'a promotion re-drive runs no protocol (promotion.ts redrive)');
  if (r.timestamp < sessions.prunedBefore + REQUEST_WINDOW_MS) {
    throw new RequestError('REQUEST_EXPIRED', `request timestamp ${new Date(r.timestamp).toISOString()} is older than this node's session ledger allows (it may have forgotten session ids from before ${new Date(sessions.prunedBefore).toISOString()})`);
  }
  // A signing's session id goes to disk while the key is read (the hot path saves the fsync wait);
  // a reservation that is not run is released, so the map holds only requests in progress.
  const reserved = r.op === 'sign' && r.signers.includes(me) ? sessionId(r.requestId, `sign/${r.curve}`) : undefined;
  if (reserved) sessions.reserve(reserved);
  try {
    return await perform({ r, me, store, sessions, timeouts, cluster }, confirmed);
  } finally {
    if (reserved) sessions.release(reserved);
  }
}

async function perform(c: Ctx, confirmed: Confirmed): Promise<Record<string, unknown> | undefined> {
  const { r, me, store, cluster } = c;
  if (r.op === 'keygen') {
    const myParty = r.parties.indexOf(me) + 1;
    if (!myParty) return undefined;
    const existing = await store.getJson<KeyMeta>(metaName(r.keyId));
    if (existing && !existing.keygenRequest) throw new RequestError('KEY_EXISTS', `key ${r.keyId} already exists`);
    // A key is registered only once every party confirms it (until then it cannot sign).
    const meta: KeyMeta = { keyId: r.keyId, threshold: r.threshold, parties: r.parties, curves: r.curves, publicKeys: {}, versions: {}, epoch: r.requestId, keygenRequest: r.requestId };
    const blobs: [Curve, Uint8Array][] = [];
    for (const curve of r.curves) {
      const session = sessionId(r.requestId, `keygen/${curve}`);
      const params = { session, threshold: r.threshold, parties: r.parties.length, me: myParty };
      if (curve === 'secp256k1') {
        const key = await run<EcdsaKeyShare>(c, { session, parties: r.parties, start: () => startEcdsaDkg(params) });
        meta.publicKeys.secp256k1 = bytesToHex(key.publicKey);
        meta.chainCode = bytesToHex(key.chainCode);
        blobs.push([curve, key.blob]);
      } else {
        const key = await run<FrostKeyShare>(c, { session, parties: r.parties, start: () => startFrostDkg(params) });
        meta.publicKeys.ed25519 = bytesToHex(key.publicKey);
        blobs.push([curve, key.blob]);
      }
    }
    // Durable before acknowledged: shares first, metadata last (a key without metadata is unused).
    try {
      for (const [curve, blob] of blobs) {
        await store.put(shareName(r.keyId, curve), 1, blob);
        meta.versions[curve] = 1;
      }
    } finally {
      wipe(...blobs.map(([, b]) => b));
    }
    await store.putJson(metaName(r.keyId), meta);
    return { keyId: meta.keyId, threshold: meta.threshold, parties: meta.parties, publicKeys: meta.publicKeys, chainCode: meta.chainCode };
  }

  // Read together (each read waits on the bus or the file thread pool): a record read before this
  // promote's own statement lands is one epoch behind, which the stale check allows.
  const [promoted, record] = await Promise.all([promote(store, r.keyId, confirmed, me, cluster), cluster?.get(r.keyId)]);
  let meta = promoted;
  if (!meta && r.op === 'reshare' && record && r.parties.includes(me)) {
    // A party new to the key learns its public record from the cluster; the dealers' context
    // and every party's confirmation in the protocol check it (spec §5 step 4).
    meta = { ...record, versions: {} } as KeyMeta;
  }
  if (!meta || meta.left) throw new RequestError('UNKNOWN_KEY', meta?.left ? `this node left the committee of ${r.keyId}` : `no key ${r.keyId}`);
  if (meta.keygenRequest) throw new RequestError('KEY_NOT_ACTIVE', `key ${r.keyId} is not confirmed by every party yet`);
  if (record?.epoch && meta.next?.requestId === record.epoch) {
    // The co-parties already activated the change this node holds pending: its promotion is on its
    // way (their confirmations in flight, or re-published by the sweep). Wait briefly, then say so.
    meta = (await awaitPromotion(store, r.keyId, confirmed, me, cluster)) ?? meta;
    if (meta.next?.requestId === record.epoch) throw new RequestError('KEY_NOT_ACTIVE', `this node has not yet seen every party's confirmation of ${r.keyId}'s new shares; retry shortly`);
  }
  // A node restored from an old backup holds old-epoch shares: it must not use them. (A node that
  // has just promoted may be one epoch ahead of the record, which its parties are still updating.)
  if (record?.epoch && meta.epoch && record.epoch !== meta.epoch && record.epoch !== meta.previousEpoch && Object.keys(meta.versions).length) {
    throw new RequestError('STALE_SHARE', `this node's shares of ${r.keyId} are from an older epoch than the cluster's (restored from a backup?)`);
  }
  if (r.op === 'reshare') {
    const m = meta;
    return exclusive(c, r.keyId, async () => {
      const versions = await reshareShares(c, m, m.curves, r.threshold, r.parties, 'reshare');
      if (!versions) return undefined;
      // New shares become active when every new party confirms (spec §5 step 7).
      await store.putJson(metaName(r.keyId), { ...m, next: { requestId: r.requestId, threshold: r.threshold, parties: r.parties, versions } });
      return outcome(m, r.threshold, r.parties, 'reshared', Object.keys(versions));
    });
  }
  if (r.op === 'refresh') {
    const m = meta;
    return exclusive(c, r.keyId, async () => {
      if (!m.parties.includes(me)) return undefined;
      const versions: Partial<Record<Curve, number>> = {};
      if (m.curves.includes('secp256k1')) {
        // A complete refresh (spec §5): every party takes part; new shares and pairwise OT state.
        const current = m.versions.secp256k1 ?? 1;
        const blob = await store.get(shareName(r.keyId, 'secp256k1'), current);
        if (!blob) throw new RequestError('UNKNOWN_KEY', `share for ${r.keyId}/secp256k1 is missing on this node`);
        const session = sessionId(r.requestId, 'refresh/secp256k1');
        const fresh = await run<EcdsaKeyShare>(c, { session, parties: m.parties, start: consuming(() => startEcdsaRefresh({ key: blob, session }), blob) }).finally(() => wipe(blob));
        try {
          if (bytesToHex(fresh.publicKey) !== m.publicKeys.secp256k1) throw new RequestError('INTERNAL', 'refresh changed the public key');
          versions.secp256k1 = Math.max(current, ...(await store.versions(shareName(r.keyId, 'secp256k1')))) + 1;
          await store.put(shareName(r.keyId, 'secp256k1'), versions.secp256k1, fresh.blob);
        } finally {
          wipe(fresh.blob);
        }
      }
      // Ed25519 shares are refreshed by resharing to the same committee and threshold.
      if (m.curves.includes('ed25519')) Object.assign(versions, await reshareShares(c, m, ['ed25519'], m.threshold, m.parties, 'refresh'));
      // Bans and a quarantine stay until these shares are promoted: the old ones sign until then.
      await store.putJson(metaName(r.keyId), { ...m, next: { requestId: r.requestId, threshold: m.threshold, parties: m.parties, versions } });
      return outcome(m, m.threshold, m.parties, 'refreshed', Object.keys(versions));
    });
  }
  if (!meta.curves.includes(r.curve)) throw new RequestError('UNKNOWN_KEY', `key ${r.keyId} has no ${r.curve} share`);
  const m = meta;
  const signers = signersOf(m, r.signers);
  if (!signers.includes(me)) return undefined;
  const members = signers.map((s) => m.parties.indexOf(s) + 1).sort((a, b) => a - b);
  const [held, bans, blob] = await Promise.all([
    quarantined(store, r.keyId, m.epoch),
    r.curve === 'secp256k1' ? bannedPeers(store, r.keyId, m.epoch) : Promise.resolve([]),
    store.get(shareName(r.keyId, r.curve), m.versions[r.curve] ?? 1),
  ]);
  const banned = bans.filter((p) => signers.includes(p) && p !== me);
  if (held || banned.length) wipe(blob);
  if (held) throw new RequestError('KEY_QUARANTINED', `key ${r.keyId} is quarantined on this node after a signature that did not verify (${held.reason}); an operator refresh lifts it once its shares are promoted`);
  if (banned.length) throw Object.assign(new RequestError('PEER_BANNED', `refusing to sign with ${banned.join(', ')} after a failed consistency check; the promotion of a refresh re-admits them`), { culprits: banned });
  if (!blob) throw new RequestError('UNKNOWN_KEY', `share for ${r.keyId}/${r.curve} is missing on this node`);
  const session = sessionId(r.requestId, `sign/${r.curve}`);
  const message = hexToBytes(r.message);
  const signerNames = members.map((p) => m.parties[p - 1]!);
  // Only what this node's own checks proved is acted on, at the moment it is proven; an abort's
  // claims never are.
  let acting: Promise<void> | undefined;
  const onFailure = (e: SessionError) => {
    if (e instanceof SessionAbortedError) return;
    const culprits = e.culprits.filter((p) => p !== me);
    if (e.code === 'CONSISTENCY_CHECK_FAILED' && r.curve === 'secp256k1' && culprits.length) acting = ban(c, r.keyId, m.epoch, culprits);
    else if (e.code === 'INVALID_SIGNATURE') acting = quarantine(store, r.keyId, m.epoch, `${r.curve} signing ${r.requestId}`);
    acting?.catch(() => undefined);
  };
  const tag = { keyId: r.keyId, curve: r.curve, onFailure };
  try {
    if (r.curve === 'secp256k1') {
      const key = ecdsaKeyShare(blob);
      const sig = await run<EcdsaSignature>(c, { session, parties: m.parties, members, ...tag, start: consuming(() => startEcdsaSign({ key, session, signers: members, digest: message, derivationPath: r.derivationPath }), blob) });
      const hex = bytesToHex(sig.signature);
      return { curve: r.curve, signature: hex, r: hex.slice(0, 64), s: hex.slice(64), recoveryId: sig.recoveryId, publicKey: bytesToHex(sig.publicKey), signers: signerNames, derivationPath: r.derivationPath ?? [] };
    }
    const key = frostKeyShare(blob);
    const publicKey = bytesToHex(key.publicKey);
    const sig = await run<Uint8Array>(c, { session, parties: m.parties, members, ...tag, start: consuming(() => startFrostSign({ key, session, signers: members, message }), blob) });
    const hex = bytesToHex(sig);
    return { curve: r.curve, signature: hex, r: hex.slice(0, 64), s: hex.slice(64), publicKey, signers: signerNames };
  } catch (e) {
    // The ban or quarantine is in force already; its record is on disk before the error is reported.
    await acting;
    throw e;
  } finally {
    wipe(blob);
  }
}
