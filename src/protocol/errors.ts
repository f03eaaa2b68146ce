/**
 * The codes a session fails with (protocol/session.ts) beside the core's own (core/errors.ts):
 * one list, so the API's status table (src/api/errors.ts) must name each.
 * @module
 */

export const SESSION_ERROR_CODES = [
  'BUSY',
  'DUPLICATE_SESSION',
  'NOT_A_PARTY',
  'UNKNOWN_PARTY',
  'START_FAILED',
  'STORAGE_ERROR',
  'PROTOCOL_ERROR',
  'TIMEOUT',
  'ABORTED_BY_PEER',
  'PEER_BANNED',
  'PARTY_NOT_READY',
  'SESSION_REUSED',
  'PRESIGNATURE_UNAVAILABLE',
] as const;

/** A code a session fails with that is not the core's. */
export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];
