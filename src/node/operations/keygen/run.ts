/**
 * keygen: every party runs one DKG per curve; a new key is registered only once every party
 * confirmed it (until then it cannot sign). POST /v1/keys answers 201 with the public keys.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import {
  startEcdsaDkg,
  startFrostDkg,
  type EcdsaKeyShare,
  type FrostKeyShare,
} from '../../../core/index.ts';
import { RequestError, sessionId, type Curve } from '../../requests/request.ts';
import { record } from '../../names.ts';
import type { KeyMeta } from '../keys.ts';
import type { Operation } from '../operation.ts';
import { keygenContract, type KeygenRequest } from './request.ts';
import { ACTIVATION_WAIT_MS, run, wipe } from '../running.ts';

export const keygen: Operation<KeygenRequest> = {
  ...keygenContract,
  changesKey: true,
  runsSessions: true,
  activated: 'key active',

  async run(c) {
    const { r, me, store } = c;
    const myParty = r.parties.indexOf(me) + 1;
    if (!myParty) return undefined;
    const existing = await store.getJson<KeyMeta>(record.meta(r.keyId));
    if (existing && !existing.keygenRequest)
      throw new RequestError('KEY_EXISTS', `key ${r.keyId} already exists`);
    // A key is registered only once every party confirms it (until then it cannot sign).
    const meta: KeyMeta = {
      keyId: r.keyId,
      threshold: r.threshold,
      parties: r.parties,
      curves: r.curves,
      publicKeys: {},
      versions: {},
      epoch: r.requestId,
      keygenRequest: r.requestId,
    };
    const blobs: [Curve, Uint8Array][] = [];
    for (const curve of r.curves) {
      const session = sessionId(r.requestId, `keygen/${curve}`);
      const params = { session, threshold: r.threshold, parties: r.parties.length, me: myParty };
      if (curve === 'secp256k1') {
        const key = await run<EcdsaKeyShare>(c, {
          session,
          parties: r.parties,
          start: () => startEcdsaDkg(params),
        });
        meta.publicKeys.secp256k1 = bytesToHex(key.publicKey);
        meta.chainCode = bytesToHex(key.chainCode);
        blobs.push([curve, key.blob]);
      } else {
        const key = await run<FrostKeyShare>(c, {
          session,
          parties: r.parties,
          start: () => startFrostDkg(params),
        });
        meta.publicKeys.ed25519 = bytesToHex(key.publicKey);
        blobs.push([curve, key.blob]);
      }
    }
    // Durable before acknowledged: shares first, metadata last (a key without metadata is unused).
    try {
      for (const [curve, blob] of blobs) {
        await store.put(record.share(r.keyId, curve), 1, blob);
        meta.versions[curve] = 1;
      }
    } finally {
      wipe(...blobs.map(([, b]) => b));
    }
    await store.putJson(record.meta(r.keyId), meta);
    return {
      keyId: meta.keyId,
      threshold: meta.threshold,
      parties: meta.parties,
      publicKeys: meta.publicKeys,
      chainCode: meta.chainCode,
    };
  },

  async answer(op, d) {
    await d.ready(op.parties);
    const results = await d.results(op.parties);
    const first = results[0]!.result as Record<string, unknown>;
    for (const r of results) {
      if (
        JSON.stringify((r.result as Record<string, unknown>).publicKeys) !==
        JSON.stringify(first.publicKeys)
      )
        throw d.refuse(502, 'INCONSISTENT_RESULTS', 'the parties report different public keys', {
          culprits: [r.nodeId],
        });
    }
    const made = {
      keyId: op.keyId,
      threshold: op.threshold,
      parties: op.parties,
      curves: op.curves,
      publicKeys: first.publicKeys as Record<string, string>,
      chainCode: first.chainCode as string | undefined,
      epoch: op.requestId,
    };
    // The parties write the key's record themselves once every one confirmed (never the API).
    await d.cluster.awaitKey(op.keyId, op.requestId, ACTIVATION_WAIT_MS);
    return {
      status: 201,
      body: {
        keyId: op.keyId,
        threshold: op.threshold,
        parties: op.parties,
        publicKeys: made.publicKeys,
        ...(made.chainCode ? { chainCode: made.chainCode } : {}),
        requestId: op.requestId,
        attestations: results,
      },
    };
  },
};
