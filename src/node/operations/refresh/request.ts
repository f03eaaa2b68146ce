/**
 * refresh's wire contract: POST /v1/keys/{keyId}/refresh, no fields; every party of the key
 * takes part.
 * @module
 */
import { onlyFields } from '../../requests/fields.ts';
import type { RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type RefreshRequest = RequestEnvelope & { op: 'refresh' };

export const refreshContract: OperationContract<RefreshRequest> = {
  op: 'refresh',
  keyed: true,

  fields(_manifest, o) {
    onlyFields(o, []);
    return {};
  },

  participants: () => [],
};
