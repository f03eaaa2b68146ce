/**
 * `npm run bench:core`: per-party compute of the wasm core for DKLs23 keygen and each signing
 * round at 2-of-3, 3-of-3 and 3-of-5, bytes sent per party per signature, the same Rust built
 * natively (rustup stable) for the wasm/native ratio, and FROST(Ed25519) for reference.
 * Prints a table and writes JSON to bench/results/<date>-core-<runtime>.json.
 *   --iterations N   signings per configuration (default 20)
 *   --no-native      skip the native build
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EcdsaKeyShare, FrostKeyShare, OutgoingMessage } from '../src/core/index.ts';

// First-call costs: loading the core (module evaluation, wasm compile and instantiation), then
// the first use of each curve (k256 builds its generator tables on first use).
const wasmFile = new URL('../src/core/wasm/tessera_core_bg.wasm', import.meta.url);
const wasmBytes = readFileSync(wasmFile);
const loadStart = performance.now();
const {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  randomSeed,
  startEcdsaDkg,
  startEcdsaSign,
  startFrostDkg,
  startFrostSign,
} = await import('../src/core/index.ts');
const loadMs = performance.now() - loadStart;
const compileStart = performance.now();
await WebAssembly.compile(wasmBytes);
const compileMs = performance.now() - compileStart;
/** Milliseconds of the first call of `fn` and the median of the next five. */
function firstCall(fn: () => unknown): { firstMs: number; laterMs: number } {
  const time = () => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const firstMs = time();
  const later = Array.from({ length: 5 }, time).sort((a, b) => a - b);
  return { firstMs, laterMs: later[2]! };
}
const firstUse = {
  ecdsaDkgStart: firstCall(() =>
    startEcdsaDkg({ session: randomSeed(), threshold: 2, parties: 3, me: 1 }),
  ),
  frostDkgStart: firstCall(() =>
    startFrostDkg({ session: randomSeed(), threshold: 2, parties: 3, me: 1 }),
  ),
};
const wasmSize = { bytes: wasmBytes.length, gzipBytes: gzipSync(wasmBytes, { level: 9 }).length };

type Party = { outgoing: OutgoingMessage[]; receive(m: Uint8Array): void };

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20' },
    'no-native': { type: 'boolean', default: false },
  },
});
const iterations = Number(values.iterations);
const runtime = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';
const progress = (s: string) => process.stderr.write(`[bench:core] ${s}\n`);

/** Times `fn` for party `id` into `clock`. */
function timed<T>(clock: Map<number, number>, id: number, fn: () => T): T {
  const t = performance.now();
  const out = fn();
  clock.set(id, (clock.get(id) ?? 0) + performance.now() - t);
  return out;
}

/** Delivers all outgoing messages, charging each receive to its receiver; returns bytes sent per sender. */
function exchange(parties: Map<number, Party>, clock: Map<number, number>): Map<number, number> {
  const sent = new Map<number, number>();
  for (const p of parties.values()) {
    for (const m of p.outgoing) {
      const targets = m.to === 0 ? [...parties.keys()].filter((id) => id !== m.from) : [m.to];
      sent.set(m.from, (sent.get(m.from) ?? 0) + m.bytes.length * targets.length);
      for (const id of targets) timed(clock, id, () => parties.get(id)!.receive(m.bytes));
    }
  }
  return sent;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const avgClock = (c: Map<number, number>) => mean([...c.values()]);

function ecdsaKeygen(t: number, n: number): { keys: EcdsaKeyShare[]; ms: number; bytes: number } {
  const session = randomSeed();
  const clock = new Map<number, number>();
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const r1 = new Map(
    ids.map((me) => [
      me,
      timed(clock, me, () => startEcdsaDkg({ session, threshold: t, parties: n, me })),
    ]),
  );
  const b1 = exchange(r1, clock);
  const r2 = new Map([...r1].map(([id, r]) => [id, timed(clock, id, () => r.advance())]));
  const b2 = exchange(r2, clock);
  const r3 = new Map([...r2].map(([id, r]) => [id, timed(clock, id, () => r.advance())]));
  const b3 = exchange(r3, clock);
  const keys = [...r3].map(([id, r]) => timed(clock, id, () => r.finish()));
  const bytes = mean(ids.map((id) => (b1.get(id) ?? 0) + (b2.get(id) ?? 0) + (b3.get(id) ?? 0)));
  return { keys, ms: avgClock(clock), bytes };
}

function ecdsaSign(keys: EcdsaKeyShare[], t: number): { rounds: number[]; bytes: number } {
  const signers = Array.from({ length: t }, (_, i) => i + 1);
  const session = randomSeed();
  const digest = crypto.getRandomValues(new Uint8Array(32));
  const c = [0, 1, 2, 3].map(() => new Map<number, number>());
  const r1 = new Map(
    signers.map((id) => [
      id,
      timed(c[0]!, id, () => startEcdsaSign({ key: keys[id - 1]!, session, signers, digest })),
    ]),
  );
  const b1 = exchange(r1, c[1]!);
  const r2 = new Map([...r1].map(([id, r]) => [id, timed(c[1]!, id, () => r.advance())]));
  const b2 = exchange(r2, c[2]!);
  const r3 = new Map([...r2].map(([id, r]) => [id, timed(c[2]!, id, () => r.advance())]));
  const b3 = exchange(r3, c[3]!);
  for (const [id, r] of r3) timed(c[3]!, id, () => r.finish());
  return {
    rounds: c.map(avgClock),
    bytes: mean(signers.map((id) => (b1.get(id) ?? 0) + (b2.get(id) ?? 0) + (b3.get(id) ?? 0))),
  };
}

function frost(t: number, n: number): { keygenMs: number; signMs: number } {
  const session = randomSeed();
  const clock = new Map<number, number>();
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const r1 = new Map(
    ids.map((me) => [
      me,
      timed(clock, me, () => startFrostDkg({ session, threshold: t, parties: n, me })),
    ]),
  );
  exchange(r1, clock);
  const r2 = new Map([...r1].map(([id, r]) => [id, timed(clock, id, () => r.advance())]));
  exchange(r2, clock);
  const keys: FrostKeyShare[] = [...r2].map(([id, r]) => timed(clock, id, () => r.finish()));
  const keygenMs = avgClock(clock);
  const signs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const sc = new Map<number, number>();
    const signers = ids.slice(0, t);
    const s = randomSeed();
    const message = crypto.getRandomValues(new Uint8Array(32));
    const s1 = new Map(
      signers.map((id) => [
        id,
        timed(sc, id, () => startFrostSign({ key: keys[id - 1]!, session: s, signers, message })),
      ]),
    );
    exchange(s1, sc);
    const s2 = new Map([...s1].map(([id, r]) => [id, timed(sc, id, () => r.advance())]));
    exchange(s2, sc);
    for (const [id, r] of s2) timed(sc, id, () => r.finish());
    signs.push(avgClock(sc));
  }
  return { keygenMs, signMs: mean(signs) };
}

type NativeRow = { threshold: number; parties: number; keygenMs: number; signRoundMs: number[] };
function native(): NativeRow[] | undefined {
  if (values['no-native']) return undefined;
  progress('building and running the native twin (rustup stable, release)');
  const res = spawnSync(
    'cargo',
    ['run', '--quiet', '--release', '--example', 'bench', '--', String(iterations)],
    {
      cwd: new URL('../wasm/', import.meta.url).pathname,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (res.status !== 0) {
    progress(`native run failed (status ${res.status}); ratios omitted`);
    return undefined;
  }
  return JSON.parse(res.stdout) as NativeRow[];
}

const rows: Record<string, unknown>[] = [];
for (const [t, n] of [
  [2, 3],
  [3, 3],
  [3, 5],
] as const) {
  progress(`ECDSA keygen ${t}-of-${n} (wasm, ${runtime})`);
  const kg = ecdsaKeygen(t, n);
  progress(`ECDSA signing ${t}-of-${n} x${iterations}`);
  const samples = Array.from({ length: iterations }, () => ecdsaSign(kg.keys, t));
  const rounds = [0, 1, 2, 3].map((r) => mean(samples.map((s) => s.rounds[r]!)));
  rows.push({
    curve: 'secp256k1',
    threshold: t,
    parties: n,
    keygenMs: kg.ms,
    keygenBytesPerParty: kg.bytes,
    signRoundMs: rounds,
    signMs: rounds.reduce((a, b) => a + b, 0),
    bytesPerSign: mean(samples.map((s) => s.bytes)),
  });
}
const nat = native();
for (const row of rows) {
  const twin = nat?.find((x) => x.threshold === row.threshold && x.parties === row.parties);
  if (twin) {
    const nSign = twin.signRoundMs.reduce((a, b) => a + b, 0);
    Object.assign(row, {
      nativeKeygenMs: twin.keygenMs,
      nativeSignMs: nSign,
      keygenRatio: (row.keygenMs as number) / twin.keygenMs,
      signRatio: (row.signMs as number) / nSign,
    });
  }
}
progress('FROST(Ed25519) 2-of-3 and 3-of-5');
const frostRows = [
  [2, 3],
  [3, 5],
].map(([t, n]) => ({ curve: 'ed25519', threshold: t!, parties: n!, ...frost(t!, n!) }));

/** Microseconds per call of `fn`, after a short warm-up. */
function usPerOp(n: number, fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t) * 1000) / n;
}
progress('node identity: Ed25519 (RFC 8032) over 200 bytes, the core vs @noble/curves');
const identitySecret = randomSeed();
const identityMessage = new Uint8Array(200).fill(7);
const identityPublic = ed25519PublicKey(identitySecret);
const identitySignature = ed25519Sign(identitySecret, identityMessage);
const identity = {
  signUs: usPerOp(500, () => ed25519Sign(identitySecret, identityMessage)),
  verifyUs: usPerOp(500, () => ed25519Verify(identityPublic, identityMessage, identitySignature)),
  nobleSignUs: usPerOp(200, () => ed25519.sign(identityMessage, identitySecret)),
  nobleVerifyUs: usPerOp(200, () =>
    ed25519.verify(identitySignature, identityMessage, identityPublic),
  ),
};

const f = (x: unknown, d = 1) => (typeof x === 'number' ? x.toFixed(d) : '—');
console.log(
  `\nTessera core, per party, ${runtime} ${process.version ?? ''} (wasm), ${iterations} signings per row\n`,
);
console.log(
  '| curve | t-of-n | keygen ms | sign r1 | r2 | r3 | out | sign ms | KiB sent/sign | native sign ms | wasm/native sign | wasm/native keygen |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows as Record<string, number & number[]>[]) {
  const rr = r.signRoundMs as unknown as number[];
  console.log(
    `| secp256k1 | ${r.threshold}-of-${r.parties} | ${f(r.keygenMs, 0)} | ${f(rr[0])} | ${f(rr[1])} | ${f(rr[2])} | ${f(rr[3])} | ${f(r.signMs)} | ${f((r.bytesPerSign as number) / 1024)} | ${f(r.nativeSignMs)} | ${f(r.signRatio)}× | ${f(r.keygenRatio)}× |`,
  );
}
for (const r of frostRows)
  console.log(
    `| ed25519 | ${r.threshold}-of-${r.parties} | ${f(r.keygenMs)} | | | | | ${f(r.signMs, 2)} | | | | |`,
  );
console.log(
  `\nNode identity (Ed25519, 200 B): sign ${f(identity.signUs, 0)} µs, verify ${f(identity.verifyUs, 0)} µs in the core; @noble/curves ${f(identity.nobleSignUs, 0)} / ${f(identity.nobleVerifyUs, 0)} µs`,
);

console.log(
  `First use: loading the core ${f(loadMs, 0)} ms (of which compiling the wasm alone ${f(compileMs, 0)} ms); ` +
    `first ECDSA keygen start ${f(firstUse.ecdsaDkgStart.firstMs)} ms (then ${f(firstUse.ecdsaDkgStart.laterMs)} ms), ` +
    `first FROST keygen start ${f(firstUse.frostDkgStart.firstMs, 2)} ms (then ${f(firstUse.frostDkgStart.laterMs, 2)} ms)`,
);
console.log(
  `WASM size: ${f(wasmSize.bytes / 1024, 0)} KiB (${f(wasmSize.gzipBytes / 1024, 0)} KiB gzipped)`,
);

const date = new Date().toISOString().slice(0, 10);
const dir = new URL('../bench/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`${date}-core-${runtime}.json`, dir);
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      runtime,
      iterations,
      ecdsa: rows,
      eddsa: frostRows,
      identity,
      firstUse: { loadMs, compileMs, ...firstUse },
      wasmSize,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${file.pathname}`);
