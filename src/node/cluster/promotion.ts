/**
 * Promotion that survives a lost or clobbered confirmation. A node's confirmation of a new key or
 * share version is its attested result for the request that made it (NATS KV, created once,
 * written only by that node), and each party's key statement says which version it activated.
 * `sweepPromotions` runs at start and then periodically:
 * - a version this node has not activated yet: it re-publishes its own confirmation from its
 *   store (a deleted or clobbered one comes back) and promotes once every party's is there;
 * - a version it has activated: it states the key's record again if its own statement is
 *   missing or differs (an earlier version's record, or one lost from the bus), and while some
 *   party's statement is not at that version it re-publishes its confirmation, so a party that
 *   lost it still promotes.
 * @module
 */
import { recordOf, type KeyStatement } from './key-record.ts';
import {
  promote,
  publicRecord,
  type ClusterKeys,
  type Confirmed,
  type KeyMeta,
} from '../operations/keys.ts';
import { canonical, type NodeResult } from '../requests/request.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import { record } from '../names.ts';

/** What a sweep needs from the cluster state. */
export interface PromotionCluster extends ClusterKeys {
  /** `fresh`: read from the bus, not a reader's memory (a sweep compares them with what it just wrote). */
  statements(keyId: string, fresh?: boolean): Promise<KeyStatement[]>;
  putResult(r: NodeResult): Promise<void>;
}

/** What one sweep did. */
export interface SweepReport {
  /** Keys whose pending version this sweep activated. */
  promoted: string[];
  /** Confirmations published again. */
  republished: number;
  /** Keys whose record this node stated again. */
  restated: number;
}

/** Where a key's promotion stands on one node, after a re-drive (`redriveKey`). */
export interface PromotionStatus {
  keyId: string;
  /** This node holds the key (a node that does not answers only that). */
  held: boolean;
  /** The epoch (request) of the shares this node signs with. */
  epoch?: string;
  /** A version made but not active yet: its request and the parties whose confirmation is missing. */
  pending?: { requestId: string; waitingFor: string[] };
  /** Parties whose key statement is not at this node's epoch yet (they have not activated it). */
  behind: string[];
  /** This node left the key's committee. */
  left?: boolean;
}

/** Re-drives every pending promotion of this node's keys (see the module comment). */
export async function sweepPromotions(
  store: EncryptedStore,
  me: string,
  cluster: PromotionCluster,
  confirmed: Confirmed,
): Promise<SweepReport> {
  const report: SweepReport = { promoted: [], republished: 0, restated: 0 };
  for (const { name, version } of await store.records()) {
    if (version !== 0 || !name.startsWith(record.metaPrefix)) continue;
    await redriveMeta(store, me, cluster, confirmed, await store.getJson<KeyMeta>(name), report);
  }
  return report;
}

/**
 * One key's re-drive, at once (`tessera keys promote`): what a sweep does for it, then where its
 * promotion stands on this node.
 */
export async function redriveKey(
  store: EncryptedStore,
  me: string,
  cluster: PromotionCluster,
  confirmed: Confirmed,
  keyId: string,
): Promise<PromotionStatus> {
  const report: SweepReport = { promoted: [], republished: 0, restated: 0 };
  const meta = await redriveMeta(
    store,
    me,
    cluster,
    confirmed,
    await store.getJson<KeyMeta>(record.meta(keyId)),
    report,
  );
  if (!meta) return { keyId, held: false, behind: [] };
  if (meta.left) return { keyId, held: false, left: true, behind: [] };
  const pending = meta.keygenRequest
    ? { requestId: meta.keygenRequest, parties: meta.parties }
    : meta.next
      ? { requestId: meta.next.requestId, parties: meta.next.parties }
      : undefined;
  const statements = await cluster.statements(keyId, true);
  const behind = pending
    ? []
    : meta.parties.filter((p) => !statements.some((s) => s.nodeId === p && s.epoch === meta.epoch));
  const status: PromotionStatus = {
    keyId,
    held: true,
    behind,
    ...(meta.epoch && !meta.keygenRequest ? { epoch: meta.epoch } : {}),
  };
  if (pending) {
    const waitingFor: string[] = [];
    for (const p of pending.parties)
      if (!(await confirmed(pending.requestId, [p], keyId))) waitingFor.push(p);
    status.pending = { requestId: pending.requestId, waitingFor };
  }
  return status;
}

/** The sweep's work for one key's metadata; returns the metadata after it. */
async function redriveMeta(
  store: EncryptedStore,
  me: string,
  cluster: PromotionCluster,
  confirmed: Confirmed,
  meta: KeyMeta | undefined,
  report: SweepReport,
): Promise<KeyMeta | undefined> {
  const republish = async (requestId: string) => {
    const mine = await store.getJson<NodeResult>(record.request(requestId));
    if (!mine?.ok) return;
    await cluster.putResult(mine);
    report.republished++;
  };
  if (!meta || meta.left) return meta;
  const pending = meta.keygenRequest ?? meta.next?.requestId;
  if (pending) {
    await republish(pending);
    const after = await promote(store, meta.keyId, confirmed, me, cluster);
    if (after && !after.keygenRequest && !after.next) report.promoted.push(meta.keyId);
    return after;
  }
  if (!meta.epoch || !Object.keys(meta.versions).length) return meta;
  const statements = await cluster.statements(meta.keyId, true);
  const mine = statements.find((s) => s.nodeId === me);
  if (!mine || canonical(recordOf(mine)) !== canonical(recordOf(publicRecord(meta)))) {
    await cluster.put(publicRecord(meta));
    report.restated++;
  }
  const behind = meta.parties.filter(
    (p) => p !== me && !statements.some((s) => s.nodeId === p && s.epoch === meta.epoch),
  );
  if (behind.length) await republish(meta.epoch);
  return meta;
}
