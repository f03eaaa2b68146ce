/**
 * API errors: one JSON shape, `{ "error": { "code", "message", "culprits"? } }`, and one table
 * from typed codes to HTTP statuses. Never a stack trace, and never a filesystem path or a string
 * the client or the bus chose: every error body leaves through `publicError`, which maps errno
 * and internal codes to fixed messages and keeps other text only when it is short, printable and
 * holds no path.
 * @module
 */
import { CORE_ERROR_CODES, type CoreErrorCode } from '../core/errors.ts';
import type { AuthErrorCode } from '../auth/signed-http.ts';
import type { RequestErrorCode } from '../node/requests/request.ts';
import type { SessionErrorCode } from '../protocol/errors.ts';

/** An error the API answers with a status and a typed code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Codes only the API answers with (its own refusals, and what it makes of the nodes' results). */
export const API_ERROR_CODES = [
  'INVALID_IDEMPOTENCY_KEY',
  'IDEMPOTENCY_KEY_REUSED',
  'REQUEST_IN_PROGRESS',
  'REQUEST_TIMEOUT',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'OVERLOADED',
  'NOT_READY',
  'INCONSISTENT_RESULTS',
  'FORGED_RECORD',
  // A node's result: a storage errno (ENOSPC, or any other) and a silent party without a heartbeat.
  'STORAGE_FULL',
  'STORAGE_ERROR',
  'UNREACHABLE',
] as const;

/** Every typed code an answer can carry: the core's, a session's, a node's refusal, authentication's and the API's own. */
export type ErrorCode =
  | CoreErrorCode
  | SessionErrorCode
  | RequestErrorCode
  | AuthErrorCode
  | (typeof API_ERROR_CODES)[number];

/** A protocol failure the core names (a peer sent something invalid) is 502 unless listed below. */
const PEER_FAULT = Object.fromEntries(CORE_ERROR_CODES.map((c) => [c, 502])) as Record<
  CoreErrorCode,
  number
>;

/** The HTTP status of every typed code: a code added to any list above and missing here fails the type check. */
const STATUS = {
  ...PEER_FAULT,
  VALIDATION: 400,
  MALFORMED_JSON: 400,
  MALFORMED: 400,
  NOT_ENOUGH_SIGNERS: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  UNAUTHENTICATED: 401,
  UNKNOWN_INITIATOR: 401,
  BAD_SIGNATURE: 401,
  REQUEST_EXPIRED: 401,
  NONCE_REPLAYED: 401,
  DUPLICATE_HEADER: 401,
  APPROVALS_REQUIRED: 403,
  NOT_FOUND: 404,
  UNKNOWN_KEY: 404,
  REQUEST_TIMEOUT: 408,
  KEY_EXISTS: 409,
  KEY_BUSY: 409,
  KEY_NOT_ACTIVE: 409,
  STALE_SHARE: 409,
  PEER_BANNED: 409,
  KEY_QUARANTINED: 409,
  SESSION_REUSED: 409,
  PRESIGNATURE_UNAVAILABLE: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  REQUEST_IN_PROGRESS: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OVERLOADED: 429,
  NOT_READY: 503,
  PARTY_NOT_READY: 503,
  UNREACHABLE: 503,
  STORAGE_FULL: 507,
  TIMEOUT: 504,
  INTERNAL: 500,
  // A session that could not run (a peer's fault or its failure) and the results that disagree or are forged.
  BUSY: 502,
  DUPLICATE_SESSION: 502,
  NOT_A_PARTY: 502,
  UNKNOWN_PARTY: 502,
  START_FAILED: 502,
  STORAGE_ERROR: 502,
  PROTOCOL_ERROR: 502,
  ABORTED_BY_PEER: 502,
  INCONSISTENT_RESULTS: 502,
  FORGED_RECORD: 502,
} satisfies Record<ErrorCode, number>;

const isTyped = (code: string): code is ErrorCode => Object.hasOwn(STATUS, code);

/** The HTTP status of a code; one no list names (a string a node relayed, an errno) is 502 like a peer's fault. */
export function statusOf(code: string): number {
  return isTyped(code) ? STATUS[code] : 502;
}

/** Codes whose message is always this text: their usual one carries paths, or values read from the bus. */
const FIXED: Record<string, string> = {
  INTERNAL: 'internal error',
  STORAGE_ERROR: 'the node could not read or write its storage',
  STORAGE_FULL: "the node's storage is full",
  KEY_BUSY: 'the key is being refreshed or reshared; retry when that finishes',
  NOT_FOUND: 'no such route',
};
/** Messages used when the original one is refused. */
const FALLBACK: Record<string, string> = {
  UNKNOWN_KEY: 'no such key',
  VALIDATION: 'the request is not valid',
  MALFORMED_JSON: 'the body is not valid JSON',
};

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
const ERRNO = /^E[A-Z0-9]{2,}$/;
/** A path-like token: a `/` that starts a token (`/etc`, `'./x`, `../`), two `/` in one token (`data/n0/x`), `..\\` or a drive letter. */
const PATH = /(?:^|[^A-Za-z0-9])\/|\/[^\s/]*\/|\.\.\\|\b[A-Za-z]:\\/;
const TEXT = /^[\x20-\x7e]{0,500}$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** `s` if it is short printable ASCII without a path, else undefined. */
export function safeText(s: string): string | undefined {
  return TEXT.test(s) && !PATH.test(s) ? s : undefined;
}

function publicCode(code: unknown): string {
  if (typeof code !== 'string') return 'INTERNAL';
  if (code === 'ENOSPC') return 'STORAGE_FULL';
  if (ERRNO.test(code)) return 'STORAGE_ERROR';
  return CODE.test(code) ? code : 'INTERNAL';
}

function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return safeText(v) ?? '(not shown)';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (depth > 3 || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) return v.slice(0, 64).map((x) => clean(x, depth + 1));
  const o = v as Record<string, unknown>;
  if ('code' in o || 'message' in o) return publicError(o, depth + 1);
  return fields(o, depth);
}

function fields(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o).slice(0, 32)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k) || k === 'code' || k === 'message') continue;
    // Node ids name culprits: an id that is not one is dropped, not echoed.
    if (k === 'culprits' || k === 'nodeId') {
      const ids = (Array.isArray(x) ? x : [x])
        .filter((id): id is string => typeof id === 'string' && ID.test(id))
        .slice(0, 64);
      if (k === 'culprits') out[k] = ids;
      else if (ids[0]) out[k] = ids[0];
      continue;
    }
    const c = clean(x, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** An error object (`{ code, message, ...details }`) as the API may show it. */
export function publicError(e: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const code = publicCode(e.code);
  const message =
    FIXED[code] ??
    (typeof e.message === 'string' && safeText(e.message)) ??
    FALLBACK[code] ??
    `the request failed (${code})`;
  return { code, message, ...fields(e, depth) };
}

/** The JSON error body. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: publicError({ ...details, code, message }) };
}

/** Any JSON error body (whoever built it) with its `error` rewritten by `publicError` and its other fields cleaned the same way. */
export function publicErrorBody(body: unknown): Record<string, unknown> {
  const o =
    body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const e =
    o.error && typeof o.error === 'object' && !Array.isArray(o.error)
      ? (o.error as Record<string, unknown>)
      : { code: 'INTERNAL' };
  return { ...fields(o, 0), error: publicError(e) };
}
