/**
 * `tessera bench` (`npm run bench`): starts nats-server and five node processes per runtime and
 * measures them (see src/bench/run.ts).
 * @module
 */
import process from 'node:process';
import { parseArgs } from 'node:util';
import { bench, save, summary, table } from '../bench/run.ts';
import type { Runtime } from '../bench/cluster.ts';
import { readFileSync } from 'node:fs';
import { validateManifest } from '../node/identity/manifest.ts';
import { loadInitiator } from './api.ts';
import { UsageError } from './args.ts';

export const usage = `usage: tessera bench [--runtime node|bun|deno|all] [--samples 100] [--keygens 3]
                     [--concurrency 1,8,32,128] [--soak MINUTES] [--quick] [--json]
                     [--url http://a:8080,http://b:8080 --initiator-key FILE --manifest cluster.json]
  Starts a real nats-server and 5 node processes under each runtime; measures keygen (2-of-3 and
  3-of-5, both curves), signing latency p50/p90/p99 (HTTP request to verified signature) at
  2-of-3 and 3-of-3, throughput at each concurrency, bytes on the wire and node RSS.
  With --url it measures a running cluster instead (its first 3 nodes sign; no RSS or byte counts).
  Writes bench/results/<date>-<runtime>.json; --json prints the summary per runtime.`;

/** Runs the benchmark. */
export async function benchCommand(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        runtime: { type: 'string', default: 'node' },
        samples: { type: 'string' },
        keygens: { type: 'string' },
        concurrency: { type: 'string' },
        soak: { type: 'string', default: '0' },
        url: { type: 'string' },
        'initiator-key': { type: 'string' },
        manifest: { type: 'string' },
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  if (v.help) {
    console.log(usage);
    return 0;
  }
  const target = v.url
    ? {
        urls: v.url.split(','),
        manifest: validateManifest(JSON.parse(readFileSync(v.manifest ?? 'cluster.json', 'utf8'))),
        initiator: loadInitiator(v['initiator-key'] ?? 'initiator.key'),
      }
    : undefined;
  const runtimes: Runtime[] = target
    ? ['node']
    : v.runtime === 'all'
      ? ['node', 'bun', 'deno']
      : [v.runtime as Runtime];
  if (runtimes.some((r) => !['node', 'bun', 'deno'].includes(r)))
    throw new UsageError('--runtime must be node, bun, deno or all');
  const int = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
  for (const runtime of runtimes) {
    const r = await bench({
      runtime,
      samples: int(v.samples, v.quick ? 20 : 100),
      keygens: int(v.keygens, v.quick ? 1 : 3),
      concurrency: v.concurrency ? v.concurrency.split(',').map(Number) : [1, 8, 32, 128],
      perWorker: v.quick ? 2 : 4,
      minPerLevel: v.quick ? 20 : 50,
      soakMinutes: Number(v.soak),
      target,
      progress: !v.json || process.stderr.isTTY,
    });
    const path = save(r);
    if (v.json) console.log(JSON.stringify(summary(r)));
    else console.log(`${table(r)}\n\nwrote ${path}\n`);
  }
  return 0;
}
