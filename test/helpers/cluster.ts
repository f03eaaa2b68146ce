/** A local cluster for integration tests: identities, manifest, configs and node processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { generateIdentity, sealPrivateIdentity } from '../../src/node/identity.ts';
import { addInitiator, addNode, emptyManifest, type Manifest } from '../../src/node/manifest.ts';
import type { makeCerts } from './nats.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Writes identities, an initiator key, the manifest and one config per node. */
export async function makeCluster(dir: string, nodes: string[], natsUrl: string, certs?: ReturnType<typeof makeCerts>): Promise<{ manifest: Manifest; initiator: Uint8Array; configs: string[] }> {
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
      nats: { servers: [natsUrl], tls: certs ? { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey } : undefined },
      storage: { driver: 'fs', base: `data/${nodeId}`, keyFile: `${nodeId}.storage.key` },
      audit: `${nodeId}.audit.jsonl`,
      timeouts: { roundMs: 8000, sessionMs: 60000 },
      production: Boolean(certs),
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

/** A node process and its JSON log lines. */
export interface NodeProcess {
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `tessera node start --config <path>` under Node and waits for its node_started log. */
export async function startNode(config: string, wrap: string[] = []): Promise<NodeProcess> {
  // Node processes always run under Node here, whichever runtime runs the test suite.
  const nodeBin = process.versions.bun || (process.versions as Record<string, string>).deno ? 'node' : process.execPath;
  const argv = [nodeBin, '--import', 'tsx', join(ROOT, 'src/cli.ts'), 'node', 'start', '--config', config];
  const proc = spawn(wrap.length ? wrap[0]! : argv[0]!, wrap.length ? [...wrap.slice(1), ...argv] : argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'info' } });
  const logs: Record<string, unknown>[] = [];
  // Track exit ourselves: Deno's node:child_process does not always set exitCode.
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve((exited = code))));
  let buf = '';
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const started = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node did not start: ${err}`)), 30_000);
    proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
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
