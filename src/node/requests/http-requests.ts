/**
 * Turns a signed HTTP request (`src/auth/signed-http.ts`) into the operation it asks for, with
 * the field rules both request forms share (`parseRequest` in requests.ts is the one entry
 * point for nodes). The API uses this to answer 400s early; every node runs it again on the
 * signed bytes it received, so a compromised API node cannot change what was asked.
 * @module
 */
import {
  requestIdOf,
  signedBytesOf,
  verifyApprovals,
  type SignedHttp,
} from '../../auth/signed-http.ts';
import type { Manifest } from '../identity/manifest.ts';
import {
  contracts,
  findContract,
  operationFields,
  type OperationRequest,
} from '../operations/contracts.ts';
import { invalid, KEY_ID } from './fields.ts';
import { RequestError } from './request.ts';
import { DuplicateKeyError, parseStrictJson } from './strict-json.ts';

export { MAX_MESSAGE_BYTES } from './fields.ts';

function object(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let v: unknown;
  try {
    v = parseStrictJson(body);
  } catch (e) {
    throw new RequestError(
      'MALFORMED_JSON',
      e instanceof DuplicateKeyError ? e.message : 'the body is not valid JSON',
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw invalid('the body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A request's route: which operation a method and path name. */
export function routeOf(
  method: string,
  path: string,
): { op: OperationRequest['op']; keyId?: string } | undefined {
  const p = path.split('?')[0]!;
  if (method !== 'POST') return undefined;
  // POST /v1/keys names a new key; every other operation is POST /v1/keys/{keyId}/{op}.
  if (p === '/v1/keys') {
    const fresh = contracts().find((o) => !o.keyed);
    return fresh && { op: fresh.op };
  }
  const m = /^\/v1\/keys\/([^/]+)\/([^/]+)$/.exec(p);
  const contract = m ? findContract(m[2]) : undefined;
  if (!m || !contract?.keyed) return undefined;
  if (!KEY_ID.test(m[1]!)) throw invalid('keyId must be 1-64 letters, digits, "_" or "-"');
  return { op: contract.op, keyId: m[1]! };
}

/** The operation a signed HTTP request asks for (its signature checked by the caller; a RequestError for a bad body). */
export function operationOf(manifest: Manifest, s: SignedHttp): OperationRequest {
  const route = routeOf(s.method, s.path);
  if (!route)
    throw new RequestError('NOT_FOUND', `no operation at ${s.method} ${s.path.slice(0, 100)}`);
  const requestId = requestIdOf(s);
  const keyId = route.keyId ?? `key_${requestId.slice(1, 25)}`;
  return {
    requestId,
    initiator: s.keyId,
    timestamp: s.timestamp,
    op: route.op,
    keyId,
    ...operationFields(manifest, route.op, object(s.body)),
  } as OperationRequest;
}

/**
 * The operation of a signed HTTP request whose signature the caller verified, once its approvals
 * satisfy the policy (RequestError for a bad body, AuthError APPROVALS_REQUIRED).
 */
export function httpOperation(manifest: Manifest, s: SignedHttp): OperationRequest {
  const op = operationOf(manifest, s);
  verifyApprovals(manifest.approvals, op.op, signedBytesOf(manifest.cluster, s), s.approvals);
  return op;
}
