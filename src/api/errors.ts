/**
 * API errors: one JSON shape, `{ "error": { "code", "message", "culprits"? } }`, and one table
 * from typed codes to HTTP statuses. Never a stack trace.
 * @module
 */

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

const STATUS: Record<string, number> = {
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
};

/** The HTTP status of a typed code; protocol failures caused by a peer are 502. */
export function statusOf(code: string): number {
  return STATUS[code] ?? 502;
}

/** The JSON error body. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}
