/**
 * reshare's wire contract: POST /v1/keys/{keyId}/reshare with the new committee and threshold.
 * @module
 */
import { invalid, nodeList, onlyFields, thresholdOf } from '../../requests/fields.ts';
import type { RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type ReshareRequest = RequestEnvelope & {
  op: 'reshare';
  threshold: number;
  parties: string[];
};

export const reshareContract: OperationContract<ReshareRequest> = {
  op: 'reshare',
  keyed: true,

  fields(manifest, o) {
    onlyFields(o, ['threshold', 'parties']);
    const parties = nodeList(o.parties, 'parties', manifest);
    if (parties.length < 2) throw invalid('a key needs at least 2 parties');
    return { threshold: thresholdOf(o.threshold, parties.length), parties };
  },

  participants: (r) => r.parties,
};
