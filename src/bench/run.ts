/**
 * `tessera bench`: keygen time, signing latency (HTTP request to verified signature), throughput
 * at several concurrencies, bytes on the wire and node memory, against a real cluster. Prints a
 * table, writes JSON to bench/results/<date>-<runtime>.json, and optionally soaks.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  TesseraApiError,
  TesseraClient,
  type KeyInfo,
  type SignatureResult,
} from '../client/http.ts';
import { verifySignature } from '../client/verify.ts';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import type { Curve } from '../node/requests/requests.ts';
import { pct, median, round } from './stats.ts';
import { rssOf, startBenchCluster, type BenchCluster, type Runtime } from './cluster.ts';
import { presignBench } from './presign.ts';

/** Options of one bench run. */
export interface BenchOptions {
  runtime: Runtime;
  /** Sequential signatures per latency row. */
  samples: number;
  /** Keygen repetitions per row. */
  keygens: number;
  concurrency: number[];
  /** Signatures per concurrency level = max(minPerLevel, level × perWorker). */
  perWorker: number;
  minPerLevel: number;
  /** Minutes to hold 70 % of saturation (0 = no soak). */
  soakMinutes: number;
  progress: boolean;
  /** Measure a running cluster instead of starting one (RSS and byte counts are then unknown). */
  target?: { urls: string[]; manifest: Manifest; initiator: InitiatorSecret };
}

/** A one-line progress display on stderr. */
class Progress {
  private label = '';
  private finished = '';
  constructor(private readonly on: boolean) {}
  step(label: string, done: number, total: number): void {
    if (!this.on) return;
    const width = 24;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const line = `[bench] ${label.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    const first = this.label !== label;
    const last = done === total && this.finished !== label;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${last ? '\n' : ''}`);
    else if (first || last) process.stderr.write(`${line}\n`);
    this.label = label;
    if (last) this.finished = label;
  }
  note(s: string): void {
    if (this.on) process.stderr.write(`[bench] ${s}\n`);
  }
}

let counter = 0;
const digest = () =>
  sha256(new TextEncoder().encode(`bench ${Date.now()} ${counter++} ${Math.random()}`));

/** The last answer of each curve's signing (for the verification cost). */
const lastAnswer = new Map<
  Curve,
  { result: SignatureResult; message: string; signers: string[] }
>();

/** Signs once; returns milliseconds (request to verified signature). */
async function signOnce(
  c: TesseraClient,
  key: KeyInfo,
  curve: Curve,
  signers: string[],
): Promise<number> {
  const t0 = performance.now();
  const message = curve === 'secp256k1' ? digest() : bytesToHex(digest());
  const result = await c.sign(key.keyId, { curve, message, signers });
  const ms = performance.now() - t0;
  lastAnswer.set(curve, {
    result,
    message: typeof message === 'string' ? message : bytesToHex(message),
    signers,
  });
  return ms;
}

/**
 * What the client's checks of one signing cost (median µs of repeated runs on a real answer): all
 * of them (each signer's attestation and its content, then the signature under the key), and the
 * signature check alone, which a client did before it checked attestations.
 */
function verificationCost(
  manifest: Manifest,
  key: KeyInfo,
  curve: Curve,
): { checksUs: number; signatureOnlyUs: number } | undefined {
  const a = lastAnswer.get(curve);
  if (!a) return undefined;
  const verified = {
    keyId: key.keyId,
    threshold: key.threshold,
    parties: key.parties,
    curves: key.curves ?? [curve],
    publicKeys: key.publicKeys,
    chainCode: key.chainCode,
    epoch: key.epoch ?? '',
  };
  const op = { keyId: key.keyId, curve, message: a.message, signers: a.signers };
  const body = a.result as unknown as Record<string, unknown>;
  const sig = hexToBytes(a.result.signature);
  const msg = hexToBytes(a.message);
  const pub = hexToBytes(a.result.publicKey);
  const all = () => verifySignature(manifest, body, a.result.requestId, op, verified);
  const alone = () =>
    void (curve === 'ed25519'
      ? ed25519.verify(sig, msg, pub)
      : secp256k1.verify(sig, msg, pub, { prehash: false }));
  // Interleaved, so that both see the same machine; the first 50 of each (warm-up) are dropped.
  const xs: number[] = [];
  const ys: number[] = [];
  const us = (f: () => void) => {
    const t0 = performance.now();
    f();
    return (performance.now() - t0) * 1000;
  };
  for (let i = 0; i < 500; i++) {
    xs.push(us(all));
    ys.push(us(alone));
  }
  return {
    checksUs: round(median(xs.slice(50)), 0),
    signatureOnlyUs: round(median(ys.slice(50)), 0),
  };
}

/** Runs `total` signatures with `workers` in flight, round-robin over the API nodes. */
async function load(
  clients: TesseraClient[],
  key: KeyInfo,
  curve: Curve,
  signers: string[],
  workers: number,
  total: number,
  tick: (n: number) => void,
  rss?: { pids: number[]; peak: number },
) {
  let next = 0;
  let done = 0;
  const errors: Record<string, number> = {};
  const lat: number[] = [];
  const sampler =
    rss && setInterval(() => (rss.peak = Math.max(rss.peak, ...rss.pids.map(rssOf))), 200);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (next < total) {
        next++;
        try {
          lat.push(await signOnce(clients[(w + next) % clients.length]!, key, curve, signers));
        } catch (e) {
          const code = e instanceof TesseraApiError ? `${e.status} ${e.code}` : (e as Error).name;
          errors[code] = (errors[code] ?? 0) + 1;
        }
        tick(++done);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  if (sampler) clearInterval(sampler);
  lat.sort((a, b) => a - b);
  return { perS: lat.length / s, errors, p50: pct(lat, 50), p99: pct(lat, 99), ok: lat.length };
}

/** One full run against a fresh cluster under `opts.runtime`. */
export async function bench(opts: BenchOptions) {
  const p = new Progress(opts.progress);
  let cluster: BenchCluster;
  if (opts.target) {
    const t = opts.target;
    cluster = {
      urls: t.urls,
      nodeIds: t.manifest.nodes.map((n) => n.nodeId),
      manifest: t.manifest,
      initiator: t.initiator,
      pids: [],
      natsInBytes: async () => NaN,
      stop: async () => undefined,
    };
  } else {
    p.note(`starting nats-server and 5 nodes under ${opts.runtime}`);
    cluster = await startBenchCluster({
      nodes: 5,
      runtime: opts.runtime,
      maxInflight: opts.soakMinutes ? 64 : 1024,
    });
  }
  const clients = cluster.urls
    .slice(0, 3)
    .map(
      (url) => new TesseraClient({ url, initiator: cluster.initiator, manifest: cluster.manifest }),
    );
  let stopped = false;
  const c = clients[0]!;
  const three = cluster.nodeIds.slice(0, 3);
  try {
    const idleRss = cluster.pids.slice(0, 3).map(rssOf);
    // Keygen (both curves).
    const keygen: Record<string, { ms: number; bytes: number }> = {};
    const keys: Record<string, KeyInfo> = {};
    for (const [t, n] of (
      [
        [2, 3],
        [3, 5],
        [3, 3],
      ] as const
    ).filter(([, n]) => n <= cluster.nodeIds.length)) {
      const label = `${t}-of-${n}`;
      const times: number[] = [];
      const bytes: number[] = [];
      const reps = label === '3-of-3' ? 1 : opts.keygens;
      for (let i = 0; i < reps; i++) {
        p.step(`keygen ${label} (both curves)`, i, reps);
        const b0 = await cluster.natsInBytes();
        const t0 = performance.now();
        keys[label] = await c.createKey({ threshold: t, parties: cluster.nodeIds.slice(0, n) });
        times.push(performance.now() - t0);
        bytes.push((await cluster.natsInBytes()) - b0);
      }
      p.step(`keygen ${label} (both curves)`, reps, reps);
      if (label !== '3-of-3') keygen[label] = { ms: median(times), bytes: median(bytes) };
    }
    // Unloaded latency, request to verified signature, one at a time.
    const latency: Record<string, { p50: number; p90: number; p99: number; bytesPerSign: number }> =
      {};
    for (const curve of ['secp256k1', 'ed25519'] as Curve[]) {
      for (const label of ['2-of-3', '3-of-3']) {
        const key = keys[label]!;
        const signers = three.slice(0, key.threshold);
        for (let i = 0; i < 5; i++) await signOnce(c, key, curve, signers);
        const lat: number[] = [];
        const b0 = await cluster.natsInBytes();
        for (let i = 0; i < opts.samples; i++) {
          p.step(`latency ${curve} ${label}`, i, opts.samples);
          lat.push(await signOnce(c, key, curve, signers));
        }
        p.step(`latency ${curve} ${label}`, opts.samples, opts.samples);
        const bytes = ((await cluster.natsInBytes()) - b0) / opts.samples;
        lat.sort((a, b) => a - b);
        latency[`${curve} ${label}`] = {
          p50: pct(lat, 50),
          p90: pct(lat, 90),
          p99: pct(lat, 99),
          bytesPerSign: bytes,
        };
      }
    }
    const verification = Object.fromEntries(
      (['secp256k1', 'ed25519'] as Curve[]).map((curve) => [
        curve,
        verificationCost(cluster.manifest, keys['3-of-3']!, curve),
      ]),
    );
    // Throughput at each concurrency (zero failures required).
    const throughput: Record<
      string,
      Record<number, { perS: number; errors: Record<string, number>; p50: number; p99: number }>
    > = {};
    const rss = { pids: cluster.pids.slice(0, 3), peak: 0 };
    for (const [curve, label] of [
      ['secp256k1', '3-of-3'],
      ['secp256k1', '2-of-3'],
      ['ed25519', '2-of-3'],
    ] as [Curve, string][]) {
      const key = keys[label]!;
      const row: Record<
        number,
        { perS: number; errors: Record<string, number>; p50: number; p99: number }
      > = {};
      for (const workers of opts.concurrency) {
        const total = Math.max(opts.minPerLevel, workers * opts.perWorker);
        const name = `throughput ${curve} ${label} ×${workers}`;
        row[workers] = await load(
          clients,
          key,
          curve,
          three.slice(0, key.threshold),
          workers,
          total,
          (n) => p.step(name, n, total),
          rss,
        );
      }
      throughput[`${curve} ${label}`] = row;
    }
    const loadRss = rss.peak;
    let soak: Record<string, unknown> | undefined;
    if (opts.soakMinutes > 0)
      soak = await soakRun(
        clients,
        keys['2-of-3']!,
        three.slice(0, 2),
        throughput['secp256k1 2-of-3']!,
        opts.soakMinutes,
        p,
      );
    const out = {
      runtime: opts.target ? 'external' : opts.runtime,
      keygen,
      latency,
      verification,
      throughput,
      rss: {
        idleMiB: idleRss.map((b) => round(b / 2 ** 20)),
        peakUnderLoadMiB: round(loadRss / 2 ** 20),
      },
      soak,
    };
    stopped = true;
    await cluster.stop();
    // The one-round path, on a cluster of its own with presignature pools.
    const presign = opts.target
      ? undefined
      : await presignBench({ runtime: opts.runtime, samples: opts.samples, log: (s) => p.note(s) });
    return { ...out, presign };
  } finally {
    if (!stopped) await cluster.stop();
  }
}

/**
 * Soak: the saturation rate is the best ECDSA 2-of-3 throughput; hold 70 % of it (open loop,
 * fixed arrival rate) for `minutes`, then burst far beyond the API's in-flight cap and count
 * the typed refusals (429/503) instead of unbounded queueing.
 */
async function soakRun(
  clients: TesseraClient[],
  key: KeyInfo,
  signers: string[],
  levels: Record<number, { perS: number }>,
  minutes: number,
  p: Progress,
) {
  const saturation = Math.max(...Object.values(levels).map((l) => l.perS));
  const rate = saturation * 0.7;
  const until = performance.now() + minutes * 60_000;
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      const c = clients[sent++ % clients.length]!;
      const pr = signOnce(c, key, 'secp256k1', signers)
        .then((ms) => void lat.push(ms))
        .catch((e) => {
          const code = e instanceof TesseraApiError ? `${e.status} ${e.code}` : (e as Error).name;
          errors[code] = (errors[code] ?? 0) + 1;
        })
        .finally(() => inflight.delete(pr));
      inflight.add(pr);
    }
    p.step(
      `soak at ${round(rate)}/s for ${minutes} min`,
      Math.round((performance.now() - t0) / 1000),
      minutes * 60,
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all(inflight);
  lat.sort((a, b) => a - b);
  // Overload: 8× the in-flight cap at once.
  const burst = 512;
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: burst }, (_, i) =>
      signOnce(clients[i % clients.length]!, key, 'secp256k1', signers)
        .then(() => void (statuses['200'] = (statuses['200'] ?? 0) + 1))
        .catch((e) => {
          const code = e instanceof TesseraApiError ? `${e.status} ${e.code}` : (e as Error).name;
          statuses[code] = (statuses[code] ?? 0) + 1;
        }),
    ),
  );
  return {
    saturationPerS: round(saturation),
    ratePerS: round(rate),
    minutes,
    signatures: lat.length,
    errors,
    p50Ms: round(pct(lat, 50)),
    p99Ms: round(pct(lat, 99)),
    p99OverP50: round(pct(lat, 99) / pct(lat, 50), 2),
    overload: { concurrent: burst, statuses },
  };
}

type Result = Awaited<ReturnType<typeof bench>>;

/** The `--json` summary. */
export function summary(r: Result) {
  const best = (row?: Record<number, { perS: number; errors: Record<string, number> }>) =>
    round(
      Math.max(
        0,
        ...Object.values(row ?? {})
          .filter((l) => !Object.keys(l.errors).length)
          .map((l) => l.perS),
      ),
    );
  const e = r.latency['secp256k1 2-of-3']!;
  const d = r.latency['ed25519 2-of-3']!;
  return {
    runtime: r.runtime,
    ecdsa: {
      p50Ms: round(e.p50),
      p99Ms: round(e.p99),
      throughputPerS: best(r.throughput['secp256k1 3-of-3']),
      bytesPerSign: Math.round(r.latency['secp256k1 3-of-3']!.bytesPerSign),
    },
    eddsa: {
      p50Ms: round(d.p50),
      p99Ms: round(d.p99),
      throughputPerS: best(r.throughput['ed25519 2-of-3']),
    },
    presigned: r.presign && {
      ecdsa2of3: r.presign.latency['secp256k1 2-of-3'],
      eddsa2of3: r.presign.latency['ed25519 2-of-3'],
      ecdsa3of3: r.presign.latency['secp256k1 3-of-3'],
      throughput: r.presign.throughput,
      generation: r.presign.generation,
      rss: r.presign.rss,
    },
    keygenMs: Math.round(r.keygen['2-of-3']!.ms),
    clientChecksUs: {
      ecdsa: r.verification.secp256k1?.checksUs,
      eddsa: r.verification.ed25519?.checksUs,
    },
  };
}

/** The human table. */
export function table(r: Result): string {
  const out: string[] = [];
  out.push(
    `runtime: ${r.runtime}`,
    '',
    '| keygen (both curves) | median ms | bytes into NATS |',
    '|---|---|---|',
  );
  for (const [k, v] of Object.entries(r.keygen))
    out.push(`| ${k} | ${Math.round(v.ms)} | ${Math.round(v.bytes).toLocaleString('en')} |`);
  out.push(
    '',
    '| signing, unloaded | p50 ms | p90 ms | p99 ms | bytes into NATS / signature |',
    '|---|---|---|---|---|',
  );
  for (const [k, v] of Object.entries(r.latency))
    out.push(
      `| ${k} | ${round(v.p50)} | ${round(v.p90)} | ${round(v.p99)} | ${Math.round(v.bytesPerSign).toLocaleString('en')} |`,
    );
  out.push(
    '',
    '| client checks of one signing (3-of-3) | all checks µs | signature alone µs |',
    '|---|---|---|',
  );
  for (const [k, v] of Object.entries(r.verification))
    if (v) out.push(`| ${k} | ${v.checksUs} | ${v.signatureOnlyUs} |`);
  const levels = Object.keys(Object.values(r.throughput)[0] ?? {});
  out.push(
    '',
    `| throughput (signatures/s) | ${levels.map((l) => `×${l}`).join(' | ')} |`,
    `|---|${levels.map(() => '---').join('|')}|`,
  );
  for (const [k, row] of Object.entries(r.throughput)) {
    out.push(
      `| ${k} | ${levels
        .map((l) => {
          const x = row[Number(l)]!;
          const errs = Object.entries(x.errors)
            .map(([c, n]) => `${n}×${c}`)
            .join(', ');
          return `${round(x.perS)}${errs ? ` (errors: ${errs})` : ''}`;
        })
        .join(' | ')} |`,
    );
  }
  out.push(
    '',
    `node RSS: idle ${r.rss.idleMiB.join(' / ')} MiB; peak under load ${r.rss.peakUnderLoadMiB} MiB`,
  );
  if (r.presign) {
    const ps = r.presign;
    out.push(
      '',
      `| one-round signing, warm pool (${ps.pool} per pool) | p50 ms | p90 ms | p99 ms | bytes into NATS / signature | on a presignature |`,
      '|---|---|---|---|---|---|',
    );
    for (const [k, v] of Object.entries(ps.latency))
      out.push(
        `| ${k} | ${v.p50} | ${v.p90} | ${v.p99} | ${v.bytesPerSign.toLocaleString('en')} | ${v.presigned} |`,
      );
    out.push(
      '',
      '| presignature generation | per s | bytes into NATS / presignature |',
      '|---|---|---|',
    );
    for (const [k, v] of Object.entries(ps.generation))
      out.push(`| ${k} | ${v.perS} | ${v.bytesPerPresignature.toLocaleString('en')} |`);
    out.push(
      '',
      '| throughput on presignatures | workers | warm pool /s | presignatures paid for /s | on a presignature |',
      '|---|---|---|---|---|',
    );
    for (const [k, v] of Object.entries(ps.throughput))
      out.push(
        `| ${k} | ×${v.workers} | ${v.warmPerS} | ${v.sustainedPerS} | ${v.presigned}/${v.signings}${v.errors ? ` (${v.errors} errors)` : ''} |`,
      );
    out.push(
      '',
      `node RSS (presign cluster): idle ${ps.rss.idleMiB.join(' / ')} MiB; peak ${ps.rss.peakMiB} MiB`,
    );
  }
  if (r.soak) out.push('', `soak: ${JSON.stringify(r.soak)}`);
  return out.join('\n');
}

/** Writes bench/results/<date>-<runtime>.json. */
export function save(r: Result): string {
  mkdirSync('bench/results', { recursive: true });
  const path = `bench/results/${new Date().toISOString().slice(0, 10)}-${r.runtime}${r.soak ? '-soak' : ''}.json`;
  writeFileSync(
    path,
    JSON.stringify({ date: new Date().toISOString(), summary: summary(r), ...r }, null, 2) + '\n',
  );
  return path;
}
