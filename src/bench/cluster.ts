/**
 * A throwaway cluster for `tessera bench`: a real nats-server (JetStream, monitoring port for
 * byte counts) and N node processes under a chosen runtime, each serving the HTTP API.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import { generateIdentity, sealPrivateIdentity } from '../node/identity/identity.ts';
import { addInitiator, addNode, emptyManifest, type Manifest } from '../node/identity/manifest.ts';
import { cliArgv, freePort, type Runtime } from '../cli/runtime.ts';

export type { Runtime };

/** A running bench cluster. */
export interface BenchCluster {
  urls: string[];
  nodeIds: string[];
  manifest: Manifest;
  initiator: InitiatorSecret;
  pids: number[];
  /** Total bytes nats-server received from clients so far. */
  natsInBytes(): Promise<number>;
  stop(): Promise<void>;
}

function waitFor(proc: ChildProcess, what: RegExp, label: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const t = setTimeout(() => reject(new Error(`${label} did not start: ${log.slice(-2000)}`)), ms);
    const on = (b: Buffer) => {
      log += b.toString();
      if (what.test(log)) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
    proc.once('exit', (code) => reject(new Error(`${label} exited (${code}): ${log.slice(-2000)}`)));
  });
}

/** Starts nats-server and `nodes` node processes under `runtime`. */
export async function startBenchCluster(opts: { nodes: number; runtime: Runtime; maxInflight?: number; log?: (s: string) => void }): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const [natsPort, monitorPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'js'));
  // JetStream encrypted at rest, as in production (the key by environment, never argv or a file).
  // No authorization block: a throwaway server on 127.0.0.1, and the numbers stay comparable with
  // earlier runs (nodes send no credential when the server asks for none).
  writeFileSync(join(dir, 'nats.conf'), `listen: "127.0.0.1:${natsPort}"\nhttp: "127.0.0.1:${monitorPort}"\njetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, cipher: chachapoly, key: $TESSERA_JS_KEY }\n`);
  const jsKey = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
  const nats = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_JS_KEY: JSON.stringify(jsKey) } }); // quoted: nats-server lexes the value, and a hex key like 9e99… is a number to it
  await waitFor(nats, /Server is ready/, 'nats-server');
  const nodeIds = Array.from({ length: opts.nodes }, (_, i) => `node${i}`);
  let manifest = emptyManifest('bench');
  const ports: number[] = [];
  for (const nodeId of nodeIds) {
    const id = generateIdentity(nodeId);
    manifest = addNode(manifest, id.public);
    writeFileSync(join(dir, `${nodeId}.key`), await sealPrivateIdentity(id.private, undefined), { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, `${nodeId}.storage.key`), bytesToHex(crypto.getRandomValues(new Uint8Array(32))), { mode: 0o600, flag: 'wx' });
    const port = await freePort();
    ports.push(port);
    const cfg = {
      nodeId,
      manifest: 'cluster.json',
      identity: `${nodeId}.key`,
      nats: { servers: [`nats://127.0.0.1:${natsPort}`] },
      storage: { driver: 'fs', base: `data/${nodeId}`, keyFile: `${nodeId}.storage.key` },
      audit: `${nodeId}.audit.jsonl`,
      maxConcurrent: 256,
      api: { host: '127.0.0.1', port, maxInflight: opts.maxInflight ?? 1024 },
    };
    writeFileSync(join(dir, `${nodeId}.json`), JSON.stringify(cfg));
  }
  const secret = ed25519.utils.randomSecretKey();
  manifest = addInitiator(manifest, { id: 'bench', ed25519: bytesToHex(ed25519.getPublicKey(secret)) });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest));
  const [bin, ...pre] = cliArgv(opts.runtime);
  const procs = nodeIds.map((nodeId) => spawn(bin!, [...pre, 'node', 'start', '--config', join(dir, `${nodeId}.json`)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'info' } }));
  await Promise.all(procs.map((p, i) => waitFor(p, /"event":"node_started"/, nodeIds[i]!)));
  // Quiet from here on: drain the pipes so a chatty node never blocks.
  for (const p of procs) {
    p.stdout!.resume();
    p.stderr!.resume();
  }
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${urls[0]}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    urls,
    nodeIds,
    manifest,
    initiator: { id: 'bench', kind: 'ed25519', secretKey: secret },
    pids: procs.map((p) => p.pid!),
    async natsInBytes() {
      const v = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { in_bytes: number };
      return v.in_bytes;
    },
    async stop() {
      const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map(exited));
      nats.kill('SIGTERM');
      await exited(nats);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc; 0 elsewhere). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
