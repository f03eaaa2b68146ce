#!/usr/bin/env node
/**
 * The `tessera` command line. Runs unchanged under `npx tsx`, `bun` and `deno run -A`.
 * @module
 */
import process from 'node:process';
import { UsageError } from './cli/args.ts';
import { describe, simulate, usage as simulateUsage } from './cli/simulate.ts';

const usage = `usage: tessera <command> [options]

commands:
  simulate   run key generation and one signing in-process (no network)

Run "tessera <command> --help" for a command's options.`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return command ? 0 : 2;
  }
  if (command === 'simulate') {
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(simulateUsage);
      return 0;
    }
    const { result, json, parties, threshold } = simulate(rest);
    console.log(json ? JSON.stringify(result) : describe(result, parties, threshold));
    return 0;
  }
  throw new UsageError(`unknown command "${command}" (try "tessera --help")`);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`tessera: ${err.message}`);
    process.exitCode = 2;
  } else {
    const e = err as { name?: string; code?: string; message?: string };
    console.error(`tessera: ${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}`);
    process.exitCode = 1;
  }
}
