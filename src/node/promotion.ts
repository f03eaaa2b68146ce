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
import { promote, publicRecord, type ClusterKeys, type Confirmed, type KeyMeta } from './operations.ts';
import { canonical, type NodeResult } from './requests.ts';
import type { EncryptedStore } from './storage.ts';

/** What a sweep needs from the cluster state. */
export interface PromotionCluster extends ClusterKeys {
  statements(keyId: string): Promise<KeyStatement[]>;
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

/** Re-drives every pending promotion of this node's keys (see the module comment). */
export async function sweepPromotions(store: EncryptedStore, me: string, cluster: PromotionCluster, confirmed: Confirmed): Promise<SweepReport> {
  const report: SweepReport = { promoted: [], republished: 0, restated: 0 };
  const republish = async (requestId: string) => {
    const mine = await store.getJson<NodeResult>(`request:${requestId}`);
    if (!mine?.ok) return;
    await cluster.putResult(mine);
    report.republished++;
  };
  for (const { name, version } of await store.records()) {
    if (version !== 0 || !name.startsWith('meta:')) continue;
    const meta = await store.getJson<KeyMeta>(name);
    if (!meta || meta.left) continue;
    const pending = meta.keygenRequest ?? meta.next?.requestId;
    if (pending) {
      await republish(pending);
      const after = await promote(store, meta.keyId, confirmed, me, cluster);
      if (after && !after.keygenRequest && !after.next) report.promoted.push(meta.keyId);
      continue;
    }
    if (!meta.epoch || !Object.keys(meta.versions).length) continue;
    const statements = await cluster.statements(meta.keyId);
    const mine = statements.find((s) => s.nodeId === me);
    if (!mine || canonical(recordOf(mine)) !== canonical(recordOf(publicRecord(meta)))) {
      await cluster.put(publicRecord(meta));
      report.restated++;
    }
    const behind = meta.parties.filter((p) => p !== me && !statements.some((s) => s.nodeId === p && s.epoch === meta.epoch));
    if (behind.length) await republish(meta.epoch);
  }
  return report;
}
