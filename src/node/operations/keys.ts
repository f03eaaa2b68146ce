/**
 * A key as a node holds it: its metadata record (the one writer of `meta:`), its public record
 * stated cluster-wide, and its promotion, which activates what every party has confirmed.
 * @module
 */
import type { Curve } from '../requests/request.ts';
import { record } from '../names.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import { endBans } from './bans.ts';

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
  next?: {
    requestId: string;
    threshold: number;
    parties: string[];
    versions: Partial<Record<Curve, number>>;
  };
  /** This node left the key's committee in a reshare; its shares are erased. */
  left?: boolean;
}

/** A key's public record shared cluster-wide (NATS KV): what a new party or a stale node checks against. */
export type ClusterKey = Pick<
  KeyMeta,
  | 'keyId'
  | 'threshold'
  | 'parties'
  | 'curves'
  | 'publicKeys'
  | 'chainCode'
  | 'epoch'
  | 'previousEpoch'
>;

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
export function confirmsKeyChange(
  r: { ok: boolean; result?: Record<string, unknown> },
  keyId: string,
): boolean {
  const out = r.result;
  return (
    r.ok &&
    !!out &&
    out.keyId === keyId &&
    !!out.publicKeys &&
    typeof out.publicKeys === 'object' &&
    !('held' in out) &&
    !('signature' in out)
  );
}

/** What this node states cluster-wide about a key it holds. */
export const publicRecord = (m: KeyMeta): ClusterKey => ({
  keyId: m.keyId,
  threshold: m.threshold,
  parties: m.parties,
  curves: m.curves,
  publicKeys: m.publicKeys,
  chainCode: m.chainCode,
  epoch: m.epoch,
  previousEpoch: m.previousEpoch,
});

/**
 * Activates what every party has confirmed: a new key, or the shares of a refresh or reshare
 * (spec §5 step 7: old shares are erased only after every new party acknowledged).
 */
export async function promote(
  store: EncryptedStore,
  keyId: string,
  confirmed: Confirmed,
  me?: string,
  cluster?: ClusterKeys,
): Promise<KeyMeta | undefined> {
  const meta = await store.getJson<KeyMeta>(record.meta(keyId));
  if (meta?.keygenRequest && (await confirmed(meta.keygenRequest, meta.parties, keyId))) {
    delete meta.keygenRequest;
    await store.putJson(record.meta(keyId), meta);
    await cluster?.put(publicRecord(meta));
  }
  const next = meta?.next;
  if (!meta || !next || !(await confirmed(next.requestId, next.parties, keyId))) return meta;
  const old = meta.versions;
  Object.assign(meta, {
    threshold: next.threshold,
    parties: next.parties,
    versions: { ...old, ...next.versions },
    previousEpoch: meta.epoch,
    epoch: next.requestId,
  });
  delete meta.next;
  if (me !== undefined && !next.parties.includes(me)) {
    meta.left = true;
    meta.versions = {};
  }
  await store.putJson(record.meta(keyId), meta);
  await endBans(store, keyId);
  for (const curve of meta.curves) {
    for (const v of await store.versions(record.share(keyId, curve)))
      if (v !== meta.versions[curve]) await store.retire(record.share(keyId, curve), v);
  }
  await cluster?.put(publicRecord(meta));
  return meta;
}

/** How long an operation waits for a promotion its co-parties already made. */
export const PROMOTION_WAIT_MS = 2_000;

/** Promotes `keyId` until nothing is pending (a new key or new shares) or `waitMs` passed; the meta as it then stands. */
export async function awaitPromotion(
  store: EncryptedStore,
  keyId: string,
  confirmed: Confirmed,
  me: string,
  cluster: ClusterKeys | undefined,
  waitMs: number,
): Promise<KeyMeta | undefined> {
  const until = Date.now() + waitMs;
  let meta = await promote(store, keyId, confirmed, me, cluster);
  while ((meta?.next || meta?.keygenRequest) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    meta = await promote(store, keyId, confirmed, me, cluster);
  }
  return meta;
}
