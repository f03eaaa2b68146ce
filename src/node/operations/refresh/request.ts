/**
 * refresh's wire contract: POST /v1/keys/{keyId}/refresh, no fields. Its parties are the key's,
 * known from its record rather than the request, so nobody is waited for up front.
 * @module
 */
import { noFields } from '../../requests/fields.ts';
import type { RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type RefreshRequest = RequestEnvelope & { op: 'refresh' };

export const refreshContract: OperationContract<RefreshRequest> = {
  op: 'refresh',
  keyed: true,
  fields: noFields,
  participants: () => [],
};
