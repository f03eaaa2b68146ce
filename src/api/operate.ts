/**
 * One signed operation, from HTTP to attested results: authenticate, enforce the nonce and
 * Idempotency-Key rules, validate, take the key's lock when needed, publish the signed request
 * verbatim (every node re-verifies it) and wait for the participants' attested results.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  AuthError,
  readSignedHeaders,
  verifySignedHttp,
  type SignedHttp,
} from '../auth/signed-http.ts';
import type { ClusterState } from '../node/cluster/state.ts';
import { httpOperation } from '../node/requests/http-requests.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import { operationFor } from '../node/operations/index.ts';
import type { Answer, Drive } from '../node/operations/operation.ts';
import { RequestError, type NodeResult, type OperationRequest } from '../node/requests/requests.ts';
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
  onFinish?: (e: {
    requestId: string;
    op: string;
    status: number;
    code?: string;
    ms: number;
    /** Where the time went (`<name>Ms`, each since the one before). */
    phases: Record<string, number>;
  }) => void;
}

export type { Answer };

/** Nonce claims still in flight (authenticate with `deferNonce`); `operate` settles them before any effect. */
const pendingNonces = new WeakMap<SignedHttp, Promise<void>>();

/**
 * Authenticates a request: returns the signed form (401/408/413 as ApiError). With `deferNonce`
 * the nonce's single-use claim is still in flight: `operate` waits for it before anything the
 * request causes (a signing overlaps it with its presignature claim, released on a replay).
 */
export async function authenticate(
  req: Request,
  deps: OperateDeps,
  opts: { deferNonce?: boolean } = {},
): Promise<SignedHttp> {
  const body = await readBody(req, deps.limits.bodyBytes, deps.limits.bodyTimeoutMs);
  const url = new URL(req.url);
  try {
    const h = readSignedHeaders((n) => req.headers.get(n));
    const approvals = req.headers.get('x-tessera-approvals') ?? undefined;
    const signed: SignedHttp = {
      method: req.method.toUpperCase(),
      path: url.pathname + url.search,
      ...h,
      body,
      ...(approvals ? { approvals } : {}),
    };
    verifySignedHttp(deps.manifest, signed);
    deps.admit?.(req);
    const cluster = deps.cluster();
    if (!cluster)
      throw new ApiError(503, 'NOT_READY', 'this node is not connected to the cluster yet');
    const claimed = cluster.claimNonce(signed.keyId, signed.nonce).then((fresh) => {
      if (!fresh)
        throw new ApiError(
          401,
          'NONCE_REPLAYED',
          'this nonce was already used; sign every request with a fresh nonce',
        );
    });
    if (!opts.deferNonce) await claimed;
    else {
      claimed.catch(() => undefined);
      pendingNonces.set(signed, claimed);
    }
    return signed;
  } catch (e) {
    if (e instanceof AuthError) throw new ApiError(statusOf(e.code), e.code, e.message);
    throw e;
  }
}

/** Runs an authenticated operation request and shapes the answer. */
export async function operate(
  signed: SignedHttp,
  idempotencyKey: string | undefined,
  deps: OperateDeps,
): Promise<Answer> {
  const cluster = deps.cluster();
  const nonce = pendingNonces.get(signed) ?? Promise.resolve();
  if (!cluster) {
    await nonce;
    throw new ApiError(503, 'NOT_READY', 'this node is not connected to the cluster yet');
  }
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
    throw new ApiError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1-255 visible ASCII characters',
    );
  // The operation and its approvals first: an answer is never replayed to a request the policy refuses.
  let op: OperationRequest;
  try {
    op = httpOperation(deps.manifest, signed);
  } catch (e) {
    if (e instanceof RequestError) throw new ApiError(statusOf(e.code), e.code, e.message);
    if (e instanceof AuthError) throw new ApiError(statusOf(e.code), e.code, e.message);
    throw e;
  }
  // Only a signing without an Idempotency-Key runs before its nonce is known fresh (its one effect
  // before publishing, a presignature claim, is released on a replay); everything else waits here.
  if (op.op !== 'sign' || idempotencyKey) await nonce;
  const fingerprint = bytesToHex(
    sha256(new TextEncoder().encode(`${signed.method}\n${signed.path}\n${signed.body}`)),
  );
  if (idempotencyKey) {
    const prior = await cluster.idempotent(signed.keyId, idempotencyKey);
    if (prior === 'running')
      throw new ApiError(
        409,
        'REQUEST_IN_PROGRESS',
        'a request with this Idempotency-Key is still running; retry later',
      );
    // Never served: the bus holds an answer no API node of this cluster signed (or its attestations fail).
    if (prior === 'forged')
      throw new ApiError(
        502,
        'FORGED_RECORD',
        'the stored answer of this Idempotency-Key is forged or tampered (idempotency record); it is ignored: retry with a new Idempotency-Key',
      );
    if (prior) {
      if (prior.bodyHash !== fingerprint)
        throw new ApiError(
          409,
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used for a different request',
        );
      return {
        status: prior.status,
        body: prior.body as Record<string, unknown>,
        headers: { 'Idempotent-Replayed': 'true' },
      };
    }
  }
  if (
    idempotencyKey &&
    !(await cluster.claimIdempotency(signed.keyId, idempotencyKey, fingerprint))
  )
    throw new ApiError(
      409,
      'REQUEST_IN_PROGRESS',
      'a request with this Idempotency-Key is still running; retry later',
    );
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let last = t0;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round((now - last) * 10) / 10;
    last = now;
  };
  let answer: Answer | undefined;
  let failure: ApiError | undefined;
  try {
    answer = await dispatch(op, signed, cluster, deps, nonce, phase);
    phase('answerMs');
    return answer;
  } catch (e) {
    failure = e instanceof ApiError ? e : new ApiError(500, 'INTERNAL', 'internal error');
    throw failure;
  } finally {
    const status = answer?.status ?? failure?.status ?? 500;
    deps.onFinish?.({
      requestId: op.requestId,
      op: op.op,
      status,
      code: failure?.code,
      ms: performance.now() - t0,
      phases,
    });
    if (idempotencyKey) {
      // A definite answer is kept; a timeout or outage is not, so a retry can run again.
      const keep =
        answer ??
        (failure && failure.status < 500
          ? {
              status: failure.status,
              body: { error: { code: failure.code, message: failure.message, ...failure.details } },
            }
          : undefined);
      if (keep)
        await cluster
          .answer(signed.keyId, idempotencyKey, {
            bodyHash: fingerprint,
            status: keep.status,
            body: keep.body,
          })
          .catch(() => undefined);
      else await cluster.forgetIdempotency(signed.keyId, idempotencyKey);
    }
  }
}

/** Drives an operation cluster-wide (its own module says how: operations/<op>.ts `answer`). */
function dispatch(
  op: OperationRequest,
  signed: SignedHttp,
  cluster: ClusterState,
  deps: OperateDeps,
  nonce: Promise<void>,
  phase: (name: string) => void,
): Promise<Answer> {
  const drive: Drive = {
    phase,
    manifest: deps.manifest,
    cluster,
    ready: (parties) => ready(cluster, parties),
    results: async (expect, fast, presignature) => {
      await nonce;
      phase('nonceMs');
      const out = await submitAndWait(op, signed, cluster, expect, deps, fast, presignature);
      phase('resultsMs');
      return out;
    },
    // Claimed while the nonce claim is in flight (both one KV round trip); released on a replay.
    presignature: async (keyId, curve, signers, epoch) => {
      const pool = await cluster.pools.pool(keyId, curve, signers);
      const claiming =
        !pool || !epoch || pool.epoch !== epoch || !pool.ids.length
          ? Promise.resolve(undefined)
          : cluster.pools.claim(pool, op.requestId).catch(() => undefined);
      try {
        await nonce;
      } catch (e) {
        const id = await claiming;
        if (id) await cluster.pools.release(id);
        throw e;
      }
      return claiming;
    },
    answers: async (ms) => {
      await nonce;
      const waiting = cluster.awaitResults(
        op.requestId,
        deps.manifest.nodes.map((n) => n.nodeId),
        ms,
        { all: true },
      );
      await cluster.submit({ http: signed }, op.requestId);
      return waiting;
    },
    refuse: (status, code, message, details) => new ApiError(status, code, message, details),
    key: async (keyId) => (await cluster.get(keyId)) ?? Promise.reject(noKey(cluster, keyId)),
    publicError: (e) => publicError({ ...e }),
    operationTimeoutMs: deps.limits.operationTimeoutMs,
  };
  return operationFor(op).answer(op, drive);
}

/** No valid record of `keyId`: 404, or 502 when the bucket holds statements its nodes did not sign (never served). */
export function noKey(cluster: ClusterState, keyId: string): ApiError {
  if (cluster.forgedRecord(keyId))
    return new ApiError(
      502,
      'FORGED_RECORD',
      `the key record of ${keyId} holds statements its nodes did not sign and no valid record (key record); they are ignored`,
    );
  return new ApiError(404, 'UNKNOWN_KEY', `no key ${keyId}`);
}

async function ready(cluster: ClusterState, parties: string[]): Promise<void> {
  const missing = await cluster.notReady(parties, 5_000);
  if (missing.length)
    throw new ApiError(503, 'PARTY_NOT_READY', `not ready: ${missing.join(', ')}`, {
      culprits: missing,
    });
}

async function submitAndWait(
  op: OperationRequest,
  signed: SignedHttp,
  cluster: ClusterState,
  expect: string[],
  deps: OperateDeps,
  fast = false,
  presignature?: string,
): Promise<NodeResult[]> {
  const results = cluster.awaitResults(op.requestId, expect, deps.limits.operationTimeoutMs);
  await cluster.submit(
    presignature ? { http: signed, presignature } : { http: signed },
    op.requestId,
    fast,
  );
  const got = await results;
  const all = expect.map((id) => got.get(id)).filter((r): r is NodeResult => !!r);
  const failed = all.filter((r) => !r.ok);
  if (failed.length) {
    // Prefer a failure that names someone else (the root cause) over the aborts it caused.
    const root = failed.find((r) => r.error!.code !== 'ABORTED_BY_PEER') ?? failed[0]!;
    const e = root.error!;
    throw new ApiError(statusOf(e.code), e.code, e.message, {
      culprits: e.culprits,
      nodes: failed.map((r) => ({
        nodeId: r.nodeId,
        code: r.error!.code,
        message: r.error!.message,
        culprits: r.error!.culprits,
      })),
    });
  }
  const missing = expect.filter((id) => !got.has(id));
  if (missing.length)
    throw new ApiError(
      504,
      'TIMEOUT',
      `no result from ${missing.join(', ')} within ${deps.limits.operationTimeoutMs} ms`,
      { culprits: missing },
    );
  return all;
}
