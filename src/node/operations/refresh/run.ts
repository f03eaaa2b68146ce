/**
 * refresh: new shares of the same key for the same committee and threshold (spec §5). ECDSA runs
 * a complete refresh (new shares and pairwise OT state, which ends a ban); Ed25519 reshares to
 * the same committee. Active once every party confirmed; until then the old shares sign.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { startEcdsaRefresh, type EcdsaKeyShare } from '../../../core/index.ts';
import { RequestError, sessionId, type Curve } from '../../requests/request.ts';
import { record } from '../../names.ts';
import type { Operation } from '../operation.ts';
import { refreshContract, type RefreshRequest } from './request.ts';
import { answerKeyChange, reshareShares } from '../reshare/run.ts';
import { activeKey, consuming, exclusive, outcome, run, wipe } from '../running.ts';

export const refresh: Operation<RefreshRequest> = {
  ...refreshContract,
  changesKey: true,
  runsSessions: true,
  activated: 'new shares active; old versions erased',

  async run(c) {
    const { r, me, store } = c;
    const m = await activeKey(c);
    return exclusive(c, r.keyId, async () => {
      if (!m.parties.includes(me)) return undefined;
      const versions: Partial<Record<Curve, number>> = {};
      if (m.curves.includes('secp256k1')) {
        // A complete refresh (spec §5): every party takes part; new shares and pairwise OT state.
        const current = m.versions.secp256k1 ?? 1;
        const blob = await store.get(record.share(r.keyId, 'secp256k1'), current);
        if (!blob)
          throw new RequestError(
            'UNKNOWN_KEY',
            `share for ${r.keyId}/secp256k1 is missing on this node`,
          );
        const session = sessionId(r.requestId, 'refresh/secp256k1');
        const fresh = await run<EcdsaKeyShare>(c, {
          session,
          parties: m.parties,
          start: consuming(() => startEcdsaRefresh({ key: blob, session }), blob),
        }).finally(() => wipe(blob));
        try {
          if (bytesToHex(fresh.publicKey) !== m.publicKeys.secp256k1)
            throw new RequestError('INTERNAL', 'refresh changed the public key');
          versions.secp256k1 =
            Math.max(current, ...(await store.versions(record.share(r.keyId, 'secp256k1')))) + 1;
          await store.put(record.share(r.keyId, 'secp256k1'), versions.secp256k1, fresh.blob);
        } finally {
          wipe(fresh.blob);
        }
      }
      // Ed25519 shares are refreshed by resharing to the same committee and threshold.
      if (m.curves.includes('ed25519'))
        Object.assign(
          versions,
          await reshareShares(c, m, ['ed25519'], m.threshold, m.parties, 'refresh'),
        );
      // Bans and a quarantine stay until these shares are promoted: the old ones sign until then.
      await store.putJson(record.meta(r.keyId), {
        ...m,
        next: { requestId: r.requestId, threshold: m.threshold, parties: m.parties, versions },
      });
      return outcome(m, m.threshold, m.parties, 'refreshed', Object.keys(versions));
    });
  },

  answer: (op, d) =>
    answerKeyChange(op, d, (key) => ({ threshold: key.threshold, parties: key.parties })),
};
