/**
 * `tessera backup` and `tessera restore`: a node's store, age-encrypted to backup recipients.
 * @module
 */
import { readFileSync } from 'node:fs';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { createStorage } from 'unstorage';
import { exportBackup, importBackup } from '../node/storage/backup.ts';
import { loadConfig, storageKey } from '../node/config.ts';
import { atomicFs } from '../node/storage/fs-atomic.ts';
import { validateManifest } from '../node/identity/manifest.ts';
import { writeSecretFile } from '../node/storage/secret-file.ts';
import { EncryptedStore } from '../node/storage/storage.ts';
import { options, UsageError } from './args.ts';

export const usage = `usage: tessera backup --config node0.json --recipient age1… [--recipient age1…] --out node0.backup.age [--force]
       tessera restore --config node0.json --identity backup.agekey --in node0.backup.age [--force]
       tessera backup keygen --out backup.agekey [--force]   (an age identity for backups; print its recipient)
  Output files are created 0600 and never overwritten without --force.
  Stop the node first. A restored node refuses shares older than the cluster's current epoch.`;

async function openStore(configPath: string) {
  const cfg = loadConfig(configPath);
  if (cfg.storage.driver !== 'fs')
    throw new UsageError(
      'backup and restore read fs stores; for Redis use its own snapshots plus the storage key',
    );
  const manifest = validateManifest(JSON.parse(readFileSync(cfg.manifest, 'utf8')));
  const store = await EncryptedStore.open(
    createStorage({ driver: atomicFs({ base: cfg.storage.base ?? `./.tessera/${cfg.nodeId}` }) }),
    storageKey(cfg, manifest.cluster),
  );
  return { store, who: { nodeId: cfg.nodeId, cluster: manifest.cluster } };
}

/** `tessera backup …` */
export async function backup(argv: string[]): Promise<number> {
  if (argv[0] === 'keygen') {
    const v = options(argv.slice(1), {
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
    }) as { out?: string; force: boolean };
    if (!v.out) throw new UsageError(usage);
    const id = await generateIdentity();
    // Replacing a backup identity makes every backup taken for it undecryptable: only with --force.
    writeSecretFile(v.out, id + '\n', { force: v.force });
    console.log(await identityToRecipient(id));
    return 0;
  }
  const v = options(argv, {
    config: { type: 'string' },
    recipient: { type: 'string', multiple: true },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  }) as { config?: string; recipient?: string[]; out?: string; force: boolean };
  if (!v.config || !v.recipient?.length || !v.out) throw new UsageError(usage);
  const { store, who } = await openStore(v.config);
  try {
    const { bytes, records } = await exportBackup(store, who, v.recipient);
    writeSecretFile(v.out, bytes, { force: v.force });
    console.log(
      `wrote ${v.out}: ${records} records of ${who.cluster}/${who.nodeId}, age-encrypted to ${v.recipient.length} recipient(s)`,
    );
  } finally {
    await store.close();
  }
  return 0;
}

/** `tessera restore …` */
export async function restore(argv: string[]): Promise<number> {
  const v = options(argv, {
    config: { type: 'string' },
    identity: { type: 'string' },
    in: { type: 'string' },
    force: { type: 'boolean', default: false },
  }) as { config?: string; identity?: string; in?: string; force: boolean };
  if (!v.config || !v.identity || !v.in) throw new UsageError(usage);
  const { store, who } = await openStore(v.config);
  try {
    const r = await importBackup(
      store,
      new Uint8Array(readFileSync(v.in)),
      readFileSync(v.identity, 'utf8').trim(),
      who,
      v.force,
    );
    console.log(
      `restored ${r.records} records of ${who.cluster}/${who.nodeId} from a backup taken ${r.createdAt}`,
    );
  } finally {
    await store.close();
  }
  return 0;
}
