/**
 * What the operations share on a node: a session run with the node's timeouts, share buffers
 * wiped once the core has them, one key change at a time, and the checks every operation on an
 * existing key makes first (active, not stale).
 * @module
 */
import { RequestError, type RequestEnvelope } from '../requests/request.ts';
import type { SessionManager } from '../../protocol/session.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import { awaitPromotion, promote, PROMOTION_WAIT_MS, type KeyMeta } from './keys.ts';
import type { Ctx } from './operation.ts';

/** Zeroes decrypted share bytes once the core has taken them (a wiped buffer is never used again). */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** A session start that wipes `buffers` as soon as the core has copied them in. */
export const consuming =
  <T>(start: () => T, ...buffers: (Uint8Array | undefined)[]) =>
  () => {
    try {
      return start();
    } finally {
      wipe(...buffers);
    }
  };

export const run = <T>(
  c: Ctx,
  spec: Omit<Parameters<SessionManager['run']>[0], 'roundTimeoutMs' | 'totalTimeoutMs'>,
) =>
  c.sessions.run<T>({
    ...spec,
    roundTimeoutMs: c.timeouts.roundMs,
    totalTimeoutMs: c.timeouts.sessionMs,
  });

/** Per-store keys with a refresh or reshare running on this node. */
const busy = new WeakMap<EncryptedStore, Set<string>>();

/**
 * Runs a refresh or reshare of `keyId` alone: on this node (one at a time per key) and
 * cluster-wide (the key's lock, held for this request: the API took it for an HTTP request; for
 * a direct one the first party takes it, and releases it once its new version is active).
 */
export async function exclusive<T>(c: Ctx, keyId: string, f: () => Promise<T>): Promise<T> {
  const { store, cluster, r } = c;
  const set = busy.get(store) ?? new Set<string>();
  busy.set(store, set);
  if (cluster?.holdLock && !(await cluster.holdLock(keyId, r.requestId)))
    throw new RequestError('KEY_BUSY', `another refresh or reshare of ${keyId} holds its lock`);
  // Checked after the lock's round trip, so that nothing else of this key starts in between.
  if (set.has(keyId))
    throw new RequestError('KEY_BUSY', `a refresh or reshare of ${keyId} is already running`);
  set.add(keyId);
  try {
    return await f();
  } finally {
    set.delete(keyId);
  }
}

export const outcome = (
  m: KeyMeta,
  threshold: number,
  parties: string[],
  key: string,
  curves: string[],
) => ({
  keyId: m.keyId,
  threshold,
  parties,
  curves: m.curves,
  publicKeys: m.publicKeys,
  ...(m.chainCode ? { chainCode: m.chainCode } : {}),
  [key]: curves,
});

/**
 * The key an operation on an existing key runs with, promoted to what every party confirmed:
 * refused when it is unknown here, not active yet, held pending while its co-parties already
 * activated it, or older than the cluster's record. A party in `joining` that has no metadata yet
 * (new to the key in a reshare) takes the cluster's public record.
 */
export async function activeKey(c: Ctx<RequestEnvelope>, joining?: string[]): Promise<KeyMeta> {
  const { r, me, store, cluster, confirmed } = c;
  // Read together (each read waits on the bus or the file thread pool): a record read before this
  // promote's own statement lands is one epoch behind, which the stale check allows.
  const [promoted, record] = await Promise.all([
    promote(store, r.keyId, confirmed, me, cluster),
    cluster?.get(r.keyId),
  ]);
  let meta = promoted;
  if (!meta && joining && record && joining.includes(me)) {
    // A party new to the key learns its public record from the cluster; the dealers' context
    // and every party's confirmation in the protocol check it (spec §5 step 4).
    meta = { ...record, versions: {} } as KeyMeta;
  }
  if (!meta || meta.left)
    throw new RequestError(
      'UNKNOWN_KEY',
      meta?.left ? `this node left the committee of ${r.keyId}` : `no key ${r.keyId}`,
    );
  if (meta.keygenRequest)
    throw new RequestError('KEY_NOT_ACTIVE', `key ${r.keyId} is not confirmed by every party yet`);
  if (record?.epoch && meta.next?.requestId === record.epoch) {
    // The co-parties already activated the change this node holds pending: its promotion is on its
    // way (their confirmations in flight, or re-published by the sweep). Wait briefly, then say so.
    meta =
      (await awaitPromotion(store, r.keyId, confirmed, me, cluster, PROMOTION_WAIT_MS)) ?? meta;
    if (meta.next?.requestId === record.epoch)
      throw new RequestError(
        'KEY_NOT_ACTIVE',
        `this node has not yet seen every party's confirmation of ${r.keyId}'s new shares; retry shortly`,
      );
  }
  // A node restored from an old backup holds old-epoch shares: it must not use them. (A node that
  // has just promoted may be one epoch ahead of the record, which its parties are still updating.)
  if (
    record?.epoch &&
    meta.epoch &&
    record.epoch !== meta.epoch &&
    record.epoch !== meta.previousEpoch &&
    Object.keys(meta.versions).length
  ) {
    throw new RequestError(
      'STALE_SHARE',
      `this node's shares of ${r.keyId} are from an older epoch than the cluster's (restored from a backup?)`,
    );
  }
  return meta;
}

/** How long an API answer waits for the parties to activate a new key or share version (they sign the record). */
export const ACTIVATION_WAIT_MS = 10_000;
