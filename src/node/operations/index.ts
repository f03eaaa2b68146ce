/**
 * The registry of operations: the one place an operation's run is looked up by name. Adding an
 * operation is one folder (its request.ts and run.ts; see operation.ts) and its line here and in
 * contracts.ts (the type check names a missing one).
 * @module
 */
import { REQUEST_WINDOW_MS, RequestError } from '../requests/request.ts';
import type { SessionManager } from '../../protocol/session.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import type { OperationRequest } from './contracts.ts';
import type { ClusterKeys, Confirmed } from './keys.ts';
import type { Operation } from './operation.ts';
import type { PresignatureStore } from '../presignatures/store.ts';
import { keygen } from './keygen/run.ts';
import { promote } from './promote/run.ts';
import { refresh } from './refresh/run.ts';
import { reshare } from './reshare/run.ts';
import { sign } from './sign/run.ts';

const OPERATIONS: {
  [K in OperationRequest['op']]: Operation<Extract<OperationRequest, { op: K }>>;
} = { keygen, sign, refresh, reshare, promote };
const byName = new Map<string, Operation<OperationRequest>>(
  Object.values(OPERATIONS).map((o) => [o.op, o as Operation<OperationRequest>]),
);

/** The operation of a request (whose op was parsed, so it exists). */
export const operationFor = (r: OperationRequest): Operation<OperationRequest> => byName.get(r.op)!;

/** Whether an operation changes a key's shares (keygen, refresh, reshare): the ones whose outcome a node stores, replays and promotes. */
export const changesKey = (op: OperationRequest['op']): boolean =>
  byName.get(op)?.changesKey === true;

/**
 * Runs a request on this node; undefined when this node takes no part. Every operation starts
 * here, so this is where a request too old for the session ledger is refused.
 */
export async function execute(
  r: OperationRequest,
  me: string,
  store: EncryptedStore,
  sessions: SessionManager,
  timeouts: { roundMs?: number; sessionMs?: number },
  confirmed: Confirmed,
  cluster?: ClusterKeys,
  presignatures?: PresignatureStore,
  phase?: (name: string) => void,
): Promise<Record<string, unknown> | undefined> {
  const operation = operationFor(r);
  // Ids claimed before the ledger's low-water mark may be forgotten (retention, or a clock stepped
  // forward and back); a request accepted within the window of such a claim could carry one.
  if (operation.runsSessions && r.timestamp < sessions.prunedBefore + REQUEST_WINDOW_MS) {
    throw new RequestError(
      'REQUEST_EXPIRED',
      `request timestamp ${new Date(r.timestamp).toISOString()} is older than this node's session ledger allows (it may have forgotten session ids from before ${new Date(sessions.prunedBefore).toISOString()})`,
    );
  }
  // A reservation that is not run is released, so the map holds only requests in progress.
  const reserved = operation.reserve?.(r, me);
  if (reserved) sessions.reserve(reserved);
  try {
    return await operation.run({
      r,
      me,
      store,
      sessions,
      timeouts,
      confirmed,
      cluster,
      presignatures,
      phase,
    });
  } finally {
    if (reserved) sessions.release(reserved);
  }
}

export type { Operation };
export type { OperationRequest } from './contracts.ts';
export { reshareRoles } from './reshare/run.ts';
export { bannedPeers, quarantined } from './bans.ts';
export {
  confirmsKeyChange,
  publicRecord,
  type ClusterKey,
  type ClusterKeys,
  type Confirmed,
  type KeyMeta,
} from './keys.ts';
