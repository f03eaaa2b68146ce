/**
 * `npm run check:cycles`: fails (exit 1) on any import cycle between the files of src/ and on any
 * import against the layering core → protocol → node → api, cli, client, bench (a file may import
 * its own layer and those before it; auth sits beside core). Reads `import … from './x'`,
 * `export … from './x'` and `import('./x')` with relative paths; `import type` counts too (a type
 * cycle is still a knot in the design). With `--rust`, also the files of wasm/src by their
 * `crate::`, `super::` and `self::` paths (a module using its own ancestors, the module tree
 * itself, is not an edge). No dependency: a scan, not a parser.
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
// The tree to check: src/ (another one may be given, for the script's own test).
const src = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(root, 'src');

/** Layer of each top-level folder of src/ (a file may import only its own rank or lower). */
const RANK: Record<string, number> = {
  core: 0,
  auth: 0,
  protocol: 1,
  node: 2,
  api: 3,
  client: 3,
  cli: 4,
  bench: 4,
  runtime: 2,
  'cli.ts': 5,
};
/** Pairs of one rank that must not meet: bench is not built on the CLI. */
const APART: [string, string][] = [['bench', 'cli']];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return p === join(src, 'core', 'wasm') ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const SPEC =
  /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Relative imports of one file, resolved to absolute paths. */
export function importsOf(file: string, text: string): string[] {
  // Comments hold examples of import lines; they are not edges.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(SPEC)].map((m) =>
    normalize(join(dirname(file), (m[1] ?? m[2] ?? m[3])!)),
  );
}

const top = (file: string) => relative(src, file).split('/')[0]!;

const all = files(src);
const graph = new Map(
  all.map((f) => [f, importsOf(f, readFileSync(f, 'utf8')).filter((t) => t.startsWith(src))]),
);
const problems: string[] = [];

for (const [from, targets] of graph) {
  for (const to of targets) {
    if (!graph.has(to) && !to.includes('/core/wasm/'))
      problems.push(`unresolved: ${relative(root, from)} imports ${relative(root, to)}`);
    const a = top(from);
    const b = top(to);
    if (a === b) continue;
    const upward = (RANK[b] ?? 99) > (RANK[a] ?? 99);
    const apart = APART.some(([x, y]) => a === x && b === y);
    if (upward || apart)
      problems.push(`layer: ${relative(root, from)} (${a}) imports ${relative(root, to)} (${b})`);
  }
}

/** Every strongly connected component of more than one file, or a file importing itself (Tarjan), with one loop through it. */
function cycles(graph: Map<string, string[]>, name: (f: string) => string): string[] {
  const found: string[] = [];
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      on.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) {
      const loop = loopThrough(graph, component);
      const others = component.filter((f) => !loop.includes(f));
      found.push(
        `cycle: ${loop.map(name).join(' → ')}${others.length ? ` (knotted with ${others.map(name).join(', ')})` : ''}`,
      );
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return found;
}

/** One concrete loop inside a component, for the report (shortest from its first file back to it). */
function loopThrough(graph: Map<string, string[]>, component: string[]): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x: string | undefined = v; x && x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return component;
}

problems.push(...cycles(graph, (f) => relative(root, f)));

/** The module path of a Rust file under `base` (lib.rs: [], a/mod.rs and a.rs: [a], a/b.rs: [a, b]). */
function modulePath(base: string, file: string): string[] {
  const parts = relative(base, file).replace(/\.rs$/, '').split('/');
  if (parts.at(-1) === 'mod' || (parts.length === 1 && parts[0] === 'lib')) parts.pop();
  return parts;
}

/** The crate's files by their `use`/path references to each other. */
function rustGraph(base: string): Map<string, string[]> {
  const rs = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory()
        ? rs(join(dir, n))
        : n.endsWith('.rs')
          ? [join(dir, n)]
          : [],
    );
  const all = rs(base);
  const byModule = new Map(all.map((f) => [modulePath(base, f).join('::'), f]));
  const g = new Map<string, string[]>();
  for (const file of all) {
    const me = modulePath(base, file);
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    const paths: string[][] = [];
    for (const m of code.matchAll(
      /\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{([^{}]*)\})?/g,
    )) {
      const head = m[1] === 'crate' ? [] : m[1] === 'super' ? me.slice(0, -1) : me;
      const rest = (m[2] ?? '').split('::').filter(Boolean);
      // `super::super::x` climbs once more per `super`.
      let at = [...head];
      for (const seg of rest) {
        if (seg === 'super') at = at.slice(0, -1);
        else at.push(seg);
      }
      const group = m[4]
        ?.split(',')
        .map((x) => x.trim().split('::')[0]!)
        .filter((x) => x && x !== 'self' && x !== '*');
      if (group?.length) for (const x of group) paths.push([...at, x]);
      else paths.push(at);
    }
    const targets = new Set<string>();
    for (const p of paths) {
      let k = p.length;
      while (k > 0 && !byModule.has(p.slice(0, k).join('::'))) k--;
      const target = byModule.get(p.slice(0, k).join('::'));
      // The file itself and its ancestors are the module tree, not an edge.
      if (
        !target ||
        target === file ||
        (k <= me.length && p.slice(0, k).every((seg, i) => seg === me[i]))
      )
        continue;
      targets.add(target);
    }
    g.set(file, [...targets]);
  }
  return g;
}

if (process.argv.includes('--rust')) {
  const base = join(root, 'wasm', 'src');
  const g = rustGraph(base);
  problems.push(...cycles(g, (f) => relative(root, f)));
  console.log(`checked ${g.size} Rust files of wasm/src`);
}

for (const p of problems) console.log(p);
console.log(
  problems.length
    ? `${problems.length} problem(s)`
    : `no import cycle and no upward import in ${all.length} files of src/`,
);
process.exit(problems.length ? 1 : 0);
