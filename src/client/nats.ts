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
  const got = new Map<string, NodeResult>();
  let wake: () => void = () => undefined;
  let forged: Error | undefined;
  const take = (id: string, value: Uint8Array) => {
    if (got.has(id) || !value.length) return;
    let r: NodeResult;
    try {
      r = JSON.parse(new TextDecoder().decode(value)) as NodeResult;
    } catch {
      return;
    }
    if (!verifyAttestation(manifest, r))
      forged = new ForgedResultError(`result from ${id} carries an invalid attestation`);
    else if (r.requestId !== request.requestId || r.nodeId !== id)
      forged = new ForgedResultError(
        `the result stored for ${id} is ${r.nodeId}'s attestation of another request`,
      );
    else got.set(id, r);
    wake();
  };
  // Results are pushed: each write to the bucket is a message on its key's subject, which wakes
  // this up to read the stored value (the first result stands; a message may also be a refused
  // second create, so it is never taken itself). A read at the start and every 2 s catches one
  // stored before (a replayed request) or missed in a reconnect.
  let signalled = false;
  const sub = nc.subscribe(`$KV.${n.results}.${request.requestId}.*`, {
    callback: () => {
      signalled = true;
      wake();
    },
  });
  try {
    await jetstream(nc).publish(n.requests, JSON.stringify(signed), { msgID: request.requestId });
    const kv = await new Kvm(nc).open(n.results);
    const read = async () => {
      for (const id of expect) {
        if (got.has(id)) continue;
        const e = await kv.get(`${request.requestId}.${id}`).catch(() => null);
        if (e) take(id, e.value);
      }
    };
    const until = Date.now() + timeoutMs;
    await read();
    while (got.size < expect.length) {
      if (forged) throw forged;
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for results from ${expect.filter((id) => !got.has(id)).join(', ')}`,
        );
      if (!signalled)
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(2_000, Math.max(0, until - Date.now())));
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      // The stream may store a write a moment after its message arrived: read again shortly.
      for (const ms of signalled ? [0, 10, 40, 150] : [0]) {
        signalled = false;
        if (ms) await new Promise((r) => setTimeout(r, ms));
        const before = got.size;
        if (got.size < expect.length && !forged) await read();
        if (got.size > before || got.size === expect.length || forged) break;
      }
    }
    if (forged) throw forged;
  } finally {
    sub.unsubscribe();
  }
  return expect.map((id) => got.get(id)!);
}
