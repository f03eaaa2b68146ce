/**
 * A throwaway cluster for `tessera bench`: a real nats-server (JetStream, monitoring port for
 * byte counts) and N node processes under a chosen runtime, each serving the HTTP API.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import { provisionCluster } from '../node/provision.ts';
import { randomHex, startNatsServer } from '../runtime/nats-server.ts';
import { spawnNode } from '../runtime/node-process.ts';
import { freePort } from '../runtime/ports.ts';
import type { Runtime } from '../runtime/runtimes.ts';

export type { Runtime };

/** A running bench cluster. */
export interface BenchCluster {
  urls: string[];
  nodeIds: string[];
  manifest: Manifest;
  initiator: InitiatorSecret;
  pids: number[];
  /** nats-server's client URL (absent for an external cluster). */
  natsUrl?: string;
  /** Total bytes nats-server received from clients so far. */
  natsInBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts nats-server and `nodes` node processes under `runtime`. */
export async function startBenchCluster(opts: {
  nodes: number;
  runtime: Runtime;
  maxInflight?: number;
  log?: (s: string) => void;
  presign?: { pool: number; concurrency?: number; budget?: number };
}): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  // JetStream encrypted at rest, as in production (the key by environment, never argv or a file).
  // No authorization block: a throwaway server on 127.0.0.1, and the numbers stay comparable with
  // earlier runs (nodes send no credential when the server asks for none).
  const nats = await startNatsServer({
    dir,
    monitor: true,
    jetStream: { key: randomHex(32) },
    readyTimeoutMs: 60_000,
  });
  const nodeIds = Array.from({ length: opts.nodes }, (_, i) => `node${i}`);
  const cluster = await provisionCluster(dir, {
    cluster: 'bench',
    nodes: nodeIds,
    initiator: 'bench',
  });
  const ports: number[] = [];
  for (const nodeId of nodeIds) ports.push(await freePort());
  const configs = nodeIds.map((nodeId, i) =>
    cluster.configure(nodeId, {
      nats: { servers: [nats.url] },
      maxConcurrent: 256,
      ...(opts.presign ? { presign: opts.presign } : {}),
      api: { host: '127.0.0.1', port: ports[i], maxInflight: opts.maxInflight ?? 1024 },
    }),
  );
  const nodes = configs.map((config, i) =>
    spawnNode(config, { runtime: opts.runtime, label: nodeIds[i] }),
  );
  try {
    await Promise.all(nodes.map((n) => n.started(60_000)));
  } catch (e) {
    await Promise.all([...nodes.map((n) => n.stop('SIGKILL')), nats.stop()]);
    throw e;
  }
  // Quiet from here on: a chatty node never blocks, and the bench process parses none of it.
  for (const n of nodes) n.quiet();
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${urls[0]}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    urls,
    nodeIds,
    manifest: cluster.manifest,
    initiator: cluster.initiator,
    pids: nodes.map((n) => n.proc.pid!),
    natsUrl: nats.url,
    async natsInBytes() {
      const v = (await (await fetch(`${nats.monitorUrl}/varz`)).json()) as { in_bytes: number };
      return v.in_bytes;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      await nats.stop();
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
