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
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../api/server.ts';
import { memoryBus } from '../node/bus/bus.ts';
import { loadConfig } from '../node/config.ts';
import { validateManifest } from '../node/identity/manifest.ts';
import { natsAuthorizationOf, provisionCluster, writeNodeConfig } from '../node/provision.ts';
import {
  keyFile,
  natsServerOnPath,
  startNatsServer,
  type NatsServer,
} from '../runtime/nats-server.ts';
import { spawnNode, type NodeProcess } from '../runtime/node-process.ts';
import { portFree } from '../runtime/ports.ts';
import { UsageError } from './args.ts';
import { DEV_DIR } from './api.ts';

const NODES = ['node0', 'node1', 'node2'];

/** Makes the development identities, keys and manifest (once). */
async function scaffold(dir: string): Promise<void> {
  if (existsSync(join(dir, 'cluster.json'))) return;
  // JetStream state left from a cluster this one replaces (its anchors, requests) is not ours.
  rmSync(join(dir, 'nats'), { recursive: true, force: true });
  await provisionCluster(dir, {
    cluster: 'dev',
    nodes: NODES,
    initiator: 'dev',
    initiatorKeyFile: true,
  });
}

const configFor = (dir: string, nodeId: string, i: number, natsUrl: string, apiPort: number) =>
  writeNodeConfig(dir, nodeId, {
    nats: { servers: [natsUrl] },
    api: { host: '127.0.0.1', port: apiPort + i },
    // Signings by the default signer set run in one round on a presignature made ahead.
    presign: { pool: 8 },
  });

/** nats-server on the first free port from 4222, JetStream encrypted at rest, only the cluster's users. */
function startNats(dir: string): Promise<NatsServer> {
  const authorization = natsAuthorizationOf(
    dir,
    validateManifest(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8'))),
  );
  // The key is made once (an existing plaintext store is encrypted on start).
  const key = keyFile(join(dir, 'nats.jetstream.key'));
  return startNatsServer({
    dir,
    portFrom: 4222,
    jetStream: { key, storeDir: join(dir, 'nats') },
    config: [authorization],
  });
}

/** A node process whose log lines (warnings and errors by default) are shown prefixed. */
const nodeProcess = (config: string, nodeId: string): NodeProcess =>
  spawnNode(config, {
    label: nodeId,
    logLevel: process.env.TESSERA_LOG_LEVEL ?? 'warn',
    stderr: 'inherit',
    onLine: (line) => void process.stderr.write(`[${nodeId}] ${line}\n`),
  });

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
  const v = parseArgs({
    args: argv,
    strict: true,
    options: {
      dir: { type: 'string', default: DEV_DIR },
      port: { type: 'string', default: '8080' },
    },
  }).values;
  const dir = resolve(v.dir!);
  const port = Number(v.port);
  await scaffold(dir);
  for (const i of NODES.keys())
    if (!(await portFree(port + i)))
      throw new UsageError(`port ${port + i} is in use (is another Tessera running?); pass --port`);
  if (!natsServerOnPath()) return inProcess(dir, port);
  const nats = await startNats(dir);
  const nodes = NODES.map((nodeId, i) =>
    nodeProcess(configFor(dir, nodeId, i, nats.url, port), nodeId),
  );
  const stopAll = async () => {
    await Promise.race([
      Promise.all(nodes.map((n) => n.stop())),
      new Promise((r) => setTimeout(r, 20_000)),
    ]);
    await nats.stop();
  };
  process.stderr.write('starting nats-server and 3 nodes…\n');
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    if (nodes.some((n) => n.hasExited())) break;
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    ready = r?.status === 200;
    if (!ready) await new Promise((res) => setTimeout(res, 100));
  }
  if (!ready) {
    await stopAll();
    throw new Error(
      'the local cluster did not become ready within 60 s (see the node output above)',
    );
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
  process.stderr.write(
    'nats-server is not on PATH: running the 3 nodes in this process over an in-process bus (no durability, one core). For the real engine install nats-server (apt-get install nats-server, brew install nats-server).\n',
  );
  const bus = memoryBus();
  const log = pino({ level: process.env.TESSERA_LOG_LEVEL ?? 'warn' });
  const nodes: RunningNode[] = [];
  try {
    for (const [i, nodeId] of NODES.entries())
      nodes.push(
        await startNode(
          loadConfig(configFor(dir, nodeId, i, 'memory://', port)),
          log.child({ nodeId }),
          bus,
        ),
      );
  } catch (e) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw e;
  }
  console.log(banner(port, dir));
  await interrupted();
  await Promise.allSettled(nodes.map((n) => n.stop()));
  process.exit(0);
}
