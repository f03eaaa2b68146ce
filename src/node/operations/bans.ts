/**
 * Bans and quarantines, the one writer of the `ban:` and `quarantine:` records: what a node's own
 * checks proved about a key's peers or shares in one share epoch, in force from the moment it is
 * proven (in memory first, then on disk) until new shares are promoted (`endBans`).
 * @module
 */
import { SessionError, type SessionManager } from '../../protocol/session.ts';
import { record } from '../names.ts';
import type { EncryptedStore } from '../storage/storage.ts';

const banName = record.ban;
const quarantineName = record.quarantine;

/** A ban or quarantine: the share epoch it applies to (absent in records older than epochs: any). */
interface EpochRecord {
  epoch?: string;
}
interface BanRecord extends EpochRecord {
  peers: string[];
}
interface QuarantineRecord extends EpochRecord {
  reason: string;
  at: number;
}

/** Bans and quarantines decided but perhaps not yet on disk, so a session starting meanwhile sees them. */
const decided = new WeakMap<EncryptedStore, Map<string, BanRecord | QuarantineRecord>>();
const remembered = <T extends EpochRecord>(store: EncryptedStore, name: string) =>
  decided.get(store)?.get(name) as T | undefined;
function remember(store: EncryptedStore, name: string, r: BanRecord | QuarantineRecord): void {
  const m = decided.get(store) ?? new Map<string, BanRecord | QuarantineRecord>();
  decided.set(store, m);
  m.set(name, r);
}
const inEpoch = (r: EpochRecord | undefined, epoch: string | undefined): boolean =>
  r !== undefined && (r.epoch === undefined || r.epoch === epoch);
const currentEpoch = async (store: EncryptedStore, keyId: string) =>
  (await store.getJson<{ epoch?: string }>(record.meta(keyId)))?.epoch;

/**
 * Peers whose pairwise ECDSA setup this node refuses to use: a failed OT-extension,
 * multiplication or Γ check may be a selective-failure probe of the reused Δ (DKLs23 spec §2.4,
 * §4, §7.5), so signing with that peer stops until a complete refresh's shares (fresh base OTs)
 * are promoted; until then signing uses the probed state, so the ban lasts the whole epoch.
 */
export async function bannedPeers(
  store: EncryptedStore,
  keyId: string,
  epoch?: string,
): Promise<string[]> {
  const e = epoch ?? (await currentEpoch(store, keyId));
  const peers = new Set<string>();
  for (const r of [
    await store.getJson<BanRecord>(banName(keyId)),
    remembered<BanRecord>(store, banName(keyId)),
  ])
    if (inEpoch(r, e)) for (const p of r!.peers) peers.add(p);
  return [...peers].sort();
}

/** `peers` joined with those of every in-epoch record in `records`, as one ban record. */
function banRecord(
  epoch: string | undefined,
  peers: string[],
  ...records: (BanRecord | undefined)[]
): BanRecord {
  const all = new Set(peers);
  for (const r of records) if (inEpoch(r, epoch)) for (const p of r!.peers) all.add(p);
  return { epoch, peers: [...all].sort() };
}

/**
 * Bans `peers` for `keyId` in share epoch `epoch` after this node's own consistency check failed.
 * Everything up to the first await runs synchronously when called (from the session's onFailure,
 * before the failing session unwinds): the ban is in memory and this node's other running
 * signings of the key with those peers are failed before any of them handles another message.
 * The returned promise settles once the merged record is on disk.
 */
export async function ban(
  store: EncryptedStore,
  sessions: SessionManager,
  keyId: string,
  epoch: string | undefined,
  peers: string[],
): Promise<void> {
  const name = banName(keyId);
  remember(store, name, banRecord(epoch, peers, remembered<BanRecord>(store, name)));
  for (const peer of peers) {
    sessions.failLive(
      keyId,
      'secp256k1',
      peer,
      (round) =>
        new SessionError(
          'PEER_BANNED',
          `round ${round}: ${peer} failed a consistency check in another signing with this key; this session stops`,
          [peer],
          round,
        ),
    );
  }
  const onDisk = await store.getJson<BanRecord>(name);
  // Read what is remembered again: another ban may have been decided while the disk was read.
  const merged = banRecord(epoch, peers, onDisk, remembered<BanRecord>(store, name));
  remember(store, name, merged);
  await store.putJson(name, merged);
}

/** Why `keyId` is quarantined on this node in its current epoch, or undefined. */
export async function quarantined(
  store: EncryptedStore,
  keyId: string,
  epoch?: string,
): Promise<QuarantineRecord | undefined> {
  const e = epoch ?? (await currentEpoch(store, keyId));
  return [
    await store.getJson<QuarantineRecord>(quarantineName(keyId)),
    remembered<QuarantineRecord>(store, quarantineName(keyId)),
  ].find((r) => inEpoch(r, e));
}

/**
 * A final signature that does not verify (INVALID_SIGNATURE) means a share, the OT state or a
 * peer is corrupt in a way no round check caught: the key signs nothing more on this node until
 * new shares are promoted (an operator refresh).
 */
export async function quarantine(
  store: EncryptedStore,
  keyId: string,
  epoch: string | undefined,
  reason: string,
): Promise<void> {
  const held: QuarantineRecord = { epoch, reason: reason.slice(0, 200), at: Date.now() };
  remember(store, quarantineName(keyId), held);
  await store.putJson(quarantineName(keyId), held);
}

/**
 * Bans and a quarantine belong to the epoch they were found in: the new shares (and pairwise OT
 * state) end them. The records go when the shares are promoted; epoch tags make a leftover one
 * inert anyway.
 */
export async function endBans(store: EncryptedStore, keyId: string): Promise<void> {
  for (const name of [banName(keyId), quarantineName(keyId)])
    if ((await store.versions(name)).length) await store.retire(name, 0);
  decided.get(store)?.delete(banName(keyId));
  decided.get(store)?.delete(quarantineName(keyId));
}
