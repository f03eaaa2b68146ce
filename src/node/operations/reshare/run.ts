/**
 * reshare: moves a key to a new committee and threshold (spec §5): `threshold` old parties deal,
 * the new parties receive, the public keys stay. The new shares are the next version, active once
 * every new party confirmed; until then the old ones sign. A refresh is a reshare to the same
 * committee (refresh.ts).
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import {
  frostKeyShare,
  startEcdsaRefresh,
  startReshare,
  type EcdsaKeyShare,
  type FrostKeyShare,
  type ReshareRole,
} from '../../../core/index.ts';
import {
  RequestError,
  sessionId,
  type Curve,
  type RequestEnvelope,
} from '../../requests/request.ts';
import { record } from '../../names.ts';
import type { ClusterKey, KeyMeta } from '../keys.ts';
import type { Answer, Ctx, Drive, Operation } from '../operation.ts';
import { reshareContract, type ReshareRequest } from './request.ts';
import {
  ACTIVATION_WAIT_MS,
  activeKey,
  consuming,
  exclusive,
  outcome,
  run,
  wipe,
} from '../running.ts';

/** Who takes part in a reshare, in session-participant order, and in which role (spec §5 step 1). */
export function reshareRoles(
  oldParties: string[],
  oldThreshold: number,
  newParties: string[],
): { participants: string[]; roles: ReshareRole[]; dealers: string[] } {
  // Dealers D: exactly `oldThreshold` old parties, preferring those that stay (fewer messages).
  const dealers = [
    ...oldParties.filter((p) => newParties.includes(p)),
    ...oldParties.filter((p) => !newParties.includes(p)),
  ].slice(0, oldThreshold);
  const participants = [...newParties, ...dealers.filter((d) => !newParties.includes(d))];
  const roles = participants.map((p) => ({
    ...(dealers.includes(p) ? { oldId: oldParties.indexOf(p) + 1 } : {}),
    ...(newParties.includes(p) ? { newId: newParties.indexOf(p) + 1 } : {}),
  }));
  return { participants, roles, dealers };
}

/**
 * Reshares every curve of a key to `parties` with `threshold` (spec §5), or, with the same
 * committee and threshold, refreshes it. New shares are written as the next version and become
 * active only when every new party confirms; until then the old shares keep signing.
 */
export async function reshareShares(
  c: Ctx,
  meta: KeyMeta,
  curves: Curve[],
  threshold: number,
  parties: string[],
  label: 'reshare' | 'refresh',
): Promise<Partial<Record<Curve, number>> | undefined> {
  const { r, me, store } = c;
  const { participants, roles } = reshareRoles(meta.parties, meta.threshold, parties);
  const index = participants.indexOf(me) + 1;
  // A departing party that does not deal takes no part; its shares go once the change is confirmed.
  if (!index) return meta.parties.includes(me) ? {} : undefined;
  const versions: Partial<Record<Curve, number>> = {};
  for (const curve of curves) {
    const old =
      meta.versions[curve] !== undefined
        ? await store.get(record.share(r.keyId, curve), meta.versions[curve]!)
        : undefined;
    if (roles[index - 1]!.oldId && !old)
      throw new RequestError(
        'UNKNOWN_KEY',
        `share for ${r.keyId}/${curve} is missing on this node`,
      );
    const session = sessionId(r.requestId, `${label}/${curve}`);
    let out: EcdsaKeyShare | FrostKeyShare | undefined;
    try {
      out = await run<EcdsaKeyShare | FrostKeyShare | undefined>(c, {
        session,
        parties: participants,
        start: consuming(
          () =>
            startReshare({
              curve,
              session,
              me: index,
              oldThreshold: meta.threshold,
              newThreshold: threshold,
              roles,
              key: old,
            }),
          old,
        ),
      });
    } finally {
      wipe(old);
    }
    if (!out) continue;
    let blob = out.blob;
    try {
      if (curve === 'secp256k1') {
        // Spec §5 step 6: the new committee creates fresh base OTs and zero seeds.
        const setup = sessionId(r.requestId, `${label}-setup/secp256k1`);
        const fresh = await run<EcdsaKeyShare>(c, {
          session: setup,
          parties,
          start: consuming(() => startEcdsaRefresh({ key: blob, session: setup }), out.blob),
        }).finally(() => wipe(out.blob));
        blob = fresh.blob;
        if (bytesToHex(fresh.publicKey) !== meta.publicKeys.secp256k1)
          throw new RequestError('INTERNAL', 'the reshared key has a different public key');
      } else if (bytesToHex(frostKeyShare(blob).publicKey) !== meta.publicKeys.ed25519) {
        throw new RequestError('INTERNAL', 'the reshared key has a different public key');
      }
      const v = Math.max(0, ...(await store.versions(record.share(r.keyId, curve)))) + 1;
      await store.put(record.share(r.keyId, curve), v, blob);
      versions[curve] = v;
    } finally {
      wipe(blob);
    }
  }
  return versions;
}

/**
 * The API half of a refresh or reshare: they hold the key's cluster-wide lock (a second one, or a
 * signing, gets 409), wait for the new committee and the dealers, and answer once it is active.
 */
export async function answerKeyChange(
  op: RequestEnvelope,
  d: Drive,
  change: (key: ClusterKey) => { threshold: number; parties: string[] },
): Promise<Answer> {
  const key = await d.key(op.keyId);
  if (!(await d.cluster.lock(op.keyId, op.requestId)))
    throw d.refuse(409, 'KEY_BUSY', `another refresh or reshare of ${op.keyId} is running`);
  try {
    const { threshold, parties } = change(key);
    await d.ready(union(parties, reshareRoles(key.parties, key.threshold, parties).dealers));
    const results = await d.results(union(key.parties, parties));
    await d.cluster.awaitKey(op.keyId, op.requestId, ACTIVATION_WAIT_MS);
    return {
      status: 200,
      body: {
        keyId: op.keyId,
        threshold,
        parties,
        publicKeys: key.publicKeys,
        ...(key.chainCode ? { chainCode: key.chainCode } : {}),
        requestId: op.requestId,
        attestations: results,
      },
    };
  } finally {
    await d.cluster.unlock(op.keyId);
  }
}

const union = (a: string[], b: string[]) => [...a, ...b.filter((x) => !a.includes(x))];

export const reshare: Operation<ReshareRequest> = {
  ...reshareContract,
  changesKey: true,
  runsSessions: true,
  activated: 'new shares active; old versions erased',

  async run(c) {
    const { r, store } = c;
    const m = await activeKey(c, r.parties);
    return exclusive(c, r.keyId, async () => {
      const versions = await reshareShares(c, m, m.curves, r.threshold, r.parties, 'reshare');
      if (!versions) return undefined;
      // New shares become active when every new party confirms (spec §5 step 7).
      await store.putJson(record.meta(r.keyId), {
        ...m,
        next: { requestId: r.requestId, threshold: r.threshold, parties: r.parties, versions },
      });
      return outcome(m, r.threshold, r.parties, 'reshared', Object.keys(versions));
    });
  },

  answer: (op, d) =>
    answerKeyChange(op, d, () => ({ threshold: op.threshold, parties: op.parties })),
};
