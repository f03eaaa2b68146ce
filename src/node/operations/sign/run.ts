/**
 * sign: the chosen signers (else the key's first `threshold` parties) run one signing of a
 * message on one curve; what a node's own checks prove in it (a failed ECDSA consistency check,
 * a signature that does not verify) bans the peer or quarantines the key at once (bans.ts).
 * Signings travel on core NATS, not the request stream.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import {
  ecdsaKeyShare,
  ecdsaPresignatureInfo,
  frostKeyShare,
  startEcdsaPresigned,
  startEcdsaSign,
  startFrostPresigned,
  startFrostSign,
  type EcdsaSignature,
} from '../../../core/index.ts';
import { SessionAbortedError, type SessionError } from '../../../protocol/session.ts';
import { RequestError, sessionId, signersOf } from '../../requests/request.ts';
import { record } from '../../names.ts';
import { ban, bannedPeers, quarantine, quarantined } from '../bans.ts';
import type { Ctx, Operation } from '../operation.ts';
import { signContract, type SignRequest } from './request.ts';
import { activeKey, consuming, run, wipe } from '../running.ts';

/**
 * A signing's id in the ledger: one per request and curve whatever the API's presignature hint,
 * so a replayed request runs on no node twice (with the hint, without it, or with another one).
 */
const claimOf = (r: SignRequest) => sessionId(r.requestId, `sign/${r.curve}`);

/**
 * The session it runs: the full protocol under that id; the one round under one that also names
 * the presignature, so signers told different presignatures never meet (a lying API's hints end
 * in a timeout, never in a mismatch blamed on an honest peer).
 */
const sessionOf = (r: SignRequest) =>
  r.presignature ? sessionId(r.requestId, `presigned/${r.presignature}/${r.curve}`) : claimOf(r);

export const sign: Operation<SignRequest> = {
  ...signContract,
  changesKey: false,
  runsSessions: true,

  // A signing reaches every node; one that names its signers concerns nobody else.
  concerns: (r, me) => !r.signers.length || r.signers.includes(me),

  // Its session id goes to disk while the key is read (the hot path saves the fsync wait).
  reserve: (r, me) => (r.signers.includes(me) || r.presignature ? claimOf(r) : undefined),

  // The one round's own session id is reserved early (below); whatever happens it is released.
  async run(c) {
    try {
      return await runSign(c);
    } finally {
      if (c.r.presignature) c.sessions.release(sessionOf(c.r));
    }
  },

  async answer(op, d) {
    const key = await d.key(op.keyId);
    if (!key.curves.includes(op.curve))
      throw d.refuse(
        400,
        'VALIDATION',
        `key ${op.keyId} has no ${op.curve} share (it has ${key.curves.join(', ')})`,
      );
    let signers: string[];
    try {
      signers = signersOf(key, op.signers);
    } catch (e) {
      throw d.refuse(400, (e as RequestError).code, (e as Error).message);
    }
    const holder = await d.cluster.lockedCached(op.keyId);
    if (holder)
      throw d.refuse(
        409,
        'KEY_BUSY',
        `key ${op.keyId} is being reshared or refreshed (${holder}); retry when it finishes`,
      );
    // In party order, as the pools and the nodes name signer sets.
    signers = key.parties.filter((p) => signers.includes(p));
    d.phase?.('keyMs');
    // One KV round trip: a presignature claimed for this request makes the signing one round;
    // none left (or no pool) runs the full protocol.
    const presignature = await d
      .presignature(op.keyId, op.curve, signers, key.epoch)
      .catch(() => undefined);
    d.phase?.('claimMs');
    const results = await d.results(signers, true, presignature);
    const r = results[0]!.result as Record<string, unknown>;
    for (const x of results) {
      if ((x.result as Record<string, unknown>).signature !== r.signature)
        throw d.refuse(502, 'INCONSISTENT_RESULTS', 'the signers report different signatures', {
          culprits: [x.nodeId],
        });
    }
    return {
      status: 200,
      body: {
        keyId: op.keyId,
        curve: op.curve,
        signature: r.signature,
        r: r.r,
        s: r.s,
        ...(r.recoveryId !== undefined ? { recoveryId: r.recoveryId } : {}),
        publicKey: r.publicKey,
        signers: r.signers,
        ...(op.derivationPath ? { derivationPath: op.derivationPath } : {}),
        ...(presignature ? { presignature } : {}),
        requestId: op.requestId,
        attestations: results,
      },
    };
  },
};

async function runSign(c: Ctx<SignRequest>): Promise<Record<string, unknown> | undefined> {
  const { r, me, store } = c;
  // One-round signing on a presignature: consumed first (its record retired, durably, while the
  // key's records are read), so this node's share on it can never leave twice. A node that does
  // not hold it aborts the session at once, naming the code (PRESIGNATURE_UNAVAILABLE).
  // The one round's own session id is claimed now too, so its ledger write joins the use's.
  if (r.presignature && c.presignatures) c.sessions.reserve(sessionOf(r));
  const taking = r.presignature
    ? c.presignatures
      ? c.presignatures
          .take(r.presignature, { keyId: r.keyId, curve: r.curve })
          .catch((e: unknown) => e as Error)
      : Promise.resolve(
          new RequestError('PRESIGNATURE_UNAVAILABLE', 'this node keeps no presignatures'),
        )
    : undefined;
  // What leaves before the session starts wipes the presignature it took.
  const spent = async () => {
    const t = await taking;
    if (t && !(t instanceof Error)) wipe(t.blob);
  };
  let m, signers;
  try {
    m = await activeKey(c);
    if (!m.curves.includes(r.curve))
      throw new RequestError('UNKNOWN_KEY', `key ${r.keyId} has no ${r.curve} share`);
    signers = signersOf(m, r.signers);
  } catch (e) {
    await spent();
    throw e;
  }
  if (!signers.includes(me)) return void (await spent());
  c.phase?.('activeMs');
  const members = signers.map((s) => m.parties.indexOf(s) + 1).sort((a, b) => a - b);
  // An ECDSA presignature holds all this node needs: its share is not read.
  const needShare = !(taking && r.curve === 'secp256k1');
  const [held, bans, blob, took] = await Promise.all([
    quarantined(store, r.keyId, m.epoch),
    r.curve === 'secp256k1' ? bannedPeers(store, r.keyId, m.epoch) : Promise.resolve([]),
    needShare
      ? store.get(record.share(r.keyId, r.curve), m.versions[r.curve] ?? 1)
      : Promise.resolve(new Uint8Array(0)),
    taking,
  ]);
  const presignature = took && !(took instanceof Error) ? took.blob : undefined;
  const banned = bans.filter((p) => signers.includes(p) && p !== me);
  if (held || banned.length) wipe(blob, presignature);
  if (held)
    throw new RequestError(
      'KEY_QUARANTINED',
      `key ${r.keyId} is quarantined on this node after a signature that did not verify (${held.reason}); an operator refresh lifts it once its shares are promoted`,
    );
  if (banned.length)
    throw Object.assign(
      new RequestError(
        'PEER_BANNED',
        `refusing to sign with ${banned.join(', ')} after a failed consistency check; the promotion of a refresh re-admits them`,
      ),
      { culprits: banned },
    );
  if (!blob) {
    wipe(presignature);
    throw new RequestError(
      'UNKNOWN_KEY',
      `share for ${r.keyId}/${r.curve} is missing on this node`,
    );
  }
  c.phase?.('keyMs');
  const session = sessionOf(r);
  const message = hexToBytes(r.message);
  const signerNames = members.map((p) => m.parties[p - 1]!);
  // Made for this key's current shares and this very signer set, or not used (it is spent anyway).
  let unavailable: Error | undefined = took instanceof Error ? took : undefined;
  if (
    took &&
    !(took instanceof Error) &&
    (took.meta.epoch !== m.epoch ||
      took.meta.signers.join() !== signerNames.join() ||
      // The core checks a FROST one against the key share; an ECDSA one carries its key.
      (r.curve === 'secp256k1' &&
        bytesToHex(ecdsaPresignatureInfo(took.blob).publicKey) !== m.publicKeys.secp256k1))
  )
    unavailable = new RequestError(
      'PRESIGNATURE_UNAVAILABLE',
      `presignature ${took.meta.id.slice(0, 16)}… was made for ${took.meta.epoch !== m.epoch ? "an earlier version of the key's shares" : 'another signer set'}; retry the signing`,
    );
  const startWith = <T>(f: () => T) =>
    consuming(
      () => {
        if (unavailable) throw unavailable;
        return f();
      },
      blob,
      presignature,
    );
  // Only what this node's own checks proved is acted on, at the moment it is proven; an abort's
  // claims never are.
  let acting: Promise<void> | undefined;
  const onFailure = (e: SessionError) => {
    if (e instanceof SessionAbortedError) {
      // A co-signer without the presignature (restored from a backup, say) holds none of its
      // pool: drop ours too, so the next signings run on fresh ones. Its word costs us only those.
      // Only the pool's leader acts (its list is what the API claims from); a co-signer keeps its own.
      if (
        presignature &&
        signerNames[0] === me &&
        e.claims.some((x) => x.code === 'PRESIGNATURE_UNAVAILABLE')
      )
        c.presignatures
          ?.dropPool({ keyId: r.keyId, curve: r.curve, signers: signerNames })
          .catch(() => undefined);
      return;
    }
    const culprits = e.culprits.filter((p) => p !== me);
    if (e.code === 'CONSISTENCY_CHECK_FAILED' && r.curve === 'secp256k1' && culprits.length)
      acting = ban(store, c.sessions, r.keyId, m.epoch, culprits);
    else if (e.code === 'INVALID_SIGNATURE')
      acting = quarantine(store, r.keyId, m.epoch, `${r.curve} signing ${r.requestId}`);
    acting?.catch(() => undefined);
  };
  const tag = { keyId: r.keyId, curve: r.curve, onFailure };
  try {
    if (r.curve === 'secp256k1') {
      const sig = await run<EcdsaSignature>(c, {
        session,
        parties: m.parties,
        members,
        ...tag,
        start: startWith(() =>
          presignature
            ? startEcdsaPresigned({
                presignature,
                session,
                digest: message,
                derivationPath: r.derivationPath,
              })
            : startEcdsaSign({
                key: ecdsaKeyShare(blob),
                session,
                signers: members,
                digest: message,
                derivationPath: r.derivationPath,
              }),
        ),
      });
      const hex = bytesToHex(sig.signature);
      return {
        curve: r.curve,
        signature: hex,
        r: hex.slice(0, 64),
        s: hex.slice(64),
        recoveryId: sig.recoveryId,
        publicKey: bytesToHex(sig.publicKey),
        signers: signerNames,
        derivationPath: r.derivationPath ?? [],
        ...(r.presignature ? { presignature: r.presignature } : {}),
      };
    }
    const key = frostKeyShare(blob);
    const publicKey = bytesToHex(key.publicKey);
    const sig = await run<Uint8Array>(c, {
      session,
      parties: m.parties,
      members,
      ...tag,
      start: startWith(() =>
        presignature
          ? startFrostPresigned({ key, presignature, session, message })
          : startFrostSign({ key, session, signers: members, message }),
      ),
    });
    const hex = bytesToHex(sig);
    return {
      curve: r.curve,
      signature: hex,
      r: hex.slice(0, 64),
      s: hex.slice(64),
      publicKey,
      signers: signerNames,
      ...(r.presignature ? { presignature: r.presignature } : {}),
    };
  } catch (e) {
    // The ban or quarantine is in force already; its record is on disk before the error is reported.
    await acting;
    throw e;
  } finally {
    wipe(blob, presignature);
  }
}
