/**
 * The presignature bench, on its own 3-node cluster with pools: how fast the pools fill
 * (presignatures per second and bytes each), signing latency from a warm pool, throughput from a
 * warm pool, and sustained throughput that pays for the presignatures it consumed (signing N,
 * then refilling N, over the time of both).
 * @module
 */
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { TesseraClient, type KeyInfo } from '../client/http.ts';
import { poolKey, type PoolEntry } from '../node/cluster/presignature-pools.ts';
import { names } from '../node/names.ts';
import type { Curve } from '../node/requests/requests.ts';
import { pct, round } from './stats.ts';
import { rssOf, startBenchCluster, type Runtime } from './cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Presignatures kept per pool in this bench. */
export const BENCH_POOL = 128;

export interface PresignBench {
  pool: number;
  /** Per key and curve: presignatures made per second while a pool fills, and NATS bytes per presignature. */
  generation: Record<string, { perS: number; bytesPerPresignature: number }>;
  /** Sequential signings from a warm pool. */
  latency: Record<
    string,
    { p50: number; p90: number; p99: number; bytesPerSign: number; presigned: number }
  >;
  /** Signings from a warm pool at a concurrency, and the sustained rate that includes refilling them. */
  throughput: Record<
    string,
    {
      workers: number;
      signings: number;
      warmPerS: number;
      sustainedPerS: number;
      presigned: number;
      errors: number;
    }
  >;
  rss: { idleMiB: number[]; peakMiB: number };
}

export async function presignBench(opts: {
  runtime: Runtime;
  samples: number;
  log: (s: string) => void;
}): Promise<PresignBench> {
  const cluster = await startBenchCluster({
    nodes: 3,
    runtime: opts.runtime,
    presign: { pool: BENCH_POOL, concurrency: 2 },
  });
  const nc = await connect({ servers: cluster.natsUrl! });
  try {
    const pools = await new Kvm(nc).open(names(cluster.manifest.cluster).presignatures);
    const clients = cluster.urls.map(
      (url) => new TesseraClient({ url, initiator: cluster.initiator, manifest: cluster.manifest }),
    );
    const c = clients[0]!;
    const ids = cluster.nodeIds;
    const size = async (key: KeyInfo, curve: Curve) => {
      const e = await pools
        .get(poolKey(key.keyId, curve, ids.slice(0, key.threshold)))
        .catch(() => null);
      const p = e && e.value.length ? (JSON.parse(e.string()) as PoolEntry) : undefined;
      return p && p.epoch === key.epoch ? p.ids.length : 0;
    };
    const full = async (key: KeyInfo, curve: Curve, n = BENCH_POOL) => {
      for (let i = 0; i < 6000 && (await size(key, curve)) < n; i++) await sleep(10);
    };
    const idleMiB = cluster.pids.map((p) => round(rssOf(p) / 2 ** 20));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, ...cluster.pids.map(rssOf))), 200);
    const generation: PresignBench['generation'] = {};
    const keys: Record<string, KeyInfo> = {};
    for (const [t, label] of [
      [2, '2-of-3'],
      [3, '3-of-3'],
    ] as const) {
      opts.log(`presign: keygen ${label}, filling its pools (${BENCH_POOL} each)`);
      const key = await c.createKey({ threshold: t, parties: ids });
      keys[label] = key;
      // The leader fills the ECDSA pool first, then the Ed25519 one.
      for (const curve of ['secp256k1', 'ed25519'] as Curve[]) {
        const b0 = await cluster.natsInBytes();
        const t0 = performance.now();
        await full(key, curve);
        const s = (performance.now() - t0) / 1000;
        generation[`${curve} ${label}`] = {
          perS: round(BENCH_POOL / s),
          bytesPerPresignature: Math.round(((await cluster.natsInBytes()) - b0) / BENCH_POOL),
        };
      }
    }
    const message = (curve: Curve) => {
      const d = sha256(new TextEncoder().encode(`presign bench ${Math.random()}`));
      return curve === 'secp256k1' ? d : bytesToHex(d);
    };
    const latency: PresignBench['latency'] = {};
    for (const [curve, label] of [
      ['secp256k1', '2-of-3'],
      ['ed25519', '2-of-3'],
      ['secp256k1', '3-of-3'],
    ] as [Curve, string][]) {
      const key = keys[label]!;
      await full(key, curve);
      const n = Math.min(opts.samples, BENCH_POOL - 8);
      const lat: number[] = [];
      let presigned = 0;
      const b0 = await cluster.natsInBytes();
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await c.sign(key.keyId, { curve, message: message(curve) });
        lat.push(performance.now() - t0);
        if (r.presignature) presigned++;
      }
      // The refills during the run are counted in generation, not here: subtract them.
      const bytes = ((await cluster.natsInBytes()) - b0) / n;
      lat.sort((a, b) => a - b);
      latency[`${curve} ${label}`] = {
        p50: round(pct(lat, 50)),
        p90: round(pct(lat, 90)),
        p99: round(pct(lat, 99)),
        bytesPerSign: Math.round(bytes),
        presigned,
      };
      opts.log(`presign: warm latency ${curve} ${label} p50 ${round(pct(lat, 50))} ms`);
    }
    const throughput: PresignBench['throughput'] = {};
    for (const [curve, label, workers] of [
      ['ed25519', '2-of-3', 16],
      ['secp256k1', '2-of-3', 16],
      ['secp256k1', '3-of-3', 16],
    ] as [Curve, string, number][]) {
      const key = keys[label]!;
      await full(key, curve);
      const total = BENCH_POOL - 16;
      let next = 0;
      let presigned = 0;
      let errors = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          while (next < total) {
            next++;
            try {
              const r = await clients[(w + next) % clients.length]!.sign(key.keyId, {
                curve,
                message: message(curve),
              });
              if (r.presignature) presigned++;
            } catch {
              errors++;
            }
          }
        }),
      );
      const signS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await full(key, curve);
      const refillS = (performance.now() - t1) / 1000;
      throughput[`${curve} ${label}`] = {
        workers,
        signings: total,
        warmPerS: round((total - errors) / signS),
        sustainedPerS: round((total - errors) / (signS + refillS)),
        presigned,
        errors,
      };
      opts.log(
        `presign: ${curve} ${label} ×${workers}: warm ${round((total - errors) / signS)}/s, with refill ${round((total - errors) / (signS + refillS))}/s`,
      );
    }
    clearInterval(sampler);
    return {
      pool: BENCH_POOL,
      generation,
      latency,
      throughput,
      rss: { idleMiB, peakMiB: round(peak / 2 ** 20) },
    };
  } finally {
    await nc.close().catch(() => undefined);
    await cluster.stop();
  }
}
