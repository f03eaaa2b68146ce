/**
 * What a node does for each request: run the protocol session(s) it is a party to, keep its
 * share encrypted, and return the public outcome. Key material is versioned in storage.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { ecdsaKeyShare, frostKeyShare, startEcdsaDkg, startEcdsaRefresh, startEcdsaSign, startFrostDkg, startFrostSign, type EcdsaKeyShare, type EcdsaSignature, type FrostKeyShare } from '../core/index.ts';
import { RequestError, sessionId, type Curve, type OperationRequest } from './requests.ts';
import type { SessionManager } from './session.ts';
import type { EncryptedStore } from './storage.ts';

/** Public metadata of a key (never a share). */
export interface KeyMeta {
  keyId: string;
  threshold: number;
  parties: string[];
  curves: Curve[];
  publicKeys: Partial<Record<Curve, string>>;
  chainCode?: string;
  /** Current share version per curve. */
  versions: Partial<Record<Curve, number>>;
  /** Set while a new key awaits every party's confirmation (it cannot sign until then). */
  keygenRequest?: string;
  /** A refreshed version written but not yet confirmed by every party (the old one still signs). */
  pending?: Partial<Record<Curve, { version: number; requestId: string }>>;
}

/** Whether every party reported success for a request (their attested results). */
export type Confirmed = (requestId: string, parties: string[]) => Promise<boolean>;

/** Switches to pending share versions that every party has confirmed, then retires the old ones. */
export async function promote(store: EncryptedStore, keyId: string, confirmed: Confirmed): Promise<KeyMeta | undefined> {
  const meta = await store.getJson<KeyMeta>(metaName(keyId));
  if (meta?.keygenRequest && (await confirmed(meta.keygenRequest, meta.parties))) {
    delete meta.keygenRequest;
    await store.putJson(metaName(keyId), meta);
  }
  if (!meta?.pending) return meta;
  let changed = false;
  for (const [curve, p] of Object.entries(meta.pending) as [Curve, { version: number; requestId: string }][]) {
    if (!(await confirmed(p.requestId, meta.parties))) continue;
    const old = meta.versions[curve];
    meta.versions[curve] = p.version;
    delete meta.pending[curve];
    await store.putJson(metaName(keyId), meta);
    if (old !== undefined && old !== p.version) await store.retire(shareName(keyId, curve), old);
    changed = true;
  }
  if (changed && !Object.keys(meta.pending).length) {
    delete meta.pending;
    await store.putJson(metaName(keyId), meta);
  }
  return meta;
}

const metaName = (keyId: string) => `meta:${keyId}`;
const banName = (keyId: string) => `ban:${keyId}`;

/**
 * Peers whose pairwise ECDSA setup this node refuses to use: a failed OT-extension,
 * multiplication or Γ check may be a selective-failure probe of the reused Δ (DKLs23 spec §2.4,
 * §4, §7.5), so signing with that peer stops until a complete refresh makes fresh base OTs.
 */
export async function bannedPeers(store: EncryptedStore, keyId: string): Promise<string[]> {
  return (await store.getJson<{ peers: string[] }>(banName(keyId)))?.peers ?? [];
}

async function ban(store: EncryptedStore, keyId: string, peers: string[]): Promise<void> {
  const now = new Set([...(await bannedPeers(store, keyId)), ...peers]);
  await store.putJson(banName(keyId), { peers: [...now].sort() });
}
const shareName = (keyId: string, curve: Curve) => `share:${keyId}:${curve}`;

/** Runs a request's protocol on this node; undefined when this node takes no part. */
export async function execute(r: OperationRequest, me: string, store: EncryptedStore, sessions: SessionManager, timeouts: { roundMs?: number; sessionMs?: number }, confirmed: Confirmed): Promise<Record<string, unknown> | undefined> {
  if (r.op === 'keygen') {
    const myParty = r.parties.indexOf(me) + 1;
    if (!myParty) return undefined;
    const existing = await store.getJson<KeyMeta>(metaName(r.keyId));
    if (existing && !existing.keygenRequest) throw new RequestError('KEY_EXISTS', `key ${r.keyId} already exists`);
    // A key is registered only once every party confirms it (until then it cannot sign).
    const meta: KeyMeta = { keyId: r.keyId, threshold: r.threshold, parties: r.parties, curves: r.curves, publicKeys: {}, versions: {}, keygenRequest: r.requestId };
    const blobs: [Curve, Uint8Array][] = [];
    for (const curve of r.curves) {
      const session = sessionId(r.requestId, `keygen/${curve}`);
      const params = { session, threshold: r.threshold, parties: r.parties.length, me: myParty };
      if (curve === 'secp256k1') {
        const key = await sessions.run<EcdsaKeyShare>({ session, parties: r.parties, start: () => startEcdsaDkg(params), roundTimeoutMs: timeouts.roundMs, totalTimeoutMs: timeouts.sessionMs });
        meta.publicKeys.secp256k1 = bytesToHex(key.publicKey);
        meta.chainCode = bytesToHex(key.chainCode);
        blobs.push([curve, key.blob]);
      } else {
        const key = await sessions.run<FrostKeyShare>({ session, parties: r.parties, start: () => startFrostDkg(params), roundTimeoutMs: timeouts.roundMs, totalTimeoutMs: timeouts.sessionMs });
        meta.publicKeys.ed25519 = bytesToHex(key.publicKey);
        blobs.push([curve, key.blob]);
      }
    }
    // Durable before acknowledged: shares first, metadata last (a key without metadata is unused).
    for (const [curve, blob] of blobs) {
      await store.put(shareName(r.keyId, curve), 1, blob);
      meta.versions[curve] = 1;
    }
    await store.putJson(metaName(r.keyId), meta);
    return { keyId: meta.keyId, threshold: meta.threshold, parties: meta.parties, publicKeys: meta.publicKeys, chainCode: meta.chainCode };
  }

  const meta = await promote(store, r.keyId, confirmed);
  if (!meta) throw new RequestError('UNKNOWN_KEY', `no key ${r.keyId}`);
  if (meta.keygenRequest) throw new RequestError('KEY_NOT_ACTIVE', `key ${r.keyId} is not confirmed by every party yet`);
  if (r.op === 'refresh') {
    // A complete refresh (spec §5): every party takes part; new shares and pairwise OT state,
    // same public key. Written as a new version; the old one keeps signing until all confirm.
    const myParty = meta.parties.indexOf(me) + 1;
    if (!myParty) return undefined;
    if (!meta.curves.includes('secp256k1')) throw new RequestError('UNSUPPORTED', 'refresh covers secp256k1 shares; this key has none');
    const current = meta.versions.secp256k1 ?? 1;
    const blob = await store.get(shareName(r.keyId, 'secp256k1'), current);
    if (!blob) throw new RequestError('UNKNOWN_KEY', `share for ${r.keyId}/secp256k1 is missing on this node`);
    const session = sessionId(r.requestId, 'refresh/secp256k1');
    const fresh = await sessions.run<EcdsaKeyShare>({ session, parties: meta.parties, start: () => startEcdsaRefresh({ key: blob, session }), roundTimeoutMs: timeouts.roundMs, totalTimeoutMs: timeouts.sessionMs });
    if (bytesToHex(fresh.publicKey) !== meta.publicKeys.secp256k1) throw new RequestError('INTERNAL', 'refresh changed the public key');
    const next = Math.max(current, ...(await store.versions(shareName(r.keyId, 'secp256k1')))) + 1;
    await store.put(shareName(r.keyId, 'secp256k1'), next, fresh.blob);
    meta.pending = { ...meta.pending, secp256k1: { version: next, requestId: r.requestId } };
    await store.putJson(metaName(r.keyId), meta);
    // Fresh base OTs with every party: banned peers are re-admitted.
    await store.retire(banName(r.keyId), 0);
    return { keyId: meta.keyId, publicKeys: meta.publicKeys, refreshed: ['secp256k1'], version: next };
  }
  if (meta.keygenRequest) throw new RequestError('KEY_NOT_ACTIVE', `key ${r.keyId} is not confirmed by every party yet`);
  if (!meta.curves.includes(r.curve)) throw new RequestError('UNKNOWN_KEY', `key ${r.keyId} has no ${r.curve} share`);
  const signers = r.signers.length ? r.signers : meta.parties.slice(0, meta.threshold);
  if (signers.some((s) => !meta.parties.includes(s))) throw new RequestError('MALFORMED', 'every signer must be a party of the key');
  if (signers.length < meta.threshold) throw new RequestError('NOT_ENOUGH_SIGNERS', `${signers.length} signer(s) given; the threshold (minimum number of signers) is ${meta.threshold}`);
  if (!signers.includes(me)) return undefined;
  const members = signers.map((s) => meta.parties.indexOf(s) + 1).sort((a, b) => a - b);
  if (r.curve === 'secp256k1') {
    const banned = (await bannedPeers(store, r.keyId)).filter((p) => signers.includes(p) && p !== me);
    if (banned.length) throw Object.assign(new RequestError('PEER_BANNED', `refusing to sign with ${banned.join(', ')} after a failed consistency check; a refresh re-admits them`), { culprits: banned });
  }
  const blob = await store.get(shareName(r.keyId, r.curve), meta.versions[r.curve] ?? 1);
  if (!blob) throw new RequestError('UNKNOWN_KEY', `share for ${r.keyId}/${r.curve} is missing on this node`);
  const session = sessionId(r.requestId, `sign/${r.curve}`);
  const message = hexToBytes(r.message);
  const signerNames = members.map((p) => meta.parties[p - 1]!);
  if (r.curve === 'secp256k1') {
    const key = ecdsaKeyShare(blob);
    let sig: EcdsaSignature;
    try {
      sig = await sessions.run<EcdsaSignature>({ session, parties: meta.parties, members, start: () => startEcdsaSign({ key, session, signers: members, digest: message, derivationPath: r.derivationPath }), roundTimeoutMs: timeouts.roundMs, totalTimeoutMs: timeouts.sessionMs });
    } catch (e) {
      const culprits = ((e as { culprits?: string[] }).culprits ?? []).filter((p) => p !== me);
      if ((e as { code?: string }).code === 'CONSISTENCY_CHECK_FAILED' && culprits.length) await ban(store, r.keyId, culprits);
      throw e;
    }
    const hex = bytesToHex(sig.signature);
    return { curve: r.curve, signature: hex, r: hex.slice(0, 64), s: hex.slice(64), recoveryId: sig.recoveryId, publicKey: bytesToHex(sig.publicKey), signers: signerNames, derivationPath: r.derivationPath ?? [] };
  }
  const key = frostKeyShare(blob);
  const sig = await sessions.run<Uint8Array>({ session, parties: meta.parties, members, start: () => startFrostSign({ key, session, signers: members, message }), roundTimeoutMs: timeouts.roundMs, totalTimeoutMs: timeouts.sessionMs });
  const hex = bytesToHex(sig);
  return { curve: r.curve, signature: hex, r: hex.slice(0, 64), s: hex.slice(64), publicKey: bytesToHex(key.publicKey), signers: signerNames };
}
