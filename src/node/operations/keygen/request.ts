/**
 * keygen's wire contract: POST /v1/keys names a new key; its parties (default: every node), its
 * threshold and its curves (default: all).
 * @module
 */
import {
  CURVES,
  curveOf,
  invalid,
  nodeList,
  onlyFields,
  thresholdOf,
} from '../../requests/fields.ts';
import type { Curve, RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type KeygenRequest = RequestEnvelope & {
  op: 'keygen';
  threshold: number;
  parties: string[];
  curves: Curve[];
};

export const keygenContract: OperationContract<KeygenRequest> = {
  op: 'keygen',
  keyed: false,

  fields(manifest, o) {
    onlyFields(o, ['threshold', 'parties', 'curves']);
    const parties =
      o.parties === undefined
        ? manifest.nodes.map((n) => n.nodeId)
        : nodeList(o.parties, 'parties', manifest);
    if (parties.length < 2) throw invalid('a key needs at least 2 parties');
    const threshold = thresholdOf(o.threshold, parties.length);
    const curves = o.curves === undefined ? [...CURVES] : o.curves;
    if (!Array.isArray(curves) || !curves.length || new Set(curves).size !== curves.length)
      throw invalid('curves must be a non-empty array of distinct curve names');
    return { threshold, parties, curves: curves.map(curveOf) };
  },

  participants: (r) => r.parties,
};
