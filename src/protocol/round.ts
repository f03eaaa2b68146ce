/**
 * The one shape every driver (the in-process runner in local.ts, the network driver in
 * session.ts, tests) sees of a round object from src/core: messages to deliver, `receive()` for
 * incoming ones, who is still missing, and either `advance()` to the next round or `finish()`.
 * @module
 */
import type { OutgoingMessage } from '../core/wire.ts';

/** A round of any protocol (DKG, signing, refresh, reshare, on either curve). */
export interface ProtocolRound {
  /** Messages this party must deliver for this round. */
  readonly outgoing: readonly OutgoingMessage[];
  /** Validates and stores one incoming envelope; throws a typed `CoreError` naming the culprit. */
  receive(msg: Uint8Array): void;
  /** Party ids whose message for this round has not arrived. */
  missing(): number[];
  /** The next round (every round but the last). */
  advance?(): ProtocolRound;
  /** The protocol's output (the last round). */
  finish?(): unknown;
}

/** The part of a round that takes messages. */
export type Receiver = Pick<ProtocolRound, 'receive'>;
