/**
 * promote: an operator's re-drive of a key's promotion (POST /v1/keys/{id}/promote). It runs no
 * protocol: every node holding the key re-publishes its confirmation, promotes what is confirmed,
 * restates its key statement and reports where the promotion stands (cluster/promotion.ts);
 * nodes that do not answer in time are listed, not waited for.
 * @module
 */
import { redriveKey, type PromotionCluster } from '../../cluster/promotion.ts';
import { RequestError, type NodeResult } from '../../requests/request.ts';
import type { Operation } from '../operation.ts';
import { promoteContract, type PromoteRequest } from './request.ts';

/** How long a promotion re-drive waits for the nodes' answers (a node that is down is what it is often about). */
const REDRIVE_WAIT_MS = 5_000;

/** A re-drive reads and restates key statements: it needs the node's whole cluster state. */
const promotions = (c: unknown): c is PromotionCluster =>
  !!c && typeof (c as PromotionCluster).statements === 'function';

export const promote: Operation<PromoteRequest> = {
  ...promoteContract,
  changesKey: false,
  runsSessions: false,

  // Every node answers it (one without the key says so).
  async run(c) {
    if (!promotions(c.cluster))
      throw new RequestError(
        'VALIDATION',
        'a promotion re-drive needs the cluster state (promotion.ts redrive)',
      );
    return { ...(await redriveKey(c.store, c.me, c.cluster, c.confirmed, c.r.keyId)) };
  },

  async answer(op, d) {
    const everyone = d.manifest.nodes.map((n) => n.nodeId);
    // Every node's answer is waited for (one node's failure ends nothing: the report is about each).
    const got = await d.answers(Math.min(REDRIVE_WAIT_MS, d.operationTimeoutMs));
    const attestations = everyone.map((id) => got.get(id)).filter((r): r is NodeResult => !!r);
    const holders = attestations.filter((r) => !r.ok || (r.result as { held?: boolean }).held);
    if (!holders.length && got.size === everyone.length)
      throw d.refuse(404, 'UNKNOWN_KEY', `no node holds key ${op.keyId}`);
    // A node's own text is not repeated (a failure's message goes through the public error filter); its id comes last, so it cannot be overridden.
    const nodes = holders.map((r) =>
      r.ok
        ? { ...(r.result as Record<string, unknown>), nodeId: r.nodeId }
        : { error: d.publicError({ ...r.error }), nodeId: r.nodeId },
    );
    return {
      status: 200,
      body: {
        keyId: op.keyId,
        requestId: op.requestId,
        nodes,
        unanswered: everyone.filter((id) => !got.has(id)),
        attestations,
      },
    };
  },
};
