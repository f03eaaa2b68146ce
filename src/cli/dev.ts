/**
 * `tessera dev` (what `npm start` runs): a zero-configuration local cluster of three nodes with
 * the HTTP API on 127.0.0.1:8080 (node0; node1 and node2 on 8081 and 8082), a real nats-server
 * with JetStream and one process per node when nats-server is on PATH (else all three nodes in
 * this process over an in-process bus), a development initiator key and development storage keys.
 * nats-server authorizes only the cluster's users (each node by its identity nkey, the initiator,
 * an admin whose seed is kept in the directory), as `tessera cluster nats-config` generates them.
 * For development only, and it says so.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { generateIdentity, sealPrivateIdentity } from '../node/identity/identity.ts';
import { addInitiator, addNode, emptyManifest, validateManifest } from '../node/identity/manifest.ts';
import { natsAuthorization } from '../node/transport/nats-auth.ts';
import { nkeys } from '@nats-io/transport-node';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../api/server.ts';
import { memoryBus } from '../node/bus/bus.ts';
import { loadConfig } from '../node/config.ts';
import { UsageError } from './args.ts';
import { cliArgv, freePort, portFree } from './runtime.ts';
import { DEV_DIR } from './api.ts';

const NODES = ['node0', 'node1', 'node2'];

/** Writes the development identities, keys, manifest and configs (once). */
async function scaffold(dir: string): Promise<void> {
  if (existsSync(join(dir, 'cluster.json'))) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // JetStream state left from a cluster this one replaces (its anchors, requests) is not ours.
  rmSync(join(dir, 'nats'), { recursive: true, force: true });
  let manifest = emptyManifest('dev');
  for (const nodeId of NODES) {
    const id = generateIdentity(nodeId);
    manifest = addNode(manifest, id.public);
    writeFileSync(join(dir, `${nodeId}.key`), await sealPrivateIdentity(id.private, undefined), { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, `${nodeId}.storage.key`), bytesToHex(crypto.getRandomValues(new Uint8Array(32))) + '\n', { mode: 0o600, flag: 'wx' });
  }
  const secret = ed25519.utils.randomSecretKey();
  writeFileSync(join(dir, 'initiator.key'), JSON.stringify({ id: 'dev', kind: 'ed25519', secretKey: bytesToHex(secret) }) + '\n', { mode: 0o600, flag: 'wx' });
  manifest = addInitiator(manifest, { id: 'dev', ed25519: bytesToHex(ed25519.getPublicKey(secret)) });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest, null, 2) + '\n');
}

function configFor(dir: string, nodeId: string, i: number, natsUrl: string, apiPort: number): string {
  const path = join(dir, `${nodeId}.json`);
  writeFileSync(
    path,
    JSON.stringify({ nodeId, manifest: 'cluster.json', identity: `${nodeId}.key`, nats: { servers: [natsUrl] }, storage: { driver: 'fs', base: `data/${nodeId}`, keyFile: `${nodeId}.storage.key` }, audit: `${nodeId}.audit.jsonl`, api: { host: '127.0.0.1', port: apiPort + i } }, null, 2),
  );
  return path;
}

function startNodeProcess(config: string, nodeId: string): ChildProcess {
  const [bin, ...pre] = cliArgv();
  const child = spawn(bin!, [...pre, 'node', 'start', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TESSERA_LOG_LEVEL: process.env.TESSERA_LOG_LEVEL ?? 'warn' } });
  // Node logs are JSON lines; show them prefixed (warnings and errors by default).
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      process.stderr.write(`[${nodeId}] ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
  return child;
}

async function startNats(dir: string): Promise<{ url: string; proc: ChildProcess } | undefined> {
  if (spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status !== 0) return undefined;
  mkdirSync(join(dir, 'nats'), { recursive: true });
  // JetStream encrypted at rest (an existing plaintext store is encrypted on start). The key is
  // made once (mode 0600) and reaches the server by environment, not argv or the config file.
  const keyFile = join(dir, 'nats.jetstream.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, bytesToHex(crypto.getRandomValues(new Uint8Array(32))) + '\n', { mode: 0o600, flag: 'wx' });
  const key = readFileSync(keyFile, 'utf8').trim();
  const authorization = natsAuthorization(validateManifest(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8'))), { adminNkey: adminNkey(dir) });
  // Another process may take the port between the check and the bind: try the next one.
  for (let attempt = 0, from = 4222; ; attempt++) {
    const port = await freePort(from);
    writeFileSync(join(dir, 'nats.conf'), `listen: "127.0.0.1:${port}"\njetstream { store_dir: ${JSON.stringify(join(dir, 'nats'))}, cipher: chachapoly, key: $TESSERA_JS_KEY }\n${authorization}`);
    // Quoted: nats-server lexes a variable's value, and a bare hex key such as 743e99… or 12…34 is a number to it.
    const proc = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TESSERA_JS_KEY: JSON.stringify(key) } });
    const started = await natsReady(proc, key);
    if (started === true) return { url: `nats://127.0.0.1:${port}`, proc };
    if (!/address already in use/i.test(started) || attempt >= 5) throw new Error(`nats-server did not start: ${started}`);
    from = port + 1;
  }
}

/** The public key of the development NATS admin, whose seed is made once into nats.admin.nk (mode 0600; e.g. for `nats --nkey`). */
function adminNkey(dir: string): string {
  const seedFile = join(dir, 'nats.admin.nk');
  if (!existsSync(seedFile)) writeFileSync(seedFile, new TextDecoder().decode(nkeys.createUser().getSeed()) + '\n', { mode: 0o600, flag: 'wx' });
  return nkeys.fromSeed(new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim())).getPublicKey();
}

/** Waits for nats-server's "Server is ready" (true), or returns why it exited (its log tail, the key redacted). */
function natsReady(proc: ChildProcess, key: string, timeoutMs = 30_000): Promise<true | string> {
  return new Promise((resolve) => {
    let log = '';
    const tail = () => log.split(key).join('<key>').trim().split('\n').slice(-5).join('\n');
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve(`not ready within ${timeoutMs / 1000} s: ${tail()}`);
    }, timeoutMs);
    // Keep reading its log (a full pipe would block the server); only the start is kept.
    proc.stderr!.on('data', (b: Buffer) => {
      if (log.length > 64_000) return;
      log += b.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(t);
        resolve(true);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(`exited with ${code}: ${tail()}`);
    });
  });
}

const banner = (port: number, dir: string) => `
  ┌──────────────────────────────────────────────────────────────────────────┐
  │  DEVELOPMENT SETUP — NOT FOR REAL KEYS                                   │
  │  Unencrypted node identities, storage keys and a development initiator   │
  │  key on disk; plaintext NATS on 127.0.0.1 (nkey users, no anonymous).    │
  │  Production: one "tessera node start --config …" per machine (README).   │
  └──────────────────────────────────────────────────────────────────────────┘

  Tessera: 3 nodes, HTTP API on http://127.0.0.1:${port} (docs: /docs, /openapi.json)

  Try it (in another terminal):
    npx tessera keygen --threshold 2
    npx tessera sign --key <keyId> --curve ed25519 --message 68656c6c6f
    npx tessera sign --key <keyId> --curve secp256k1 --message $(printf hello | sha256sum | cut -c1-64)
    curl -s http://127.0.0.1:${port}/readyz

  Ctrl-C stops the cluster; keys stay in ${dir}.
`;

/** Runs the development cluster until interrupted. */
export async function dev(argv: string[]): Promise<number> {
  const v = parseArgs({ args: argv, strict: true, options: { dir: { type: 'string', default: DEV_DIR }, port: { type: 'string', default: '8080' } } }).values;
  const dir = resolve(v.dir!);
  const port = Number(v.port);
  await scaffold(dir);
  for (const i of NODES.keys()) if (!(await portFree(port + i))) throw new UsageError(`port ${port + i} is in use (is another Tessera running?); pass --port`);
  const nats = await startNats(dir);
  if (!nats) return inProcess(dir, port);
  const nodes = NODES.map((nodeId, i) => startNodeProcess(configFor(dir, nodeId, i, nats.url, port), nodeId));
  const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));
  const stopAll = async () => {
    for (const n of nodes) n.kill('SIGTERM');
    await Promise.race([Promise.all(nodes.map(exited)), new Promise((r) => setTimeout(r, 20_000))]);
    nats.proc.kill('SIGTERM');
  };
  process.stderr.write('starting nats-server and 3 nodes…\n');
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    if (nodes.some((n) => n.exitCode !== null)) break;
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    ready = r?.status === 200;
    if (!ready) await new Promise((res) => setTimeout(res, 100));
  }
  if (!ready) {
    await stopAll();
    throw new Error('the local cluster did not become ready within 60 s (see the node output above)');
  }
  console.log(banner(port, v.dir!));
  await interrupted();
  await stopAll();
  process.exit(0);
}

const interrupted = () =>
  new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  }).then(() => void process.stderr.write('stopping…\n'));

/** Without nats-server: the three nodes in this process over the in-process bus. */
async function inProcess(dir: string, port: number): Promise<number> {
  process.stderr.write('nats-server is not on PATH: running the 3 nodes in this process over an in-process bus (no durability, one core). For the real engine install nats-server (apt-get install nats-server, brew install nats-server).\n');
  const bus = memoryBus();
  const log = pino({ level: process.env.TESSERA_LOG_LEVEL ?? 'warn' });
  const nodes: RunningNode[] = [];
  try {
    for (const [i, nodeId] of NODES.entries()) nodes.push(await startNode(loadConfig(configFor(dir, nodeId, i, 'memory://', port)), log.child({ nodeId }), bus));
  } catch (e) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw e;
  }
  console.log(banner(port, dir));
  await interrupted();
  await Promise.allSettled(nodes.map((n) => n.stop()));
  process.exit(0);
}
