/**
 * One signed operation, from HTTP to attested results: authenticate, enforce the nonce and
 * Idempotency-Key rules, validate, take the key's lock when needed, publish the signed request
 * verbatim (every node re-verifies it) and wait for the participants' attested results.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AuthError, readSignedHeaders, verifySignedHttp, type SignedHttp } from '../auth/signed-http.ts';
import type { ClusterState } from '../node/cluster/state.ts';
import { httpOperation } from '../node/requests/http-requests.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import { reshareRoles } from '../node/operations/execute.ts';
import { RequestError, signersOf, type NodeResult, type OperationRequest } from '../node/requests/requests.ts';
import { readBody } from './body.ts';
import { ApiError, publicError, statusOf } from './errors.ts';

/** Limits the API enforces. */
export interface ApiLimits {
  /** Largest body accepted (bytes). */
  bodyBytes: number;
  /** How long a client may take to send its body (ms). */
  bodyTimeoutMs: number;
  /** Operations in flight on this API node before it answers 429. */
  maxInflight: number;
  /** How long to wait for the participants' results (ms). */
  operationTimeoutMs: number;
}

/** What an operation needs from the node it runs on. */
export interface OperateDeps {
  manifest: Manifest;
  cluster: () => ClusterState | undefined;
  limits: ApiLimits;
  /** Takes the request's operation slot once its signature verified (throws a 429 ApiError when full). */
  admit?: (req: Request) => void;
  /** Progress and audit hook (request id, op, outcome). */
  onFinish?: (e: { requestId: string; op: string; status: number; code?: string; ms: number }) => void;
}

/** A successful answer. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Authenticates a request: returns the signed form (401/408/413 as ApiError). */
export async function authenticate(req: Request, deps: OperateDeps): Promise<SignedHttp> {
  const body = await readBody(req, deps.limits.bodyBytes, deps.limits.bodyTimeoutMs);
  const url = new URL(req.url);
  try {
    const h = readSignedHeaders((n) => req.headers.get(n));
    const approvals = req.headers.get('x-tessera-approvals') ?? undefined;
    const signed: SignedHttp = { method: req.method.toUpperCase(), path: url.pathname + url.search, ...h, body, ...(approvals ? { approvals } : {}) };
    verifySignedHttp(deps.manifest, signed);
    deps.admit?.(req);
    const cluster = deps.cluster();
    if (!cluster) throw new ApiError(503, 'NOT_READY', 'this node is not connected to the cluster yet');
    if (!(await cluster.claimNonce(signed.keyId, signed.nonce))) throw new AuthError('NONCE_REPLAYED', 'this nonce was already used; sign every request with a fresh nonce');
    return signed;
  } catch (e) {
    if (e instanceof AuthError) throw new ApiError(statusOf(e.code), e.code, e.message);
    throw e;
  }
}

const union = (a: string[], b: string[]) => [...a, ...b.filter((x) => !a.includes(x))];

/** Runs an authenticated operation request and shapes the answer. */
export async function operate(signed: SignedHttp, idempotencyKey: string | undefined, deps: OperateDeps): Promise<Answer> {
  const cluster = deps.cluster();
  if (!cluster) throw new ApiError(503, 'NOT_READY', 'this node is not connected to the cluster yet');
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 visible ASCII characters');
  // The operation and its approvals first: an answer is never replayed to a request the policy refuses.
  let op: OperationRequest;
  try {
    op = httpOperation(deps.manifest, signed);
  } catch (e) {
    if (e instanceof RequestError) throw new ApiError(statusOf(e.code), e.code, e.message);
    if (e instanceof AuthError) throw new ApiError(statusOf(e.code), e.code, e.message);
    throw e;
  }
  const fingerprint = bytesToHex(sha256(new TextEncoder().encode(`${signed.method}\n${signed.path}\n${signed.body}`)));
  if (idempotencyKey) {
    const prior = await cluster.idempotent(signed.keyId, idempotencyKey);
    if (prior === 'running') throw new ApiError(409, 'REQUEST_IN_PROGRESS', 'a request with this Idempotency-Key is still running; retry later');
    // Never served: the bus holds an answer no API node of this cluster signed (or its attestations fail).
    if (prior === 'forged') throw new ApiError(502, 'FORGED_RECORD', 'the stored answer of this Idempotency-Key is forged or tampered (idempotency record); it is ignored: retry with a new Idempotency-Key');
    if (prior) {
      if (prior.bodyHash !== fingerprint) throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      return { status: prior.status, body: prior.body as Record<string, unknown>, headers: { 'Idempotent-Replayed': 'true' } };
    }
  }
  if (idempotencyKey && !(await cluster.claimIdempotency(signed.keyId, idempotencyKey, fingerprint))) throw new ApiError(409, 'REQUEST_IN_PROGRESS', 'a request with this Idempotency-Key is still running; retry later');
  const t0 = performance.now();
  let answer: Answer | undefined;
  let failure: ApiError | undefined;
  try {
    answer = await dispatch(op, signed, cluster, deps);
    return answer;
  } catch (e) {
    failure = e instanceof ApiError ? e : new ApiError(500, 'INTERNAL', 'internal error');
    throw failure;
  } finally {
    const status = answer?.status ?? failure?.status ?? 500;
    deps.onFinish?.({ requestId: op.requestId, op: op.op, status, code: failure?.code, ms: performance.now() - t0 });
    if (idempotencyKey) {
      // A definite answer is kept; a timeout or outage is not, so a retry can run again.
      const keep = answer ?? (failure && failure.status < 500 ? { status: failure.status, body: { error: { code: failure.code, message: failure.message, ...failure.details } } } : undefined);
      if (keep) await cluster.answer(signed.keyId, idempotencyKey, { bodyHash: fingerprint, status: keep.status, body: keep.body }).catch(() => undefined);
      else await cluster.forgetIdempotency(signed.keyId, idempotencyKey);
    }
  }
}

/** How long an answer waits for the parties to activate a new key or share version (they sign the record). */
const ACTIVATION_WAIT_MS = 10_000;

async function dispatch(op: OperationRequest, signed: SignedHttp, cluster: ClusterState, deps: OperateDeps): Promise<Answer> {
  if (op.op === 'keygen') {
    await ready(cluster, op.parties);
    const results = await submitAndWait(op, signed, cluster, op.parties, deps);
    const first = results[0]!.result as Record<string, unknown>;
    for (const r of results) {
      if (JSON.stringify((r.result as Record<string, unknown>).publicKeys) !== JSON.stringify(first.publicKeys)) throw new ApiError(502, 'INCONSISTENT_RESULTS', 'the parties report different public keys', { culprits: [r.nodeId] });
    }
    const record = { keyId: op.keyId, threshold: op.threshold, parties: op.parties, curves: op.curves, publicKeys: first.publicKeys as Record<string, string>, chainCode: first.chainCode as string | undefined, epoch: op.requestId };
    // The parties write the key's record themselves once every one confirmed (never the API).
    await cluster.awaitKey(op.keyId, op.requestId, ACTIVATION_WAIT_MS);
    return { status: 201, body: { keyId: op.keyId, threshold: op.threshold, parties: op.parties, publicKeys: record.publicKeys, ...(record.chainCode ? { chainCode: record.chainCode } : {}), requestId: op.requestId, attestations: results } };
  }
  if (op.op === 'promote') return redrive(op, signed, cluster, deps);
  const key = await cluster.get(op.keyId);
  if (!key) throw noKey(cluster, op.keyId);
  if (op.op === 'sign') {
    if (!key.curves.includes(op.curve)) throw new ApiError(400, 'VALIDATION', `key ${op.keyId} has no ${op.curve} share (it has ${key.curves.join(', ')})`);
    let signers: string[];
    try {
      signers = signersOf(key, op.signers);
    } catch (e) {
      throw new ApiError(400, (e as RequestError).code, (e as Error).message);
    }
    const holder = await cluster.locked(op.keyId);
    if (holder) throw new ApiError(409, 'KEY_BUSY', `key ${op.keyId} is being reshared or refreshed (${holder}); retry when it finishes`);
    const results = await submitAndWait(op, signed, cluster, signers, deps);
    const r = results[0]!.result as Record<string, unknown>;
    for (const x of results) {
      if ((x.result as Record<string, unknown>).signature !== r.signature) throw new ApiError(502, 'INCONSISTENT_RESULTS', 'the signers report different signatures', { culprits: [x.nodeId] });
    }
    return { status: 200, body: { keyId: op.keyId, curve: op.curve, signature: r.signature, r: r.r, s: r.s, ...(r.recoveryId !== undefined ? { recoveryId: r.recoveryId } : {}), publicKey: r.publicKey, signers: r.signers, ...(op.derivationPath ? { derivationPath: op.derivationPath } : {}), requestId: op.requestId, attestations: results } };
  }
  // Reshare and refresh hold the key's cluster-wide lock: a second one, or a signing, gets 409.
  if (!(await cluster.lock(op.keyId, op.requestId))) throw new ApiError(409, 'KEY_BUSY', `another refresh or reshare of ${op.keyId} is running`);
  try {
    const parties = op.op === 'reshare' ? op.parties : key.parties;
    const threshold = op.op === 'reshare' ? op.threshold : key.threshold;
    await ready(cluster, union(parties, reshareRoles(key.parties, key.threshold, parties).dealers));
    const results = await submitAndWait(op, signed, cluster, union(key.parties, parties), deps);
    await cluster.awaitKey(op.keyId, op.requestId, ACTIVATION_WAIT_MS);
    return { status: 200, body: { keyId: op.keyId, threshold, parties, publicKeys: key.publicKeys, ...(key.chainCode ? { chainCode: key.chainCode } : {}), requestId: op.requestId, attestations: results } };
  } finally {
    await cluster.unlock(op.keyId);
  }
}

/** No valid record of `keyId`: 404, or 502 when the bucket holds statements its nodes did not sign (never served). */
export function noKey(cluster: ClusterState, keyId: string): ApiError {
  if (cluster.forgedRecord(keyId)) return new ApiError(502, 'FORGED_RECORD', `the key record of ${keyId} holds statements its nodes did not sign and no valid record (key record); they are ignored`);
  return new ApiError(404, 'UNKNOWN_KEY', `no key ${keyId}`);
}

/** How long a promotion re-drive waits for the nodes' answers (a node that is down is what it is often about). */
const REDRIVE_WAIT_MS = 5_000;

/**
 * `POST /v1/keys/{id}/promote`: every node re-drives the key's promotion (no record needed: a
 * lost record is one thing it repairs) and reports where it stands; nodes that do not answer in
 * time are listed, not waited for.
 */
async function redrive(op: OperationRequest, signed: SignedHttp, cluster: ClusterState, deps: OperateDeps): Promise<Answer> {
  const everyone = deps.manifest.nodes.map((n) => n.nodeId);
  // Every node's answer is waited for (one node's failure ends nothing: the report is about each).
  const waiting = cluster.awaitResults(op.requestId, everyone, Math.min(REDRIVE_WAIT_MS, deps.limits.operationTimeoutMs), { all: true });
  await cluster.submit({ http: signed }, op.requestId);
  const got = await waiting;
  const attestations = everyone.map((id) => got.get(id)).filter((r): r is NodeResult => !!r);
  const holders = attestations.filter((r) => !r.ok || (r.result as { held?: boolean }).held);
  if (!holders.length && got.size === everyone.length) throw new ApiError(404, 'UNKNOWN_KEY', `no node holds key ${op.keyId}`);
  // A node's own text is not repeated (a failure's message goes through the public error filter); its id comes last, so it cannot be overridden.
  const nodes = holders.map((r) => (r.ok ? { ...(r.result as Record<string, unknown>), nodeId: r.nodeId } : { error: publicError({ ...r.error }), nodeId: r.nodeId }));
  return { status: 200, body: { keyId: op.keyId, requestId: op.requestId, nodes, unanswered: everyone.filter((id) => !got.has(id)), attestations } };
}

async function ready(cluster: ClusterState, parties: string[]): Promise<void> {
  const missing = await cluster.notReady(parties, 5_000);
  if (missing.length) throw new ApiError(503, 'PARTY_NOT_READY', `not ready: ${missing.join(', ')}`, { culprits: missing });
}

async function submitAndWait(op: OperationRequest, signed: SignedHttp, cluster: ClusterState, expect: string[], deps: OperateDeps): Promise<NodeResult[]> {
  const results = cluster.awaitResults(op.requestId, expect, deps.limits.operationTimeoutMs);
  await cluster.submit({ http: signed }, op.requestId, op.op === 'sign');
  const got = await results;
  const all = expect.map((id) => got.get(id)).filter((r): r is NodeResult => !!r);
  const failed = all.filter((r) => !r.ok);
  if (failed.length) {
    // Prefer a failure that names someone else (the root cause) over the aborts it caused.
    const root = failed.find((r) => r.error!.code !== 'ABORTED_BY_PEER') ?? failed[0]!;
    const e = root.error!;
    throw new ApiError(statusOf(e.code), e.code, e.message, { culprits: e.culprits, nodes: failed.map((r) => ({ nodeId: r.nodeId, code: r.error!.code, message: r.error!.message, culprits: r.error!.culprits })) });
  }
  const missing = expect.filter((id) => !got.has(id));
  if (missing.length) throw new ApiError(504, 'TIMEOUT', `no result from ${missing.join(', ')} within ${deps.limits.operationTimeoutMs} ms`, { culprits: missing });
  return all;
}
