/**
 * What every protocol round object shares: its outgoing envelopes, `receive()` for incoming ones
 * and a consuming step after which the round refuses all use (`StateConsumedError`).
 * @module
 */
import { call, errors } from './errors.ts';
import { unframe, type OutgoingMessage } from './wire.ts';

/** A 32-byte seed from the host's CSPRNG; the core expands it with ChaCha20. */
export function randomSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

/**
 * Runs `fn` (a call that hands `secret` to the core), then zeroes `secret` when `wipe` is set,
 * also when `fn` throws. The core copies every secret argument into its own buffer, which it
 * wipes itself; this wipes the caller's copy, for a decrypted share held only for this call.
 */
export function wipingAfter<T>(secret: Uint8Array, wipe: boolean | undefined, fn: () => T): T {
  try {
    return fn();
  } finally {
    if (wipe) secret.fill(0);
  }
}

export interface WasmRound {
  outgoing(): Uint8Array;
  missing(): Uint16Array;
  receive(msg: Uint8Array): void;
  free(): void;
}

/** Shared behaviour of every round object. */
export abstract class Round<W extends WasmRound> {
  /** Messages this party must deliver for this round. */
  readonly outgoing: OutgoingMessage[];
  #spent = false;
  protected constructor(private readonly wasmRound: W) {
    this.outgoing = unframe(call(() => wasmRound.outgoing()));
  }
  /** The live wasm object; throws `StateConsumedError` once the round has been consumed. */
  protected get inner(): W {
    if (this.#spent)
      throw new errors.StateConsumedError(
        'this round was already advanced or finished; start a new session',
      );
    return this.wasmRound;
  }
  /** Party ids whose message for this round has not arrived. */
  missing(): number[] {
    return Array.from(call(() => this.inner.missing()));
  }
  /** Validates and stores one incoming envelope; throws a typed `CoreError` naming the culprit. */
  receive(msg: Uint8Array): void {
    call(() => this.inner.receive(msg));
  }
  /** Runs the consuming step, then frees the spent wasm object; later calls throw `StateConsumedError`. */
  protected consume<T>(step: (inner: W) => T): T {
    const out = call(() => step(this.inner));
    this.#spent = true;
    this.wasmRound.free();
    return out;
  }
}
