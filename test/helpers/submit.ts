/** Submitting requests to a test cluster over NATS as its initiator `ops`, and waiting on node logs. */
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { submit } from '../../src/client/nats.ts';
import type { Manifest } from '../../src/node/identity/manifest.ts';
import type { Curve, NodeResult, OperationRequest } from '../../src/node/requests/requests.ts';
import { request, type Draft, type NodeProcess } from './cluster.ts';

/** What a submission goes through: the connection, the cluster's manifest and the initiator's key. */
export interface Submitter {
  nc: NatsConnection;
  manifest: Manifest;
  initiator: Uint8Array;
}

/** Every result succeeded (else the first failure's error, in full); returns them. */
export function assertOk(results: NodeResult[]): NodeResult[] {
  for (const r of results) assert.ok(r.ok, JSON.stringify(r.error));
  return results;
}

/** Submits `draft` (completed by request()) and returns `expect`'s attested results, whatever they are. */
export const submitDraft = (
  c: Submitter,
  draft: Draft | OperationRequest,
  expect: string[],
  timeoutMs?: number,
): Promise<NodeResult[]> =>
  submit(
    c.nc,
    c.manifest,
    'requestId' in draft ? draft : request(draft),
    c.initiator,
    expect,
    timeoutMs,
  );

/** Submits `draft` and asserts every one of `expect` succeeded. */
export const submitOk = async (
  c: Submitter,
  draft: Draft,
  expect: string[],
): Promise<NodeResult[]> => assertOk(await submitDraft(c, draft, expect));

/** Signs `message` (hex) with `keyId`'s `curve` share by `signers`, every one of whom must succeed. */
export const signOk = (
  c: Submitter,
  keyId: string,
  curve: Curve,
  message: string,
  signers: string[],
): Promise<NodeResult[]> => submitOk(c, { op: 'sign', keyId, curve, message, signers }, signers);

/** Makes key `keyId` of `curves` shared by `parties` (threshold 2), every one of whom must succeed. */
export const keygenOk = (
  c: Submitter,
  keyId: string,
  parties: string[],
  curves: Curve[],
): Promise<NodeResult[]> =>
  submitOk(c, { op: 'keygen', keyId, threshold: 2, parties, curves }, parties);

/** Waits until `p` has logged a line `pred` accepts (polled, bounded: a missing line fails). */
export async function waitForLog(
  p: NodeProcess,
  pred: (l: Record<string, unknown>) => boolean,
  ms = 20_000,
): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 50)))
    if (p.logs.some(pred)) return;
  throw new Error('expected log line did not appear');
}

/** The log line of a node taking request `r` up. */
export const received =
  (r: OperationRequest) =>
  (l: Record<string, unknown>): boolean =>
    l.event === 'request_received' && l.requestId === r.requestId;
