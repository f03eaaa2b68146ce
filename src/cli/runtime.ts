/**
 * Process helpers shared by `tessera dev` and `tessera bench`: the command line that runs this
 * CLI under a runtime, and loopback port probing.
 * @module
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';

/** A runtime that can run a node. */
export type Runtime = 'node' | 'bun' | 'deno';

const ROOT = new URL('../../', import.meta.url).pathname;
const versions = process.versions as Record<string, string | undefined>;

/** The runtime running this process. */
export const currentRuntime: Runtime = versions.bun ? 'bun' : versions.deno ? 'deno' : 'node';

/** The command that runs the CLI under `runtime` (default: the current one). */
export function cliArgv(runtime: Runtime = currentRuntime): string[] {
  const cli = join(ROOT, 'src/cli.ts');
  const bin = (name: string) => (runtime === currentRuntime ? process.execPath : join(ROOT, 'node_modules/.bin', name));
  if (runtime === 'bun') return [bin('bun'), cli];
  if (runtime === 'deno') return [bin('deno'), 'run', '-A', '--quiet', cli];
  return [currentRuntime === 'node' ? process.execPath : 'node', '--import', 'tsx', cli];
}

/** Whether `port` is free on 127.0.0.1. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free loopback port: the first from `from` upwards, or any (from = 0). */
export async function freePort(from = 0): Promise<number> {
  if (!from) {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  for (let p = from; p < from + 100; p++) if (await portFree(p)) return p;
  throw new Error(`no free port near ${from}`);
}
