/**
 * The client validates requests with the operations' wire contracts only: the code it loads
 * (value imports, followed from src/client/) holds no node run path, no network round driver and
 * no operations registry of runs, so a bundle of the client stays small.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

// Relative imports that load code (`import type` and `export type` are erased, so they are not followed).
const VALUE_IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?!type\s)[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

/** Every file `entry` loads, as paths relative to the repository. */
function loaded(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    for (const m of code.matchAll(VALUE_IMPORT))
      visit(normalize(join(dirname(file), (m[1] ?? m[2])!)));
  };
  visit(join(ROOT, entry));
  return new Set([...seen].map((f) => relative(ROOT, f)));
}

for (const entry of ['src/client/http.ts', 'src/client/nats.ts', 'src/client/verify.ts']) {
  test(`${entry} loads no node run code`, () => {
    const files = loaded(entry);
    const run = [...files].filter(
      (f) =>
        f === 'src/protocol/session.ts' ||
        f === 'src/node/operations/index.ts' ||
        f === 'src/node/node.ts' ||
        /^src\/node\/operations\/[^/]+\/run\.ts$/.test(f),
    );
    assert.deepEqual(run, [], `${entry} loads ${run.join(', ')}`);
    if (entry === 'src/client/http.ts')
      assert.ok(files.has('src/node/operations/contracts.ts'), 'it validates with the contracts');
  });
}
