/**
 * Submits signed operation requests to a cluster over NATS and collects the nodes' attested
 * results (every attestation is verified against the manifest, and must be for this request).
 * @module
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import { names } from '../node/names.ts';
import {
  signRequest,
  verifyAttestation,
  type NodeResult,
  type OperationRequest,
} from '../node/requests/requests.ts';

/** A result whose attestation did not verify, or that is not this request's. */
export class ForgedResultError extends Error {
  override name = 'ForgedResultError';
}

/**
 * Publishes `request` signed for the manifest's cluster (de-duplicated by its requestId), with
 * the approvals of `approvers` when the cluster's policy needs them, and waits for a result
 * from each of `expect`.
 */
export async function submit(
  nc: NatsConnection,
  manifest: Manifest,
  request: OperationRequest,
  initiator: Uint8Array | InitiatorSecret,
  expect: string[],
  timeoutMs = 120_000,
  approvers: InitiatorSecret[] = [],
): Promise<NodeResult[]> {
  const n = names(manifest.cluster);
  const signed = signRequest(request, initiator, manifest.cluster, approvers);
  await jetstream(nc).publish(n.requests, JSON.stringify(signed), { msgID: request.requestId });
  const kv = await new Kvm(nc).open(n.results);
  const got = new Map<string, NodeResult>();
  const until = Date.now() + timeoutMs;
  while (got.size < expect.length) {
    for (const id of expect) {
      if (got.has(id)) continue;
      const e = await kv.get(`${request.requestId}.${id}`).catch(() => null);
      if (e && e.value.length) {
        const r = JSON.parse(e.string()) as NodeResult;
        if (!verifyAttestation(manifest, r))
          throw new ForgedResultError(`result from ${id} carries an invalid attestation`);
        if (r.requestId !== request.requestId || r.nodeId !== id)
          throw new ForgedResultError(
            `the result stored for ${id} is ${r.nodeId}'s attestation of another request`,
          );
        got.set(id, r);
      }
    }
    if (got.size < expect.length) {
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for results from ${expect.filter((id) => !got.has(id)).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return expect.map((id) => got.get(id)!);
}
