/**
 * What one operation is, in one folder (keygen/, sign/, refresh/, reshare/, promote/): its wire
 * contract (`request.ts`: route, fields, participants) and what a node runs for it and how the
 * API drives it cluster-wide and answers (`run.ts`). The registries (contracts.ts, index.ts) are
 * the one place an operation is looked up; nothing else branches on the op.
 * @module
 */
import type { Manifest } from '../identity/manifest.ts';
import type { OperationContract } from './contract.ts';
import type { NodeResult, RequestEnvelope } from '../requests/request.ts';
import type { SessionManager } from '../../protocol/session.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import type { ClusterKey, ClusterKeys, Confirmed } from './keys.ts';
import type { PresignatureStore } from '../presignatures/store.ts';

/** What a node gives an operation it runs. */
export interface Ctx<R = RequestEnvelope & { op: string }> {
  r: R;
  me: string;
  store: EncryptedStore;
  sessions: SessionManager;
  timeouts: { roundMs?: number; sessionMs?: number };
  confirmed: Confirmed;
  cluster?: ClusterKeys;
  /** This node's presignatures (absent: a signing names none). */
  presignatures?: PresignatureStore;
  /** Ends a named phase of the per-request timing log (`<name>Ms`: the time since the last one). */
  phase?: (name: string) => void;
}

/** A successful API answer. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** What the API gives an operation it drives (src/api/operate.ts builds it around one signed request). */
export interface Drive {
  manifest: Manifest;
  /** The key records and locks as the API node reads them. */
  cluster: {
    get(keyId: string): Promise<ClusterKey | undefined>;
    locked(keyId: string): Promise<string | undefined>;
    /** `locked`, from memory while the key's lock is unchanged (a signing's check). */
    lockedCached(keyId: string): Promise<string | undefined>;
    lock(keyId: string, requestId: string): Promise<boolean>;
    unlock(keyId: string): Promise<void>;
    awaitKey(keyId: string, epoch: string, timeoutMs: number): Promise<unknown>;
  };
  /** Refuses (503 PARTY_NOT_READY) unless every one of `parties` heartbeats. */
  ready(parties: string[]): Promise<void>;
  /** Publishes the signed request (`fast`: on core NATS, with the presignature the signers should use, if any) and returns every one of `expect`'s attested results; a failure or a silence is thrown. */
  results(expect: string[], fast?: boolean, presignature?: string): Promise<NodeResult[]>;
  /** Claims an available presignature of (key, curve, signers) made under `epoch` for this request (one KV round trip), or undefined. */
  presignature(
    keyId: string,
    curve: string,
    signers: string[],
    epoch: string | undefined,
  ): Promise<string | undefined>;
  /** Publishes the signed request and returns whatever answers arrive from every node within `ms`. */
  answers(ms: number): Promise<Map<string, NodeResult>>;
  /** The API's error for a refusal (status, code, message, details). */
  refuse(status: number, code: string, message: string, details?: Record<string, unknown>): Error;
  /** The valid record of `keyId`; without one, throws 404 UNKNOWN_KEY (or 502 FORGED_RECORD). */
  key(keyId: string): Promise<ClusterKey>;
  /** A node's error as the API may repeat it. */
  publicError(e: { code?: unknown; message?: unknown; culprits?: unknown }): unknown;
  operationTimeoutMs: number;
  /** Ends a named phase of the API's timing log (`<name>Ms`, since the one before). */
  phase?: (name: string) => void;
}

/** One operation: its wire contract and how it runs. `R` is its request. */
export interface Operation<
  R extends RequestEnvelope & { op: string },
> extends OperationContract<R> {
  /** Changes a key's shares: its outcome is stored, replayed and promoted, and the key's lock released after it (node.ts). */
  readonly changesKey: boolean;
  /** Runs protocol sessions, so a request older than the session ledger's memory is refused. */
  readonly runsSessions: boolean;
  /** What node.ts logs once the change is active. */
  readonly activated?: string;
  /** Whether a node takes the request up at all (default: every node does). */
  concerns?(r: R, me: string): boolean;
  /** A session id to claim in the ledger while the node reads the key (the hot path's fsync overlaps). */
  reserve?(r: R, me: string): Uint8Array | undefined;
  /** Runs it on a node; undefined when this node takes no part. */
  run(c: Ctx<R>): Promise<Record<string, unknown> | undefined>;
  /** Drives it cluster-wide from the API and shapes the answer. */
  answer(r: R, d: Drive): Promise<Answer>;
}
