/**
 * Operation requests and their signed results. A request is canonical JSON signed by an
 * initiator key from the manifest; every node re-verifies it before acting. Each participating
 * node signs its result (an attestation) so a client can tell a forged result.
 * @module
 */
import { ed25519Sign, ed25519Verify } from '../core/index.ts';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PrivateIdentity } from './identity.ts';
import { AuthError, type SignedHttp } from '../auth/signed-http.ts';
import { verifyHttpRequest } from './http-requests.ts';
import type { Manifest } from './manifest.ts';

/** A curve name. */
export type Curve = 'secp256k1' | 'ed25519';

/** An operation the cluster runs. `threshold` is the minimum number of signers. */
export type OperationRequest =
  | { op: 'keygen'; requestId: string; initiator: string; timestamp: number; keyId: string; threshold: number; parties: string[]; curves: Curve[] }
  | { op: 'sign'; requestId: string; initiator: string; timestamp: number; keyId: string; curve: Curve; message: string; derivationPath?: number[]; signers: string[] }
  | { op: 'refresh'; requestId: string; initiator: string; timestamp: number; keyId: string }
  | { op: 'reshare'; requestId: string; initiator: string; timestamp: number; keyId: string; threshold: number; parties: string[] };

/**
 * What nodes receive: either a request with the initiator's Ed25519 signature (hex) over its
 * canonical bytes (`tessera request`), or a signed HTTP request forwarded verbatim by the API.
 */
export type SignedRequest = { request: OperationRequest; signature: string } | { http: SignedHttp };

/** A node's signed outcome of a request. */
export interface NodeResult {
  requestId: string;
  nodeId: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; culprits: string[] };
  /** Ed25519 signature by the node over the canonical bytes of the fields above. */
  attestation: string;
}

/** A request that must not run. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Canonical JSON: keys sorted at every level, no whitespace. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** Signs a request with an initiator key. */
export function signRequest(request: OperationRequest, initiatorSecret: Uint8Array): SignedRequest {
  return { request, signature: bytesToHex(ed25519Sign(initiatorSecret, bytes(canonical(request)))) };
}

const ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** How far a request's timestamp may be from this node's clock. */
export const REQUEST_WINDOW_MS = 60_000;

/** Verifies the initiator's signature, the timestamp window and the request's shape. */
export function verifyRequest(manifest: Manifest, s: SignedRequest, now = Date.now()): OperationRequest {
  if (s && typeof s === 'object' && 'http' in s) {
    try {
      return verifyHttpRequest(manifest, s.http, now);
    } catch (e) {
      if (e instanceof AuthError) throw new RequestError(['REQUEST_EXPIRED', 'UNKNOWN_INITIATOR', 'APPROVALS_REQUIRED'].includes(e.code) ? e.code : 'BAD_SIGNATURE', e.message);
      throw e;
    }
  }
  const r = (s as { request?: OperationRequest })?.request;
  if (!r || typeof r !== 'object') throw new RequestError('MALFORMED', 'request is missing');
  const initiator = manifest.initiators.find((i) => i.id === r.initiator);
  if (!initiator) throw new RequestError('UNKNOWN_INITIATOR', `initiator "${String(r.initiator)}" is not in the manifest`);
  let ok = false;
  try {
    const sig = (s as { signature?: unknown }).signature;
    ok = typeof sig === 'string' && !!initiator.ed25519 && ed25519Verify(hexToBytes(initiator.ed25519), bytes(canonical(r)), hexToBytes(sig));
  } catch {
    ok = false;
  }
  if (!ok) throw new RequestError('BAD_SIGNATURE', `request signature does not verify under initiator ${initiator.id}`);
  if (typeof r.timestamp !== 'number' || Math.abs(now - r.timestamp) > REQUEST_WINDOW_MS) {
    throw new RequestError('REQUEST_EXPIRED', `request timestamp is outside ±${REQUEST_WINDOW_MS / 1000} s of this node's clock`);
  }
  if (!ID.test(r.requestId) || !ID.test(r.keyId)) throw new RequestError('MALFORMED', 'requestId and keyId must be 1-64 letters, digits, "_" or "-"');
  const known = new Set(manifest.nodes.map((n) => n.nodeId));
  if (r.op === 'keygen') {
    if (!Array.isArray(r.parties) || r.parties.length < 2 || new Set(r.parties).size !== r.parties.length || r.parties.some((p) => !known.has(p))) throw new RequestError('MALFORMED', 'parties must be distinct nodes of the manifest (at least 2)');
    if (!Number.isInteger(r.threshold) || r.threshold < 2 || r.threshold > r.parties.length) throw new RequestError('MALFORMED', 'threshold (minimum number of signers) must be in 2..parties');
    if (!Array.isArray(r.curves) || !r.curves.length || r.curves.some((c) => c !== 'secp256k1' && c !== 'ed25519')) throw new RequestError('MALFORMED', 'curves must be secp256k1 and/or ed25519');
  } else if (r.op === 'sign') {
    if (r.curve !== 'secp256k1' && r.curve !== 'ed25519') throw new RequestError('MALFORMED', 'curve must be secp256k1 or ed25519');
    if (typeof r.message !== 'string' || !/^([0-9a-f]{2})*$/.test(r.message)) throw new RequestError('MALFORMED', 'message must be lowercase hex');
    if (r.curve === 'secp256k1' && r.message.length !== 64) throw new RequestError('MALFORMED', 'a secp256k1 message must be a 32-byte digest');
    if (!Array.isArray(r.signers) || new Set(r.signers).size !== r.signers.length) throw new RequestError('MALFORMED', 'signers must be distinct node ids');
  } else if (r.op === 'reshare') {
    if (!Array.isArray(r.parties) || r.parties.length < 2 || new Set(r.parties).size !== r.parties.length || r.parties.some((p) => !known.has(p))) throw new RequestError('MALFORMED', 'parties must be distinct nodes of the manifest (at least 2)');
    if (!Number.isInteger(r.threshold) || r.threshold < 2 || r.threshold > r.parties.length) throw new RequestError('MALFORMED', 'threshold (minimum number of signers) must be in 2..parties');
  } else if (r.op !== 'refresh') {
    throw new RequestError('MALFORMED', `unknown op "${String((r as { op: unknown }).op)}"`);
  }
  return r;
}

/** The 32-byte session id of one curve's run of a request (every node derives the same). */
export function sessionId(requestId: string, part: string): Uint8Array {
  return sha256(bytes(`tessera/session/v1\0${requestId}\0${part}`));
}

/** Signs a node's outcome. */
export function attest(me: PrivateIdentity, r: Omit<NodeResult, 'attestation'>): NodeResult {
  return { ...r, attestation: bytesToHex(ed25519Sign(me.ed25519Secret, bytes(canonical(r)))) };
}

/** Verifies a node's attestation against the manifest. */
export function verifyAttestation(manifest: Manifest, r: NodeResult): boolean {
  const node = manifest.nodes.find((n) => n.nodeId === r.nodeId);
  if (!node) return false;
  const { attestation, ...rest } = r;
  try {
    return ed25519Verify(hexToBytes(node.ed25519), bytes(canonical(rest)), hexToBytes(attestation));
  } catch {
    return false;
  }
}
