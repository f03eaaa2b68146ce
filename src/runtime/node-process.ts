/**
 * A node process: `tessera node start --config <file>` under a runtime, its JSON log lines read
 * from stdout, and a wait for its node_started line.
 * @module
 */
import process from 'node:process';
import { cliArgv, currentRuntime, ROOT, type Runtime } from './runtimes.ts';
import { launch, readLines, waitUntil, type Launched } from './process.ts';

/** How to run one node process. */
export interface NodeProcessOptions {
  /** Default: the runtime running this process. */
  runtime?: Runtime;
  /** TESSERA_LOG_LEVEL (default info: the node_started line is an info line). */
  logLevel?: string;
  /** A command the node runs under (e.g. a wrapper that injects faults). */
  wrap?: string[];
  /** Its stderr: read (default; the tail explains a failed start) or this process's own. */
  stderr?: 'pipe' | 'inherit';
  /** Each line it writes to stdout (JSON log lines). */
  onLine?: (line: string) => void;
  /** Each chunk it writes to stderr (when piped). */
  onStderr?: (text: string) => void;
  /** Its working directory (default the repository root, where `--import tsx` resolves). */
  cwd?: string;
  /** Names it in errors. */
  label?: string;
}

/** A running node process. */
export interface NodeProcess extends Launched {
  /** Resolves on its node_started line; rejects if it exits first or within `timeoutMs` logs none. */
  started(timeoutMs?: number): Promise<void>;
  /** Stops reading its output (drained unread from here on, so a chatty node never blocks). */
  quiet(): void;
}

const eventOf = (line: string): unknown => {
  try {
    return (JSON.parse(line) as { event?: unknown }).event;
  } catch {
    return undefined; // not a log line
  }
};

/** Spawns a node with the config at `config` (its paths are relative to that file). */
export function spawnNode(config: string, o: NodeProcessOptions = {}): NodeProcess {
  const argv = [...cliArgv(o.runtime ?? currentRuntime), 'node', 'start', '--config', config];
  const env = { ...process.env, TESSERA_LOG_LEVEL: o.logLevel ?? 'info' };
  const child = launch([...(o.wrap ?? []), ...argv], {
    cwd: o.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', o.stderr ?? 'pipe'],
    env,
  });
  let up = false;
  let err = '';
  readLines(child.proc.stdout!, (line) => {
    if (!up && line.includes('"node_started"')) up = eventOf(line) === 'node_started';
    o.onLine?.(line);
  });
  child.proc.stderr?.on('data', (b: Buffer) => {
    const text = b.toString();
    if (err.length < 64_000) err += text;
    o.onStderr?.(text);
  });
  const label = o.label ?? 'node';
  return {
    ...child,
    started: (timeoutMs = 30_000) =>
      waitUntil(child, () => up, { timeoutMs, why: () => err.slice(-4000) }).catch((e: Error) => {
        throw new Error(`${label} did not start: ${e.message}`);
      }),
    quiet() {
      for (const s of [child.proc.stdout, child.proc.stderr]) {
        s?.removeAllListeners('data');
        s?.resume();
      }
    },
  };
}
