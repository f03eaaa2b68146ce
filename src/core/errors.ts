/**
 * Typed errors from the wasm core. Every core error is a `CoreError` with a stable `code`, the
 * `culprits` (party ids to blame; empty when the local caller is at fault) and a fixed detail.
 * Each code has its own class, grouped in `errors`, so callers can `instanceof` precisely.
 * @module
 */

/** Every code the core can raise. */
export const CORE_ERROR_CODES = [
  'DECODE',
  'UNSUPPORTED_VERSION',
  'WRONG_PROTOCOL',
  'WRONG_SESSION',
  'WRONG_ROUND',
  'WRONG_RECEIVER',
  'UNKNOWN_SENDER',
  'DUPLICATE_MESSAGE',
  'MISSING_MESSAGES',
  'INVALID_POINT',
  'INVALID_SCALAR',
  'INVALID_IDENTIFIER',
  'INVALID_PROOF',
  'INVALID_SHARE',
  'INVALID_SIGNATURE_SHARE',
  'INCONSISTENT_BROADCAST',
  'INVALID_LENGTH',
  'DECRYPTION_FAILED',
  'INVALID_PARAMETERS',
  'NOT_ENOUGH_SIGNERS',
  'INVALID_SIGNATURE',
  'STATE_CONSUMED',
  'CONSISTENCY_CHECK_FAILED',
  'PEER_BANNED',
] as const;
/** A core error code. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

/** Base class of every error raised by the wasm core. */
export class CoreError extends Error {
  /** Stable machine-readable code. */
  readonly code: CoreErrorCode;
  /** Party ids to blame, ascending. */
  readonly culprits: readonly number[];
  constructor(
    code: CoreErrorCode,
    detail: string,
    culprits: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(culprits.length ? `${detail} (culprits: ${culprits.join(', ')})` : detail, options);
    this.code = code;
    this.culprits = culprits;
  }
}

function define(name: string, code: CoreErrorCode) {
  const cls = class extends CoreError {
    constructor(detail: string, culprits: readonly number[] = [], options?: { cause?: unknown }) {
      super(code, detail, culprits, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name });
  return cls;
}

/** One class per core error code. */
export const errors = {
  DecodeError: define('DecodeError', 'DECODE'),
  UnsupportedVersionError: define('UnsupportedVersionError', 'UNSUPPORTED_VERSION'),
  WrongProtocolError: define('WrongProtocolError', 'WRONG_PROTOCOL'),
  WrongSessionError: define('WrongSessionError', 'WRONG_SESSION'),
  WrongRoundError: define('WrongRoundError', 'WRONG_ROUND'),
  WrongReceiverError: define('WrongReceiverError', 'WRONG_RECEIVER'),
  UnknownSenderError: define('UnknownSenderError', 'UNKNOWN_SENDER'),
  DuplicateMessageError: define('DuplicateMessageError', 'DUPLICATE_MESSAGE'),
  MissingMessagesError: define('MissingMessagesError', 'MISSING_MESSAGES'),
  InvalidPointError: define('InvalidPointError', 'INVALID_POINT'),
  InvalidScalarError: define('InvalidScalarError', 'INVALID_SCALAR'),
  InvalidIdentifierError: define('InvalidIdentifierError', 'INVALID_IDENTIFIER'),
  InvalidProofError: define('InvalidProofError', 'INVALID_PROOF'),
  InvalidShareError: define('InvalidShareError', 'INVALID_SHARE'),
  InvalidSignatureShareError: define('InvalidSignatureShareError', 'INVALID_SIGNATURE_SHARE'),
  InconsistentBroadcastError: define('InconsistentBroadcastError', 'INCONSISTENT_BROADCAST'),
  InvalidLengthError: define('InvalidLengthError', 'INVALID_LENGTH'),
  DecryptionFailedError: define('DecryptionFailedError', 'DECRYPTION_FAILED'),
  InvalidParametersError: define('InvalidParametersError', 'INVALID_PARAMETERS'),
  NotEnoughSignersError: define('NotEnoughSignersError', 'NOT_ENOUGH_SIGNERS'),
  InvalidSignatureError: define('InvalidSignatureError', 'INVALID_SIGNATURE'),
  StateConsumedError: define('StateConsumedError', 'STATE_CONSUMED'),
  ConsistencyCheckFailedError: define('ConsistencyCheckFailedError', 'CONSISTENCY_CHECK_FAILED'),
  PeerBannedError: define('PeerBannedError', 'PEER_BANNED'),
} as const;

const byCode = new Map<string, (typeof errors)[keyof typeof errors]>(
  Object.values(errors).map((cls) => [new cls('').code, cls]),
);

/** Converts an error thrown by the wasm glue into its typed class; other errors pass through. */
export function fromWasm(err: unknown): unknown {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  if (!message.startsWith('tessera:')) return err;
  try {
    const parsed = JSON.parse(message.slice('tessera:'.length)) as {
      code: string;
      culprits: number[];
      detail: string;
    };
    const cls = byCode.get(parsed.code);
    if (!cls) return err;
    return new cls(parsed.detail, parsed.culprits, { cause: err });
  } catch {
    return err;
  }
}

/** Runs `fn`, rethrowing wasm errors as typed `CoreError`s. */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromWasm(err);
  }
}
