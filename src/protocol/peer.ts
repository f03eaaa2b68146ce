/**
 * What the network round driver (session.ts) needs from the node below it, stated here so the
 * driver depends on no node module: a link that sends and delivers authenticated envelopes (the
 * node's PeerTransport), and a durable record of started session ids (the node's SessionLedger).
 * @module
 */

/** What an envelope carries (its kind byte on the wire). */
export const KIND = { protocol: 1, abort: 2 } as const;

/** An envelope the link authenticated: `from` and `to` are manifest indices. */
export interface Inbound {
  kind: number;
  session: Uint8Array;
  round: number;
  from: number;
  to: number;
  seq: number;
  body: Uint8Array;
}

/** An envelope the link refused; it proves nothing about its sender. */
export interface Refused {
  code: string;
  message: string;
  culprit?: string;
}

/** The peer link of one node. */
export interface PeerLink {
  /** The cluster's nodes, by manifest index (index = position + 1). */
  readonly manifest: { readonly nodes: readonly { readonly nodeId: string }[] };
  readonly me: { readonly nodeId: string };
  send(e: {
    kind: number;
    session: Uint8Array;
    round: number;
    to: number;
    broadcast?: boolean;
    body: Uint8Array;
  }): void;
  listen(onEnvelope: (o: Inbound) => void, onReject: (e: Refused) => void): void;
  /** Forgets a finished session's sequence counter. */
  forget(session: Uint8Array): void;
}

/** The durable record of session ids started on this node. */
export interface StartedSessions {
  /** Records `id` durably; throws SessionReusedError at once for an id recorded before. */
  claim(id: string): Promise<void>;
  /** Writes pending records and releases the medium. */
  close(): Promise<void>;
  /** Ids claimed before this time (ms) may be forgotten. */
  readonly prunedBefore: number;
}

/** A session id this node has already started: running it again is refused. */
export class SessionReusedError extends Error {
  override name = 'SessionReusedError';
  readonly code = 'SESSION_REUSED';
  readonly culprits: string[] = [];
  constructor(readonly session: string) {
    super(
      `session ${session} was already started on this node; a protocol session id is never run twice`,
    );
  }
}
