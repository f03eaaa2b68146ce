/**
 * A spawned child process whose exit is tracked here (Deno's node:child_process does not always
 * set exitCode), its output read line by line or kept, and a wait for a line that says it is up.
 * @module
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

/** A running (or exited) child process. */
export interface Launched {
  proc: ChildProcess;
  /** Its exit code (null when a signal ended it), once it has exited. */
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** Sends `signal` (default SIGTERM) unless it has exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `argv[0]` with the rest as arguments. */
export function launch(argv: string[], options: SpawnOptions): Launched {
  const proc = spawn(argv[0]!, argv.slice(1), options);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      done = true;
      resolve(code);
    });
    // A binary that cannot be spawned emits only 'error' (and has no pid).
    proc.on('error', () => {
      if (proc.pid !== undefined) return;
      done = true;
      resolve(null);
    });
  });
  return {
    proc,
    exited,
    hasExited: () => done,
    stop: (signal = 'SIGTERM') => {
      if (!done) proc.kill(signal);
      return exited;
    },
  };
}

/** Calls `onLine` with each complete line `stream` writes. */
export function readLines(stream: Readable, onLine: (line: string) => void): void {
  let buf = '';
  stream.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
}

/**
 * Everything the streams write, kept from the start up to `capChars` (offsets into it stay
 * valid; a long-running server's later chatter is read and dropped, so its pipe never fills).
 */
export function keepOutput(
  streams: (Readable | null | undefined)[],
  capChars = 4_000_000,
): () => string {
  let text = '';
  for (const s of streams)
    s?.on('data', (b: Buffer) => void (text.length < capChars && (text += b.toString())));
  return () => text;
}

/**
 * Resolves once `ready()` holds (checked on each output chunk), or rejects with why not: the
 * process exited first, or `timeoutMs` passed (then it is killed).
 */
export function waitUntil(
  child: Launched,
  ready: () => boolean,
  opts: { timeoutMs: number; why: () => string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const streams = [child.proc.stdout, child.proc.stderr].filter((s): s is Readable => Boolean(s));
    const finish = (e?: Error) => {
      clearTimeout(t);
      for (const s of streams) s.off('data', check);
      e ? reject(e) : resolve();
    };
    const check = () => void (ready() && finish());
    const t = setTimeout(() => {
      child.proc.kill('SIGKILL');
      finish(new Error(`not ready within ${opts.timeoutMs / 1000} s: ${opts.why()}`));
    }, opts.timeoutMs);
    for (const s of streams) s.on('data', check);
    void child.exited.then((code) => finish(new Error(`exited with ${code}: ${opts.why()}`)));
    check();
  });
}
