/**
 * sign's wire contract: POST /v1/keys/{keyId}/sign with a message (a 32-byte digest on
 * secp256k1), an optional BIP-32 derivation path (secp256k1) and optional signers.
 * @module
 */
import {
  curveOf,
  invalid,
  MAX_MESSAGE_BYTES,
  nodeList,
  onlyFields,
} from '../../requests/fields.ts';
import type { Curve, RequestEnvelope } from '../../requests/request.ts';
import type { OperationContract } from '../contract.ts';

export type SignRequest = RequestEnvelope & {
  op: 'sign';
  curve: Curve;
  message: string;
  derivationPath?: number[];
  signers: string[];
  /** The presignature the API claimed for this signing: a hint beside the signed request, never trusted (each signer consumes its own once). */
  presignature?: string;
};

export const signContract: OperationContract<SignRequest> = {
  op: 'sign',
  keyed: true,

  fields(manifest, o) {
    onlyFields(o, ['curve', 'message', 'derivationPath', 'signers']);
    const curve = curveOf(o.curve);
    if (typeof o.message !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(o.message))
      throw invalid('message must be a hex string');
    const message = o.message.toLowerCase();
    if (curve === 'secp256k1' && message.length !== 64)
      throw invalid(
        `a secp256k1 message must be exactly a 32-byte digest (64 hex characters); got ${message.length / 2} bytes`,
      );
    if (message.length / 2 > MAX_MESSAGE_BYTES)
      throw invalid(`message is longer than ${MAX_MESSAGE_BYTES} bytes`);
    let derivationPath: number[] | undefined;
    if (o.derivationPath !== undefined) {
      if (curve !== 'secp256k1') throw invalid('derivationPath applies to secp256k1 keys only');
      const p = o.derivationPath;
      if (
        !Array.isArray(p) ||
        p.length > 32 ||
        p.some((i) => typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= 2 ** 31)
      )
        throw invalid(
          'derivationPath must be at most 32 non-hardened indices, integers in 0..2^31-1',
        );
      derivationPath = p as number[];
    }
    const signers = o.signers === undefined ? [] : nodeList(o.signers, 'signers', manifest);
    return { curve, message, ...(derivationPath ? { derivationPath } : {}), signers };
  },

  participants: (r) => r.signers,
};
