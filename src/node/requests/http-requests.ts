/**
 * Turns a signed HTTP request (`src/auth/signed-http.ts`) into the operation it asks for, with
 * the field rules both request forms share (`parseRequest` in requests.ts is the one entry
 * point for nodes). The API uses this to answer 400s early; every node runs it again on the
 * signed bytes it received, so a compromised API node cannot change what was asked.
 * @module
 */
import { requestIdOf, signedBytesOf, verifyApprovals, type SignedHttp } from '../../auth/signed-http.ts';
import type { Manifest } from '../identity/manifest.ts';
import { RequestError, type Curve, type OperationRequest } from './requests.ts';
import { DuplicateKeyError, parseStrictJson } from './strict-json.ts';

const KEY_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const CURVES: readonly Curve[] = ['secp256k1', 'ed25519'];

/** The largest Ed25519 message accepted (bytes). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

const invalid = (message: string) => new RequestError('VALIDATION', message);

function object(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let v: unknown;
  try {
    v = parseStrictJson(body);
  } catch (e) {
    throw new RequestError('MALFORMED_JSON', e instanceof DuplicateKeyError ? e.message : 'the body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid('the body must be a JSON object');
  return v as Record<string, unknown>;
}

function onlyFields(o: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalid(`unknown field(s): ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; allowed: ${allowed.join(', ')}`);
}

function nodeList(v: unknown, field: string, manifest: Manifest): string[] {
  const known = new Set(manifest.nodes.map((n) => n.nodeId));
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) throw invalid(`${field} must be an array of node ids`);
  const list = v as string[];
  if (new Set(list).size !== list.length) throw invalid(`${field} must not repeat a node`);
  const unknown = list.filter((p) => !known.has(p));
  if (unknown.length) throw invalid(`${field}: unknown node(s) ${unknown.slice(0, 5).map((p) => JSON.stringify(p.slice(0, 64))).join(', ')}`);
  return list;
}

function thresholdOf(v: unknown, parties: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid('threshold (the minimum number of signers) must be an integer');
  if (v < 2 || v > parties) throw invalid(`threshold (the minimum number of signers) must be between 2 and the number of parties (${parties})`);
  return v;
}

function curveOf(v: unknown): Curve {
  if (!CURVES.includes(v as Curve)) throw invalid(`curve must be one of ${CURVES.join(', ')}`);
  return v as Curve;
}

/** A request's route: which operation a method and path name. */
export function routeOf(method: string, path: string): { op: OperationRequest['op']; keyId?: string } | undefined {
  const p = path.split('?')[0]!;
  if (method !== 'POST') return undefined;
  if (p === '/v1/keys') return { op: 'keygen' };
  const m = /^\/v1\/keys\/([^/]+)\/(sign|reshare|refresh|promote)$/.exec(p);
  if (!m) return undefined;
  if (!KEY_ID.test(m[1]!)) throw invalid('keyId must be 1-64 letters, digits, "_" or "-"');
  return { op: m[2] as 'sign' | 'reshare' | 'refresh' | 'promote', keyId: m[1]! };
}

/** What an operation's fields may hold, validated the same way for both request forms. */
type Fields<T> = T extends unknown ? Omit<T, 'op' | 'requestId' | 'initiator' | 'timestamp' | 'keyId'> : never;

/**
 * Validates the fields of an `op` (the HTTP body, or a direct request minus its envelope fields)
 * and returns them normalised (throws a VALIDATION RequestError).
 */
export function operationFields(manifest: Manifest, op: OperationRequest['op'], o: Record<string, unknown>): Fields<OperationRequest> {
  const all = manifest.nodes.map((n) => n.nodeId);
  if (op === 'keygen') {
    onlyFields(o, ['threshold', 'parties', 'curves']);
    const parties = o.parties === undefined ? all : nodeList(o.parties, 'parties', manifest);
    if (parties.length < 2) throw invalid('a key needs at least 2 parties');
    const threshold = thresholdOf(o.threshold, parties.length);
    const curves = o.curves === undefined ? [...CURVES] : o.curves;
    if (!Array.isArray(curves) || !curves.length || new Set(curves).size !== curves.length) throw invalid('curves must be a non-empty array of distinct curve names');
    return { threshold, parties, curves: curves.map(curveOf) };
  }
  if (op === 'sign') {
    onlyFields(o, ['curve', 'message', 'derivationPath', 'signers']);
    const curve = curveOf(o.curve);
    if (typeof o.message !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(o.message)) throw invalid('message must be a hex string');
    const message = o.message.toLowerCase();
    if (curve === 'secp256k1' && message.length !== 64) throw invalid(`a secp256k1 message must be exactly a 32-byte digest (64 hex characters); got ${message.length / 2} bytes`);
    if (message.length / 2 > MAX_MESSAGE_BYTES) throw invalid(`message is longer than ${MAX_MESSAGE_BYTES} bytes`);
    let derivationPath: number[] | undefined;
    if (o.derivationPath !== undefined) {
      if (curve !== 'secp256k1') throw invalid('derivationPath applies to secp256k1 keys only');
      const p = o.derivationPath;
      if (!Array.isArray(p) || p.length > 32 || p.some((i) => typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= 2 ** 31)) throw invalid('derivationPath must be at most 32 non-hardened indices, integers in 0..2^31-1');
      derivationPath = p as number[];
    }
    const signers = o.signers === undefined ? [] : nodeList(o.signers, 'signers', manifest);
    return { curve, message, ...(derivationPath ? { derivationPath } : {}), signers };
  }
  if (op === 'reshare') {
    onlyFields(o, ['threshold', 'parties']);
    const parties = nodeList(o.parties, 'parties', manifest);
    if (parties.length < 2) throw invalid('a key needs at least 2 parties');
    return { threshold: thresholdOf(o.threshold, parties.length), parties };
  }
  if (op === 'refresh' || op === 'promote') {
    onlyFields(o, []);
    return {};
  }
  throw invalid(`unknown op ${JSON.stringify(String(op).slice(0, 20))}`);
}

/** The operation a signed HTTP request asks for (its signature checked by the caller; a RequestError for a bad body). */
export function operationOf(manifest: Manifest, s: SignedHttp): OperationRequest {
  const route = routeOf(s.method, s.path);
  if (!route) throw new RequestError('NOT_FOUND', `no operation at ${s.method} ${s.path.slice(0, 100)}`);
  const requestId = requestIdOf(s);
  const keyId = route.keyId ?? `key_${requestId.slice(1, 25)}`;
  return { requestId, initiator: s.keyId, timestamp: s.timestamp, op: route.op, keyId, ...operationFields(manifest, route.op, object(s.body)) } as OperationRequest;
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
