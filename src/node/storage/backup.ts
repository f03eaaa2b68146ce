/**
 * Node backups: every record of a node's encrypted store, decrypted in memory and re-encrypted
 * to age recipients (an offline backup key), so a backup opens without the node's storage key.
 * A restored node's old-epoch shares are refused by the cluster's epoch check (operations.ts),
 * and nonces live in the cluster's KV, so restoring never revives a consumed nonce. A restore
 * writes through the store's current layout (hashed names, fresh counters, manifest). The audit
 * log's anchor (audit.ts) belongs to the log file on this machine, not to the backup: it is
 * neither exported nor restored. A restore marks the store so its next start accepts a store
 * generation below its NATS anchor once (store-anchor.ts).
 * @module
 */
import { Decrypter, Encrypter } from 'age-encryption';
import { RESTORED_MARK, type EncryptedStore } from './storage.ts';
import { record } from '../names.ts';

/** The plaintext inside a backup (never written to disk unencrypted). */
interface BackupDocument {
  format: 'tessera-backup/v1';
  nodeId: string;
  cluster: string;
  createdAt: string;
  records: { name: string; version: number; data: string }[];
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const LOCAL_ONLY = new Set<string>([record.auditPosition, RESTORED_MARK]);

/** Exports a node's store, age-encrypted to `recipients` (age1… X25519 recipients). */
export async function exportBackup(
  store: EncryptedStore,
  meta: { nodeId: string; cluster: string },
  recipients: string[],
): Promise<{ bytes: Uint8Array; records: number }> {
  if (!recipients.length) throw new RangeError('a backup needs at least one age recipient');
  const records: BackupDocument['records'] = [];
  for (const r of await store.records()) {
    // Presignatures are single use: a restored copy could be used again, so none is ever backed up.
    if (LOCAL_ONLY.has(r.name) || r.name.startsWith(record.presignaturePrefix)) continue;
    const plain = await store.get(r.name, r.version);
    if (plain) records.push({ name: r.name, version: r.version, data: b64(plain) });
  }
  const doc: BackupDocument = {
    format: 'tessera-backup/v1',
    ...meta,
    createdAt: new Date().toISOString(),
    records,
  };
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  const bytes = await e.encrypt(new TextEncoder().encode(JSON.stringify(doc)));
  return { bytes, records: records.length };
}

/** Why a backup cannot be restored here. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** Restores a backup into `store` (which must be empty unless `force`). */
export async function importBackup(
  store: EncryptedStore,
  bytes: Uint8Array,
  identity: string,
  expect: { nodeId: string; cluster: string },
  force = false,
): Promise<{ records: number; createdAt: string }> {
  const d = new Decrypter();
  d.addIdentity(identity);
  let doc: BackupDocument;
  try {
    doc = JSON.parse(new TextDecoder().decode(await d.decrypt(bytes))) as BackupDocument;
  } catch {
    throw new BackupError(
      'the backup does not open with this identity (wrong key or not a Tessera backup)',
    );
  }
  if (doc.format !== 'tessera-backup/v1') throw new BackupError('not a tessera-backup/v1 file');
  if (doc.nodeId !== expect.nodeId || doc.cluster !== expect.cluster)
    throw new BackupError(
      `the backup is of ${doc.cluster}/${doc.nodeId}, not ${expect.cluster}/${expect.nodeId}`,
    );
  if (!force && (await store.records()).some((r) => !LOCAL_ONLY.has(r.name)))
    throw new BackupError('the store is not empty; pass --force to overwrite it');
  // A restore invalidates every presignature the store still holds (made for shares it replaces).
  for (const r of await store.records())
    if (r.name.startsWith(record.presignaturePrefix)) await store.retire(r.name, r.version);
  for (const r of doc.records.filter((x) => !x.name.startsWith(record.presignaturePrefix)))
    if (!LOCAL_ONLY.has(r.name))
      await store.put(r.name, r.version, new Uint8Array(Buffer.from(r.data, 'base64')));
  // A restore onto an empty store lowers its generation on purpose: the next start accepts it once.
  await store.putJson(RESTORED_MARK, { at: new Date().toISOString() });
  return { records: doc.records.length, createdAt: doc.createdAt };
}
