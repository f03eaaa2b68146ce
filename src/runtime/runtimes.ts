/**
 * The runtimes a node runs under, and the command line that runs the Tessera CLI under each
 * (what `tessera dev`, the bench and the tests spawn).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** A runtime that can run a node. */
export type Runtime = 'node' | 'bun' | 'deno';

/** The repository root (where src/cli.ts and node_modules/.bin are). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const versions = process.versions as Record<string, string | undefined>;

/** The runtime running this process. */
export const currentRuntime: Runtime = versions.bun ? 'bun' : versions.deno ? 'deno' : 'node';

/** Node's absolute path when another runtime runs us (so a narrowed PATH still works later). */
function nodeBinary(): string {
  if (currentRuntime === 'node') return process.execPath;
  return spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout?.trim() || 'node';
}

/** The command that runs the CLI under `runtime` (default: the current one). */
export function cliArgv(runtime: Runtime = currentRuntime): string[] {
  const cli = join(ROOT, 'src/cli.ts');
  const bin = (name: string) =>
    runtime === currentRuntime ? process.execPath : join(ROOT, 'node_modules/.bin', name);
  if (runtime === 'bun') return [bin('bun'), cli];
  if (runtime === 'deno') return [bin('deno'), 'run', '-A', '--quiet', cli];
  return [nodeBinary(), '--import', 'tsx', cli];
}
