/**
 * Node-side commands: `node start`, `identity generate`, `cluster init|add|add-initiator|nats-config`,
 * `initiator generate`, `audit verify`.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { pino } from 'pino';
import { verifyAuditLog } from '../node/storage/audit.ts';
import { assertProductionReady, loadConfig } from '../node/config.ts';
import {
  generateIdentity,
  sealPrivateIdentity,
  type PublicIdentity,
} from '../node/identity/identity.ts';
import {
  addInitiator,
  addNode,
  emptyManifest,
  validateManifest,
} from '../node/identity/manifest.ts';
import { startNode } from '../api/server.ts';
import { writeNewFile, writeSecretFile } from '../node/storage/secret-file.ts';
import { options, UsageError } from './args.ts';
import { natsConfig } from './nats-config.ts';
import { passphraseFor } from './passphrase.ts';

const args = (argv: string[], spec: Parameters<typeof options>[1]) =>
  options(argv, spec) as Record<string, string | boolean | undefined>;

function need(v: Record<string, unknown>, name: string): string {
  const x = v[name];
  if (typeof x !== 'string' || !x) throw new UsageError(`--${name} is required`);
  return x;
}

/** `tessera node start --config node0.yaml` */
export async function nodeStart(argv: string[]): Promise<number> {
  const v = args(argv, { config: { type: 'string' } });
  const cfg = loadConfig(need(v, 'config'));
  // Before the API comes up: a production node missing a safeguard must not start at all.
  assertProductionReady(cfg);
  const log = pino({
    base: { nodeId: cfg.nodeId },
    level: process.env.TESSERA_LOG_LEVEL ?? 'info',
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  // The API comes up first, so that while NATS is unreachable it answers 503 instead of hanging.
  const running = await startNode(cfg, log);
  await stopped;
  await running.stop();
  // Everything is closed; do not wait for idle library timers to drain.
  process.exit(0);
}

/** `tessera identity generate --node node0 [--encrypt] [--passphrase-file f] [--out dir] [--force]` */
export async function identityGenerate(argv: string[]): Promise<number> {
  const v = args(argv, {
    node: { type: 'string' },
    encrypt: { type: 'boolean', default: false },
    out: { type: 'string', default: '.' },
    'passphrase-file': { type: 'string' },
    force: { type: 'boolean', default: false },
  });
  const nodeId = need(v, 'node');
  const out = v.out as string;
  const force = v.force === true;
  mkdirSync(out, { recursive: true });
  const id = generateIdentity(nodeId);
  const pubPath = join(out, `${nodeId}.identity.json`);
  const keyPath = join(out, v.encrypt ? `${nodeId}.key.age` : `${nodeId}.key`);
  // Checked before the prompt, so nobody types a passphrase for nothing; writeSecretFile re-checks.
  for (const p of [keyPath, pubPath])
    if (!force && existsSync(p))
      throw new UsageError(
        `${p} already exists; refusing to overwrite an identity (pass --force to replace it)`,
      );
  const sealed = await sealPrivateIdentity(
    id.private,
    v.encrypt ? await passphraseFor(v['passphrase-file'] as string | undefined, true) : undefined,
  );
  writeSecretFile(keyPath, sealed, { force });
  writeNewFile(pubPath, JSON.stringify(id.public, null, 2) + '\n', { force });
  console.log(
    `wrote ${pubPath} (public) and ${keyPath} (private${v.encrypt ? ', age-encrypted' : ', unencrypted: use --encrypt outside development'})`,
  );
  return 0;
}

/** `tessera initiator generate --id ops [--out dir] [--force]`: an Ed25519 initiator key pair. */
export function initiatorGenerate(argv: string[]): number {
  const v = args(argv, {
    id: { type: 'string', default: 'initiator' },
    out: { type: 'string', default: '.' },
    force: { type: 'boolean', default: false },
  });
  const id = v.id as string;
  const force = v.force === true;
  mkdirSync(v.out as string, { recursive: true });
  const secret = ed25519.utils.randomSecretKey();
  const keyPath = join(v.out as string, `${id}.initiator.key`);
  const pubPath = join(v.out as string, `${id}.initiator.json`);
  for (const p of [keyPath, pubPath])
    if (!force && existsSync(p))
      throw new UsageError(
        `${p} already exists; refusing to overwrite an initiator key (pass --force to replace it)`,
      );
  writeSecretFile(keyPath, bytesToHex(secret) + '\n', { force });
  const pub = { id, ed25519: bytesToHex(ed25519.getPublicKey(secret)) };
  writeNewFile(pubPath, JSON.stringify(pub, null, 2) + '\n', { force });
  console.log(JSON.stringify(pub));
  return 0;
}

/** `tessera cluster init|add|add-initiator|nats-config` */
export function cluster(argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub === 'nats-config') return natsConfig(rest);
  if (sub === 'init') {
    const v = args(rest, {
      cluster: { type: 'string', default: 'tessera' },
      out: { type: 'string', default: 'cluster.json' },
    });
    if (existsSync(v.out as string)) throw new UsageError(`${v.out} already exists`);
    writeFileSync(
      v.out as string,
      JSON.stringify(emptyManifest(v.cluster as string), null, 2) + '\n',
    );
    console.log(`wrote ${v.out}`);
    return 0;
  }
  if (sub === 'add' || sub === 'add-initiator') {
    const v = args(rest, {
      manifest: { type: 'string', default: 'cluster.json' },
      identity: { type: 'string' },
      initiator: { type: 'string' },
    });
    const path = v.manifest as string;
    let m = validateManifest(JSON.parse(readFileSync(path, 'utf8')));
    if (sub === 'add')
      m = addNode(m, JSON.parse(readFileSync(need(v, 'identity'), 'utf8')) as PublicIdentity);
    else
      m = addInitiator(
        m,
        JSON.parse(readFileSync(need(v, 'initiator'), 'utf8')) as { id: string; ed25519: string },
      );
    writeFileSync(path, JSON.stringify(m, null, 2) + '\n');
    console.log(`updated ${path}: ${m.nodes.length} node(s), ${m.initiators.length} initiator(s)`);
    return 0;
  }
  throw new UsageError(
    'usage: tessera cluster init [--cluster name] [--out cluster.json] | add --identity node0.identity.json | add-initiator --initiator ops.initiator.json | nats-config [--admin-nkey U…] [--initiator-nkey U…]',
  );
}

/** `tessera audit verify --file node0.audit.jsonl` */
export function auditVerify(argv: string[]): number {
  const v = args(argv.slice(argv[0] === 'verify' ? 1 : 0), { file: { type: 'string' } });
  const r = verifyAuditLog(need(v, 'file'));
  if (r.ok) {
    console.log(`audit log intact: ${r.entries} entries`);
    return 0;
  }
  console.error(`audit log BROKEN at line ${r.line}: ${r.reason}`);
  return 1;
}
