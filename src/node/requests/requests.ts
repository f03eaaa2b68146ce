/**
 * Operation requests and their signed results. A request is canonical JSON signed by an
 * initiator key from the manifest; every node re-verifies it before acting. Each participating
 * node signs its result (an attestation) so a client can tell a forged result.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import {
  approvalOf,
  AuthError,
  requestIdOf,
  signedBytesOf,
  signWith,
  verifyApprovals,
  verifySignedHttp,
  verifyWith,
  type InitiatorSecret,
  type SignedHttp,
} from '../../auth/signed-http.ts';
import { findContract, operationFields, type OperationRequest } from '../operations/contracts.ts';
import { operationOf } from './http-requests.ts';
import type { Manifest } from '../identity/manifest.ts';
import { canonical, REQUEST_WINDOW_MS, RequestError } from './request.ts';

// The shared pieces (request.ts) are re-exported: readers of requests import them from here.
export {
  attest,
  canonical,
  REQUEST_WINDOW_MS,
  RequestError,
  sessionId,
  signersOf,
  verifyAttestation,
  type Curve,
  type NodeResult,
  type RequestEnvelope,
} from './request.ts';
export type { OperationRequest } from '../operations/contracts.ts';

/**
 * What nodes receive: either a request with the initiator's signature (hex) over
 * `directSigningBytes` (`tessera request`) and its authorizers' approvals, or a signed HTTP
 * request forwarded verbatim by the API. Nothing else: the id of an `{http}` request is derived
 * from its signed fields, never read from a field beside them.
 */
export type SignedRequest =
  | { request: OperationRequest; signature: string; approvals?: string }
  | { http: SignedHttp; presignature?: string };

const bytes = (s: string) => new TextEncoder().encode(s);

/**
 * The bytes an initiator signs for a direct request: `tessera-request/v2\nCLUSTER\nINITIATOR\n`
 * and the request's canonical JSON (bound to one cluster; authorizers approve these bytes too).
 */
export function directSigningBytes(cluster: string, request: OperationRequest): Uint8Array {
  return bytes(
    `tessera-request/v2\n${cluster}\n${String(request.initiator)}\n${canonical(request)}`,
  );
}

/** Signs a direct request for `cluster` with an initiator key, attaching `approvers`' approvals. */
export function signRequest(
  request: OperationRequest,
  initiator: Uint8Array | InitiatorSecret,
  cluster: string,
  approvers: InitiatorSecret[] = [],
): SignedRequest {
  const key: InitiatorSecret =
    initiator instanceof Uint8Array
      ? { id: request.initiator, kind: 'ed25519', secretKey: initiator }
      : initiator;
  const signed = directSigningBytes(cluster, request);
  const approvals = approvers.map((a) => approvalOf(a, signed)).join(' ');
  return {
    request,
    signature: bytesToHex(signWith(key, signed)),
    ...(approvals ? { approvals } : {}),
  };
}

const ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** The ids the API derives for `{http}` requests (`requestIdOf`): a direct request may not take one. */
const HTTP_ID = /^r[0-9a-f]{40}$/;

/** A verified request and the form it came in. */
export interface ParsedRequest {
  request: OperationRequest;
  form: 'http' | 'direct';
}

const HTTP_FIELDS = new Set([
  'method',
  'path',
  'keyId',
  'timestamp',
  'nonce',
  'signature',
  'body',
  'approvals',
]);
const DIRECT_FIELDS = new Set(['request', 'signature', 'approvals']);
const ENVELOPE = new Set(['op', 'requestId', 'initiator', 'timestamp', 'keyId']);
const malformed = (message: string) => new RequestError('MALFORMED', message);
const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** A RequestError for `e` (an AuthError or a RequestError), carrying `requestId` once the request is authenticated. */
function refusal(e: unknown, requestId: string): never {
  if (e instanceof AuthError || e instanceof RequestError)
    throw new RequestError(e.code, e.message, requestId);
  throw e;
}

/**
 * The one parser of both request forms, with one set of codes: MALFORMED (neither form, or a
 * field beside the signed ones), UNKNOWN_INITIATOR, BAD_SIGNATURE, then, with the authenticated
 * `requestId` on the error, REQUEST_EXPIRED, NOT_FOUND, MALFORMED_JSON, VALIDATION and
 * APPROVALS_REQUIRED (the cluster's m-of-k policy, the same for both forms).
 */
export function parseRequest(manifest: Manifest, s: unknown, now = Date.now()): ParsedRequest {
  if (!isObject(s))
    throw malformed('a request must be {"http": …} or {"request": …, "signature": …}');
  if ('http' in s) {
    // Beside it only the API's hint of a presignature (a 32-byte hex id; each signer checks its own).
    if (
      Object.keys(s).some((k) => k !== 'http' && k !== 'presignature') ||
      (s.presignature !== undefined &&
        (typeof s.presignature !== 'string' || !/^[0-9a-f]{64}$/.test(s.presignature)))
    )
      throw malformed(
        'an {http} request carries nothing beside "http" and a presignature id (its id is derived from the signed request)',
      );
    const h = s.http;
    if (!isObject(h) || Object.keys(h).some((k) => !HTTP_FIELDS.has(k)))
      throw malformed(
        'http holds only method, path, keyId, timestamp, nonce, signature, body and approvals',
      );
    if (
      ['method', 'path', 'keyId', 'nonce', 'signature', 'body'].some(
        (k) => typeof h[k] !== 'string',
      ) ||
      typeof h.timestamp !== 'number' ||
      (h.approvals !== undefined && typeof h.approvals !== 'string')
    )
      throw malformed('http has a missing or mistyped field');
    if (!/^([0-9a-f]{2}){16,64}$/.test(h.nonce as string))
      throw malformed('http nonce must be 16-64 bytes in lowercase hex');
    const signed = h as unknown as SignedHttp;
    try {
      verifySignedHttp(manifest, signed, now);
    } catch (e) {
      if (e instanceof AuthError && e.code === 'REQUEST_EXPIRED') refusal(e, requestIdOf(signed));
      if (e instanceof AuthError)
        throw new RequestError(
          e.code === 'UNKNOWN_INITIATOR' ? e.code : 'BAD_SIGNATURE',
          e.message,
        );
      throw e;
    }
    try {
      const request = operationOf(manifest, signed);
      verifyApprovals(
        manifest.approvals,
        request.op,
        signedBytesOf(manifest.cluster, signed),
        signed.approvals,
      );
      // A signing takes the API's presignature hint (unsigned: a node only ever uses its own, once).
      if (request.op === 'sign' && typeof s.presignature === 'string')
        return { request: { ...request, presignature: s.presignature }, form: 'http' };
      return { request, form: 'http' };
    } catch (e) {
      refusal(e, requestIdOf(signed));
    }
  }
  if (Object.keys(s).some((k) => !DIRECT_FIELDS.has(k)))
    throw malformed('a direct request holds only request, signature and approvals');
  const r = s.request;
  if (!isObject(r)) throw malformed('request is missing');
  if (
    typeof s.signature !== 'string' ||
    !/^([0-9a-f]{2}){8,80}$/.test(s.signature) ||
    (s.approvals !== undefined && typeof s.approvals !== 'string')
  )
    throw malformed('signature must be hex and approvals a string');
  const initiator = manifest.initiators.find((i) => i.id === r.initiator);
  if (!initiator)
    throw new RequestError(
      'UNKNOWN_INITIATOR',
      `initiator "${String(r.initiator).slice(0, 64)}" is not in the manifest`,
    );
  const request = r as unknown as OperationRequest;
  const signed = directSigningBytes(manifest.cluster, request);
  if (!verifyWith(initiator, hexToBytes(s.signature), signed))
    throw new RequestError(
      'BAD_SIGNATURE',
      `request signature does not verify under initiator ${initiator.id} for cluster ${manifest.cluster}`,
    );
  if (typeof r.requestId !== 'string' || !ID.test(r.requestId) || HTTP_ID.test(r.requestId))
    throw new RequestError(
      'VALIDATION',
      'requestId must be 1-64 letters, digits, "_" or "-", and not of the form the API derives (r + 40 hex)',
    );
  const requestId = r.requestId;
  if (
    !Number.isSafeInteger(r.timestamp) ||
    Math.abs(now - (r.timestamp as number)) > REQUEST_WINDOW_MS
  ) {
    throw new RequestError(
      'REQUEST_EXPIRED',
      `request timestamp is outside ±${REQUEST_WINDOW_MS / 1000} s of this node's clock`,
      requestId,
    );
  }
  try {
    if (typeof r.keyId !== 'string' || !ID.test(r.keyId))
      throw new RequestError('VALIDATION', 'keyId must be 1-64 letters, digits, "_" or "-"');
    const fields = Object.fromEntries(Object.entries(r).filter(([k]) => !ENVELOPE.has(k)));
    const op = {
      requestId,
      initiator: initiator.id,
      timestamp: r.timestamp,
      op: r.op,
      keyId: r.keyId,
      ...operationFields(manifest, r.op as OperationRequest['op'], fields),
    } as OperationRequest;
    verifyApprovals(manifest.approvals, op.op, signed, s.approvals);
    return { request: op, form: 'direct' };
  } catch (e) {
    refusal(e, requestId);
  }
}

/** Who holds a key's cluster-wide lock (ClusterState: the API takes it around an HTTP refresh or reshare). */
export interface KeyLocks {
  locked(keyId: string): Promise<string | undefined>;
}

/**
 * Refuses (KEY_BUSY, with the request's id) a direct request for a key whose lock another request
 * holds, as the API refuses an HTTP one. An `{http}` request passed the API's lock already, so
 * this costs its signings no round trip.
 */
export async function checkKeyLock(locks: KeyLocks, p: ParsedRequest): Promise<void> {
  // A request that names a new key finds no lock.
  if (p.form !== 'direct' || !findContract(p.request.op)?.keyed) return;
  const holder = await locks.locked(p.request.keyId);
  if (holder !== undefined && holder !== p.request.requestId)
    throw new RequestError(
      'KEY_BUSY',
      `key ${p.request.keyId} is being reshared or refreshed by another request; retry when it finishes`,
      p.request.requestId,
    );
}

/** What a node runs: a request of either form that verified (`parseRequest`) and whose key lock allows it (`checkKeyLock`). */
export async function admitRequest(
  manifest: Manifest,
  locks: KeyLocks,
  s: unknown,
  now = Date.now(),
): Promise<OperationRequest> {
  const parsed = parseRequest(manifest, s, now);
  await checkKeyLock(locks, parsed);
  return parsed.request;
}

/** Verifies either request form (see `parseRequest`) and returns its operation. */
export function verifyRequest(
  manifest: Manifest,
  s: SignedRequest | unknown,
  now = Date.now(),
): OperationRequest {
  return parseRequest(manifest, s, now).request;
}
