/**
 * The registry of operations: the one place an operation is looked up by name. Adding an
 * operation is one module (see operation.ts for what it provides) and its line here.
 * @module
 */
import type { Manifest } from '../identity/manifest.ts';
import { invalid, type Fields } from '../requests/fields.ts';
import { REQUEST_WINDOW_MS, RequestError } from '../requests/request.ts';
import type { SessionManager } from '../../protocol/session.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import type { ClusterKeys, Confirmed } from './keys.ts';
import type { Operation } from './operation.ts';
import { keygen, type KeygenRequest } from './keygen.ts';
import { promote, type PromoteRequest } from './promote.ts';
import { refresh, type RefreshRequest } from './refresh.ts';
import { reshare, type ReshareRequest } from './reshare.ts';
import { sign, type SignRequest } from './sign.ts';

/** An operation the cluster runs. `threshold` is the minimum number of signers. */
export type OperationRequest =
  KeygenRequest | SignRequest | RefreshRequest | ReshareRequest | PromoteRequest;

const OPERATIONS: {
  [K in OperationRequest['op']]: Operation<Extract<OperationRequest, { op: K }>>;
} = { keygen, sign, refresh, reshare, promote };
const byName = new Map<string, Operation<OperationRequest>>(
  Object.values(OPERATIONS).map((o) => [o.op, o as Operation<OperationRequest>]),
);

/** The operation named `op`, or undefined (a name from the wire: never a prototype key). */
export function findOperation(op: unknown): Operation<OperationRequest> | undefined {
  return typeof op === 'string' ? byName.get(op) : undefined;
}

/** The operation of a request (whose op was parsed, so it exists). */
export const operationFor = (r: OperationRequest): Operation<OperationRequest> => byName.get(r.op)!;

/** Every operation. */
export const operations = (): Operation<OperationRequest>[] => [...byName.values()];

/** Whether an operation changes a key's shares (keygen, refresh, reshare): the ones whose outcome a node stores, replays and promotes. */
export const changesKey = (op: OperationRequest['op']): boolean =>
  byName.get(op)?.changesKey === true;

/**
 * Validates the fields of an `op` (the HTTP body, or a direct request minus its envelope fields)
 * and returns them normalised (throws a VALIDATION RequestError).
 */
export function operationFields(
  manifest: Manifest,
  op: OperationRequest['op'],
  o: Record<string, unknown>,
): Fields<OperationRequest> {
  const operation = findOperation(op);
  if (!operation) throw invalid(`unknown op ${JSON.stringify(String(op).slice(0, 20))}`);
  return operation.fields(manifest, o);
}

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
    return await operation.run({ r, me, store, sessions, timeouts, confirmed, cluster });
  } finally {
    if (reserved) sessions.release(reserved);
  }
}

export type { Operation };
export { reshareRoles } from './reshare.ts';
export { bannedPeers, quarantined } from './bans.ts';
export {
  confirmsKeyChange,
  publicRecord,
  type ClusterKey,
  type ClusterKeys,
  type Confirmed,
  type KeyMeta,
} from './keys.ts';
