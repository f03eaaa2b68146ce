/**
 * The signed-HTTP scheme every `/v1` request carries. The initiator signs the UTF-8 bytes of
 * `tessera-http/v2\nCLUSTER\nINITIATOR\nMETHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA-256(body))`
 * (CLUSTER the manifest's cluster id, INITIATOR the key id below, so a request never replays on
 * another cluster or under another initiator) with Ed25519 (or ECDSA P-256 with SHA-256, for
 * keys held in a cloud KMS) and sends:
 *   X-Tessera-Key-Id     the initiator id listed in the cluster manifest
 *   X-Tessera-Timestamp  Unix milliseconds
 *   X-Tessera-Nonce      at least 16 random bytes, lowercase hex
 *   X-Tessera-Signature  base64 signature (Ed25519: 64 bytes; P-256: 64-byte r‖s or DER)
 * An authorizer approves one exact request by signing `tessera-approval/v2\n` followed by the
 * bytes the initiator signed (either form: this one or `directSigningBytes`).
 * The client, the API and every node share this one file.
 * @module
 */
import { p256 } from '@noble/curves/nist.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
// Ed25519 through the wasm core (ed25519-dalek, strict verification): ~10× faster than in JS.
import { ed25519Sign, ed25519Verify } from '../core/index.ts';

/** How far a request's timestamp may be from the verifier's clock. */
export const SIGNED_HTTP_WINDOW_MS = 60_000;

/** The header names of the scheme. */
export const HEADERS = {
  keyId: 'x-tessera-key-id',
  timestamp: 'x-tessera-timestamp',
  nonce: 'x-tessera-nonce',
  signature: 'x-tessera-signature',
} as const;

/** A public initiator key: Ed25519 or P-256 (hex). */
export interface InitiatorKey {
  id: string;
  ed25519?: string;
  p256?: string;
}

/** A request as signed: what every node re-verifies on its own. */
export interface SignedHttp {
  method: string;
  /** Path including any query string. */
  path: string;
  keyId: string;
  timestamp: number;
  nonce: string;
  signature: string;
  /** The exact body bytes, as UTF-8 text. */
  body: string;
  /** Authorizer approvals, `X-Tessera-Approvals`: space-separated `id:base64signature`. */
  approvals?: string;
}

/** Cluster policy: operations that need m-of-k authorizer approvals besides the initiator. */
export interface ApprovalPolicy {
  /** How many distinct authorizers must approve. */
  required: number;
  authorizers: InitiatorKey[];
  /** Operations it applies to (default: all). */
  ops?: string[];
}

/** Why a signed request was refused (all map to HTTP 401). */
export const AUTH_ERROR_CODES = [
  'UNAUTHENTICATED',
  'UNKNOWN_INITIATOR',
  'BAD_SIGNATURE',
  'REQUEST_EXPIRED',
  'NONCE_REPLAYED',
  'DUPLICATE_HEADER',
  'APPROVALS_REQUIRED',
] as const;
/** Why a signed request does not authenticate (or lacks its approvals). */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const enc = new TextEncoder();

/** Who a signed request is for: the cluster (manifest id) and the initiator that signs it. */
export interface SigningScope {
  cluster: string;
  initiator: string;
}

/** The bytes an initiator signs for one HTTP request. */
export function signingBytes(
  scope: SigningScope,
  method: string,
  path: string,
  timestamp: number,
  nonce: string,
  body: Uint8Array,
): Uint8Array {
  return enc.encode(
    `tessera-http/v2\n${scope.cluster}\n${scope.initiator}\n${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bytesToHex(sha256(body))}`,
  );
}

const APPROVAL_TAG = enc.encode('tessera-approval/v2\n');

/** The bytes an authorizer signs to approve the request whose initiator signed `signed`. */
export function approvalBytes(signed: Uint8Array): Uint8Array {
  const out = new Uint8Array(APPROVAL_TAG.length + signed.length);
  out.set(APPROVAL_TAG);
  out.set(signed, APPROVAL_TAG.length);
  return out;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** A private initiator key. */
export interface InitiatorSecret {
  id: string;
  kind: 'ed25519' | 'p256';
  secretKey: Uint8Array;
}

/** The four headers for one request to `cluster` (fresh timestamp and nonce unless given). */
export function signHttp(
  key: InitiatorSecret,
  cluster: string,
  method: string,
  path: string,
  body: string,
  now = Date.now(),
  nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(16))),
): Record<string, string> {
  const sig = signWith(
    key,
    signingBytes({ cluster, initiator: key.id }, method, path, now, nonce, enc.encode(body)),
  );
  return {
    'X-Tessera-Key-Id': key.id,
    'X-Tessera-Timestamp': String(now),
    'X-Tessera-Nonce': nonce,
    'X-Tessera-Signature': b64(sig),
  };
}

/** Signs `msg` with an initiator or authorizer key (Ed25519, or P-256 over SHA-256, compact). */
export function signWith(key: InitiatorSecret, msg: Uint8Array): Uint8Array {
  return key.kind === 'ed25519'
    ? ed25519Sign(key.secretKey, msg)
    : p256.sign(msg, key.secretKey, { prehash: true, format: 'compact' });
}

/** Whether `sig` is `key`'s signature of `msg` (Ed25519 strict; P-256 compact or DER); false when malformed. */
export function verifyWith(key: InitiatorKey, sig: Uint8Array, msg: Uint8Array): boolean {
  try {
    if (key.ed25519) return ed25519Verify(hexToBytes(key.ed25519), msg, sig);
    if (key.p256)
      return p256.verify(sig, msg, hexToBytes(key.p256), {
        prehash: true,
        format: sig.length === 64 ? 'compact' : 'der',
      });
  } catch {
    /* malformed */
  }
  return false;
}

/** One authorizer's approval of a request to `cluster` signed with `headers` (one item of X-Tessera-Approvals). */
export function signApproval(
  key: InitiatorSecret,
  cluster: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): string {
  const signed = signingBytes(
    { cluster, initiator: headers['X-Tessera-Key-Id']! },
    method,
    path,
    Number(headers['X-Tessera-Timestamp']),
    headers['X-Tessera-Nonce']!,
    enc.encode(body),
  );
  return approvalOf(key, signed);
}

/** One authorizer's approval of the request whose initiator signed the bytes `signed` (`id:base64`). */
export function approvalOf(key: InitiatorSecret, signed: Uint8Array): string {
  return `${key.id}:${b64(signWith(key, approvalBytes(signed)))}`;
}

/** Whether `policy` asks approvals for `op`. */
export const needsApprovals = (
  policy: ApprovalPolicy | undefined,
  op: string,
): policy is ApprovalPolicy => !!policy && (!policy.ops || policy.ops.includes(op));

/**
 * Checks m-of-k approvals (space-separated `id:base64signature`) of the request whose initiator
 * signed `signed`, when the policy covers `op`; throws APPROVALS_REQUIRED naming the shortfall.
 */
export function verifyApprovals(
  policy: ApprovalPolicy | undefined,
  op: string,
  signed: Uint8Array,
  approvals: string | undefined,
): string[] {
  if (!needsApprovals(policy, op)) return [];
  const msg = approvalBytes(signed);
  const ok = new Set<string>();
  for (const item of (typeof approvals === 'string' ? approvals : '')
    .split(' ')
    .filter(Boolean)
    .slice(0, 64)) {
    const at = item.indexOf(':');
    const key = policy.authorizers.find((a) => a.id === item.slice(0, at));
    let sig: Uint8Array;
    try {
      sig = unb64(item.slice(at + 1));
    } catch {
      continue;
    }
    if (key && verifyWith(key, sig, msg)) ok.add(key.id);
  }
  if (ok.size < policy.required)
    throw new AuthError(
      'APPROVALS_REQUIRED',
      `${op} needs ${policy.required} authorizer approval(s); ${ok.size} valid given`,
    );
  return [...ok].sort();
}

/** Collects the scheme's headers from a request; refuses missing or repeated ones. */
export function readSignedHeaders(
  get: (name: string) => string | null | undefined,
): Omit<SignedHttp, 'method' | 'path' | 'body'> {
  const v: Record<string, string> = {};
  for (const [k, name] of Object.entries(HEADERS)) {
    const raw = get(name);
    if (raw === null || raw === undefined || raw === '')
      throw new AuthError('UNAUTHENTICATED', `missing header ${name}`);
    // Fetch joins repeated headers with ", "; none of these values may contain a comma.
    if (raw.includes(','))
      throw new AuthError('DUPLICATE_HEADER', `header ${name} appears more than once`);
    v[k] = raw.trim();
  }
  if (!/^\d{1,16}$/.test(v.timestamp!))
    throw new AuthError('UNAUTHENTICATED', 'x-tessera-timestamp must be Unix milliseconds');
  if (!/^([0-9a-f]{2}){16,64}$/.test(v.nonce!))
    throw new AuthError(
      'UNAUTHENTICATED',
      'x-tessera-nonce must be 16-64 random bytes in lowercase hex',
    );
  return {
    keyId: v.keyId!,
    timestamp: Number(v.timestamp),
    nonce: v.nonce!,
    signature: v.signature!,
  };
}

/** The bytes the initiator of `s` signed for `cluster`. */
export function signedBytesOf(cluster: string, s: SignedHttp): Uint8Array {
  return signingBytes(
    { cluster, initiator: s.keyId },
    s.method,
    s.path,
    s.timestamp,
    s.nonce,
    enc.encode(s.body),
  );
}

/** Verifies a signed request's signature (for this cluster) and time window; returns the initiator. */
export function verifySignedHttp(
  manifest: { cluster: string; initiators: readonly InitiatorKey[] },
  s: SignedHttp,
  now = Date.now(),
): InitiatorKey {
  const initiator = manifest.initiators.find((i) => i.id === s.keyId);
  if (!initiator)
    throw new AuthError(
      'UNKNOWN_INITIATOR',
      `initiator "${String(s.keyId).slice(0, 64)}" is not in the cluster manifest`,
    );
  let ok = false;
  try {
    ok = verifyWith(initiator, unb64(s.signature), signedBytesOf(manifest.cluster, s));
  } catch {
    ok = false;
  }
  if (!ok)
    throw new AuthError(
      'BAD_SIGNATURE',
      `signature does not verify under initiator ${initiator.id} for cluster ${manifest.cluster}`,
    );
  if (!Number.isSafeInteger(s.timestamp) || Math.abs(now - s.timestamp) > SIGNED_HTTP_WINDOW_MS) {
    throw new AuthError(
      'REQUEST_EXPIRED',
      `timestamp is outside ±${SIGNED_HTTP_WINDOW_MS / 1000} s of the server clock`,
    );
  }
  return initiator;
}

/** The request id every node derives from a signed request (so a replay can never run twice). */
export function requestIdOf(s: Pick<SignedHttp, 'keyId' | 'nonce'>): string {
  return `r${bytesToHex(sha256(enc.encode(`tessera/request/v1\0${s.keyId}\0${s.nonce}`))).slice(0, 40)}`;
}
