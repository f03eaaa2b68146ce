/**
 * Node backups: every record of a node's encrypted store, decrypted in memory and re-encrypted
 * to age recipients (an offline backup key), so a backup opens without the node's storage key.
 * A restored node's old-epoch shares are refused by the cluster's epoch check (operations.ts),
 * and nonces live in the cluster's KV, so restoring never revives a consumed nonce.
 * @module
 */
import { Decrypter, Encrypter } from 'age-encryption';
import type { EncryptedStore } from './storage.ts';

/** The plaintext inside a backup (never written to disk unencrypted). */
interface BackupDocument {
  format: 'tessera-backup/v1';
  nodeId: string;
  cluster: string;
  createdAt: string;
  records: { name: string; version: number; data: string }[];
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Exports a node's store, age-encrypted to `recipients` (age1… X25519 recipients). */
export async function exportBackup(store: EncryptedStore, meta: { nodeId: string; cluster: string }, recipients: string[]): Promise<{ bytes: Uint8Array; records: number }> {
  if (!recipients.length) throw new RangeError('a backup needs at least one age recipient');
  const records: BackupDocument['records'] = [];
  for (const r of await store.records()) {
    const plain = await store.get(r.name, r.version);
    if (plain) records.push({ name: r.name, version: r.version, data: b64(plain) });
  }
  const doc: BackupDocument = { format: 'tessera-backup/v1', ...meta, createdAt: new Date().toISOString(), records };
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
export async function importBackup(store: EncryptedStore, bytes: Uint8Array, identity: string, expect: { nodeId: string; cluster: string }, force = false): Promise<{ records: number; createdAt: string }> {
  const d = new Decrypter();
  d.addIdentity(identity);
  let doc: BackupDocument;
  try {
    doc = JSON.parse(new TextDecoder().decode(await d.decrypt(bytes))) as BackupDocument;
  } catch {
    throw new BackupError('the backup does not open with this identity (wrong key or not a Tessera backup)');
  }
  if (doc.format !== 'tessera-backup/v1') throw new BackupError('not a tessera-backup/v1 file');
  if (doc.nodeId !== expect.nodeId || doc.cluster !== expect.cluster) throw new BackupError(`the backup is of ${doc.cluster}/${doc.nodeId}, not ${expect.cluster}/${expect.nodeId}`);
  if (!force && (await store.records()).length) throw new BackupError('the store is not empty; pass --force to overwrite it');
  for (const r of doc.records) await store.put(r.name, r.version, new Uint8Array(Buffer.from(r.data, 'base64')));
  return { records: doc.records.length, createdAt: doc.createdAt };
}
