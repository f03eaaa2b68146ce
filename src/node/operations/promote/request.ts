/**
 * promote's wire contract: POST /v1/keys/{keyId}/promote, no fields; nobody is waited for.
 * @module
 */
import { noFields } from '../../requests/fields.ts';
import type { RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type PromoteRequest = RequestEnvelope & { op: 'promote' };

export const promoteContract: OperationContract<PromoteRequest> = {
  op: 'promote',
  keyed: true,
  fields: noFields,
  participants: () => [],
};
