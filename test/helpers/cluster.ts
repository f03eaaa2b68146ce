/** A local cluster for integration tests: identities, manifest, configs and node processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createStorage } from 'unstorage';
import { atomicFs } from '../../src/node/storage/fs-atomic.ts';
import { EncryptedStore } from '../../src/node/storage/storage.ts';
import { openPrivateIdentity } from '../../src/node/identity/identity.ts';
import { join } from 'node:path';
import process from 'node:process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { generateIdentity, sealPrivateIdentity } from '../../src/node/identity/identity.ts';
import { addInitiator, addNode, emptyManifest, type Manifest } from '../../src/node/identity/manifest.ts';
import type { OperationRequest } from '../../src/node/requests/requests.ts';
import type { makeCerts } from './nats.ts';

/** A request before the fields every submission fills in. */
export type Draft = OperationRequest extends infer T ? (T extends unknown ? Omit<T, 'requestId' | 'initiator' | 'timestamp'> : never) : never;

let counter = 0;
/** Completes a draft request as the test initiator `ops` would (optionally with clock skew). */
export function request(r: Draft, skewMs = 0): OperationRequest {
  return { ...r, requestId: `t-${Date.now()}-${counter++}`, initiator: 'ops', timestamp: Date.now() + skewMs } as OperationRequest;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/** Writes identities, an initiator key, the manifest and one config per node. */
export async function makeCluster(dir: string, nodes: string[], natsUrl: string, certs?: ReturnType<typeof makeCerts>, opts: { apiPorts?: number[]; timeouts?: { roundMs: number; sessionMs: number }; operationTimeoutMs?: number; promotionSweepMs?: number } = {}): Promise<{ manifest: Manifest; initiator: Uint8Array; configs: string[] }> {
  mkdirSync(dir, { recursive: true });
  let manifest = emptyManifest('it');
  const configs: string[] = [];
  for (const nodeId of nodes) {
    const id = generateIdentity(nodeId);
    manifest = addNode(manifest, id.public);
    // Encrypted identity (age, scrypt) read with a passphrase file, as a service would.
    writeFileSync(join(dir, `${nodeId}.pass`), `passphrase-for-${nodeId}`);
    writeFileSync(join(dir, `${nodeId}.key.age`), await sealPrivateIdentity(id.private, `passphrase-for-${nodeId}`, 10));
    writeFileSync(join(dir, `${nodeId}.storage.key`), bytesToHex(crypto.getRandomValues(new Uint8Array(32))));
    const cfg = {
      nodeId,
      manifest: 'cluster.json',
      identity: `${nodeId}.key.age`,
      passphraseFile: `${nodeId}.pass`,
      nats: { servers: [natsUrl], tls: certs ? { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey } : undefined, nkeySeedFile: certs?.nkeySeed },
      storage: { driver: 'fs', base: `data/${nodeId}`, keyFile: `${nodeId}.storage.key` },
      audit: `${nodeId}.audit.jsonl`,
      timeouts: opts.timeouts ?? { roundMs: 8000, sessionMs: 60000 },
      production: Boolean(certs),
      ...(opts.promotionSweepMs ? { promotionSweepMs: opts.promotionSweepMs } : {}),
      ...(opts.apiPorts ? { api: { host: '127.0.0.1', port: opts.apiPorts[nodes.indexOf(nodeId)], operationTimeoutMs: opts.operationTimeoutMs ?? 30_000, bodyTimeoutMs: 2_000 } } : {}),
    };
    const path = join(dir, `${nodeId}.json`);
    writeFileSync(path, JSON.stringify(cfg, null, 2));
    configs.push(path);
  }
  const initiator = ed25519.utils.randomSecretKey();
  manifest = addInitiator(manifest, { id: 'ops', ed25519: bytesToHex(ed25519.getPublicKey(initiator)) });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest, null, 2));
  return { manifest, initiator, configs };
}

/** Every line any node process printed (stdout and stderr), for the secrets scan. */
export const allNodeOutput: string[] = [];

/** A node process and its JSON log lines. */
export interface NodeProcess {
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The command line that runs the CLI under a runtime. */
export function cliArgv(runtime: 'node' | 'bun' | 'deno' = 'node'): string[] {
  if (runtime === 'bun') return [join(ROOT, 'node_modules/.bin/bun'), join(ROOT, 'src/cli.ts')];
  if (runtime === 'deno') return [join(ROOT, 'node_modules/.bin/deno'), 'run', '-A', '--quiet', join(ROOT, 'src/cli.ts')];
  // Under Node whichever runtime runs the test suite (an absolute path, so a narrowed PATH still works).
  const nodeBin = process.versions.bun || (process.versions as Record<string, string>).deno ? spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim() : process.execPath;
  return [nodeBin, '--import', 'tsx', join(ROOT, 'src/cli.ts')];
}

/** Starts `tessera node start --config <path>` (under Node unless `runtime`) and waits for its node_started log. */
export async function startNode(config: string, wrap: string[] = [], runtime: 'node' | 'bun' | 'deno' = 'node'): Promise<NodeProcess> {
  const argv = [...cliArgv(runtime), 'node', 'start', '--config', config];
  const proc = spawn(wrap.length ? wrap[0]! : argv[0]!, wrap.length ? [...wrap.slice(1), ...argv] : argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'info' } });
  const logs: Record<string, unknown>[] = [];
  // Track exit ourselves: Deno's node:child_process does not always set exitCode.
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve((exited = code))));
  let buf = '';
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    allNodeOutput.push(b.toString());
  });
  const started = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node did not start: ${err}`)), 30_000);
    proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        allNodeOutput.push(line);
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          logs.push(o);
          if (o.event === 'node_started') {
            clearTimeout(t);
            resolve();
          }
        } catch {
          /* not a log line */
        }
      }
    });
    proc.on('exit', (code) => reject(new Error(`node exited (${code}): ${err}`)));
  });
  await started;
  return {
    proc,
    logs,
    stop: (signal = 'SIGTERM') => {
      if (exited === undefined) proc.kill(signal);
      return exit;
    },
  };
}

/**
 * Fails if any node's log text holds a secret: its storage key, identity keys or passphrase, or
 * any key share stored for `keyIds` (read back from its encrypted store with its key).
 */
export async function assertNoSecrets(dir: string, nodes: string[], logText: string, keyIds: string[]): Promise<void> {
  const text = logText.toLowerCase();
  const hits: string[] = [];
  const check = (what: string, secretHex: string) => {
    const b64 = Buffer.from(secretHex, 'hex').toString('base64').toLowerCase();
    if (text.includes(secretHex.toLowerCase()) || text.includes(b64)) hits.push(what);
  };
  for (const id of nodes) {
    const storageKey = readFileSync(join(dir, `${id}.storage.key`), 'utf8').trim();
    check(`${id} storage key`, storageKey);
    const passphrase = readFileSync(join(dir, `${id}.pass`), 'utf8');
    if (text.includes(passphrase.toLowerCase())) hits.push(`${id} passphrase`);
    const identity = await openPrivateIdentity(new Uint8Array(readFileSync(join(dir, `${id}.key.age`))), passphrase);
    check(`${id} ed25519 identity key`, bytesToHex(identity.ed25519Secret));
    check(`${id} x25519 identity key`, bytesToHex(identity.x25519Secret));
    const store = await EncryptedStore.open(createStorage({ driver: atomicFs({ base: join(dir, 'data', id) }) }), Uint8Array.from(Buffer.from(storageKey, 'hex')));
    // Share scalars sit at fixed offsets of the postcard blobs: FROST after 5 header bytes,
    // DKLs23 after 5 header bytes and the 32-byte epoch.
    for (const keyId of keyIds) {
      for (const [curve, offset] of [['ed25519', 5], ['secp256k1', 37]] as const) {
        for (const v of await store.versions(`share:${keyId}:${curve}`)) {
          const blob = await store.get(`share:${keyId}:${curve}`, v);
          if (blob) check(`${id} ${keyId}/${curve} share v${v}`, bytesToHex(blob.slice(offset, offset + 32)));
        }
      }
    }
    await store.close();
  }
  if (hits.length) throw new Error(`secrets found in node output: ${hits.join(', ')}`);
}
