/**
 * The registry of wire contracts: every operation's name, route and field rules, looked up by
 * name. Requests are parsed and validated through it; it holds no run code, so a client that
 * validates requests (src/client/http.ts) loads no node (index.ts is the registry of runs).
 * @module
 */
import type { Manifest } from '../identity/manifest.ts';
import { invalid, type Fields } from '../requests/fields.ts';
import type { OperationContract } from './contract.ts';
import { keygenContract, type KeygenRequest } from './keygen/request.ts';
import { promoteContract, type PromoteRequest } from './promote/request.ts';
import { refreshContract, type RefreshRequest } from './refresh/request.ts';
import { reshareContract, type ReshareRequest } from './reshare/request.ts';
import { signContract, type SignRequest } from './sign/request.ts';

/** An operation the cluster runs. `threshold` is the minimum number of signers. */
export type OperationRequest =
  KeygenRequest | SignRequest | RefreshRequest | ReshareRequest | PromoteRequest;

/** Every operation's contract, by name (a name missing here fails the type check). */
export const CONTRACTS: {
  [K in OperationRequest['op']]: OperationContract<Extract<OperationRequest, { op: K }>>;
} = {
  keygen: keygenContract,
  sign: signContract,
  refresh: refreshContract,
  reshare: reshareContract,
  promote: promoteContract,
};

const byName = new Map<string, OperationContract<OperationRequest>>(
  Object.values(CONTRACTS).map((o) => [o.op, o as OperationContract<OperationRequest>]),
);

/** The contract of the operation named `op`, or undefined (a name from the wire: never a prototype key). */
export function findContract(op: unknown): OperationContract<OperationRequest> | undefined {
  return typeof op === 'string' ? byName.get(op) : undefined;
}

/** Every operation's contract. */
export const contracts = (): OperationContract<OperationRequest>[] => [...byName.values()];

/**
 * Validates the fields of an `op` (the HTTP body, or a direct request minus its envelope fields)
 * and returns them normalised (throws a VALIDATION RequestError).
 */
export function operationFields(
  manifest: Manifest,
  op: OperationRequest['op'],
  o: Record<string, unknown>,
): Fields<OperationRequest> {
  const contract = findContract(op);
  if (!contract) throw invalid(`unknown op ${JSON.stringify(String(op).slice(0, 20))}`);
  return contract.fields(manifest, o);
}
