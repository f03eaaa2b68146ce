/**
 * What every operation and every reader of results shares: the curve names, a request's
 * envelope fields, the refusal error, session ids, the signer rule and signed results
 * (attestations). The request parsers (requests.ts) and the operations build on it.
 * @module
 */
import { ed25519Sign, ed25519Verify } from '../../core/index.ts';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PrivateIdentity } from '../identity/identity.ts';
import type { Manifest } from '../identity/manifest.ts';
import type { AuthErrorCode } from '../../auth/signed-http.ts';

/** A curve name. */
export type Curve = 'secp256k1' | 'ed25519';

/** The fields every operation request carries beside its own. */
export interface RequestEnvelope {
  requestId: string;
  initiator: string;
  timestamp: number;
  keyId: string;
}

/** How far a request's timestamp may be from this node's clock. */
export const REQUEST_WINDOW_MS = 60_000;

/** Every code a node refuses a request with (beside the authentication codes). */
export const REQUEST_ERROR_CODES = [
  'MALFORMED',
  'MALFORMED_JSON',
  'VALIDATION',
  'NOT_FOUND',
  'NOT_ENOUGH_SIGNERS',
  'UNKNOWN_KEY',
  'KEY_EXISTS',
  'KEY_BUSY',
  'KEY_NOT_ACTIVE',
  'STALE_SHARE',
  'KEY_QUARANTINED',
  'PEER_BANNED',
  'PRESIGNATURE_UNAVAILABLE',
  'INTERNAL',
] as const;
/** A code a RequestError carries. */
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number] | AuthErrorCode;

/** A request that must not run. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    /** The request's id, set only once the initiator's signature verified (a refusal may be attested under it). */
    readonly requestId?: string,
  ) {
    super(message);
  }
}

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

/**
 * Who signs: the chosen signers, else the key's first `threshold` parties; a signer outside the
 * key is VALIDATION, fewer than `threshold` NOT_ENOUGH_SIGNERS. The one rule the API, every node
 * and the client apply.
 */
export function signersOf(
  key: { keyId: string; parties: string[]; threshold: number },
  chosen: string[],
): string[] {
  const signers = chosen.length ? chosen : key.parties.slice(0, key.threshold);
  const outside = signers.filter((s) => !key.parties.includes(s));
  if (outside.length)
    throw new RequestError(
      'VALIDATION',
      `signers ${outside.join(', ')} are not parties of ${key.keyId} (${key.parties.join(', ')})`,
    );
  if (signers.length < key.threshold)
    throw new RequestError(
      'NOT_ENOUGH_SIGNERS',
      `${signers.length} signer(s) given; the threshold (minimum number of signers) is ${key.threshold}`,
    );
  return signers;
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
