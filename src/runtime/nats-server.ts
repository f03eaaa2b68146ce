/**
 * Launching nats-server: a config written into its directory, JetStream encrypted at rest with a
 * key that reaches the server by environment (never argv or the config file), a listen port
 * retried when another process binds it first, and a wait for "Server is ready".
 * @module
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { bytesToHex } from '@noble/curves/utils.js';
import { freePort } from './ports.ts';
import { keepOutput, launch, waitUntil } from './process.ts';

/** Whether nats-server is on PATH. */
export function natsServerOnPath(): boolean {
  return spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** A 32-byte hex key kept in `path` (made once, mode 0600), e.g. for JetStream at rest. */
export function keyFile(path: string): string {
  if (!existsSync(path)) writeFileSync(path, randomHex(32) + '\n', { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

/** `bytes` random bytes in hex. */
export const randomHex = (bytes: number) =>
  bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));

/** How to run one nats-server. */
export interface NatsServerOptions {
  /** Where nats.conf is written (and the JetStream store, `<dir>/js`, unless given). */
  dir: string;
  /** Client listener host (default 127.0.0.1). */
  host?: string;
  /** A fixed client port. Else a free one (the first from `portFrom`, or any), tried again if taken. */
  port?: number;
  portFrom?: number;
  /** Serve monitoring (/varz, /routez) on a free 127.0.0.1 port. */
  monitor?: boolean;
  /** server_name (JetStream clustering needs one). */
  serverName?: string;
  /** JetStream encrypted at rest (chachapoly) under `key`, hex; limits such as `64MB`. */
  jetStream?: { key: string; storeDir?: string; maxMemory?: string; maxFile?: string };
  /** Further configuration lines: limits, tls, authorization or cluster blocks. */
  config?: string[];
  /** Values the config names as `$NAME`: passed by environment, and redacted from error messages. */
  secrets?: Record<string, string>;
  /** The config has a client tls block (the URL is tls://). */
  tls?: boolean;
  readyTimeoutMs?: number;
}

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  /** Monitoring base URL (with `monitor`). */
  monitorUrl?: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** What it has logged so far (from its start, up to a few MB). */
  log(): string;
  /** Sends `signal` (default SIGTERM) unless it has exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const JS_KEY = 'TESSERA_JS_KEY';

function configText(o: NatsServerOptions, port: number, monitorPort?: number): string {
  const js = o.jetStream;
  const limits = js
    ? [
        js.maxMemory && `max_memory_store: ${js.maxMemory}`,
        js.maxFile && `max_file_store: ${js.maxFile}`,
      ].filter(Boolean)
    : [];
  return (
    [
      o.serverName && `server_name: ${JSON.stringify(o.serverName)}`,
      `listen: "${o.host ?? '127.0.0.1'}:${port}"`,
      monitorPort && `http: "127.0.0.1:${monitorPort}"`,
      js &&
        `jetstream { ${[`store_dir: ${JSON.stringify(js.storeDir ?? join(o.dir, 'js'))}`, ...limits, `cipher: chachapoly, key: $${JS_KEY}`].join(', ')} }`,
      ...(o.config ?? []),
    ]
      .filter(Boolean)
      .join('\n') + '\n'
  );
}

/** Starts nats-server as `o` says and waits until it is ready. */
export async function startNatsServer(o: NatsServerOptions): Promise<NatsServer> {
  mkdirSync(o.dir, { recursive: true });
  if (o.jetStream?.storeDir) mkdirSync(o.jetStream.storeDir, { recursive: true });
  const secrets = { ...o.secrets, ...(o.jetStream ? { [JS_KEY]: o.jetStream.key } : {}) };
  const env: Record<string, string | undefined> = { ...process.env };
  // Quoted: nats-server lexes a variable's value, and a bare hex key such as 743e99… or 12…34 is a number to it.
  for (const [name, value] of Object.entries(secrets)) env[name] = JSON.stringify(value);
  const redact = (s: string) =>
    Object.entries(secrets).reduce((t, [name, value]) => t.split(value).join(`<$${name}>`), s);
  const conf = join(o.dir, 'nats.conf');
  for (let attempt = 0, from = o.portFrom ?? 0; ; attempt++) {
    const port = o.port ?? (await freePort(from));
    const monitorPort = o.monitor ? await freePort() : undefined;
    writeFileSync(conf, configText(o, port, monitorPort));
    const child = launch(['nats-server', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const log = keepOutput([child.proc.stdout, child.proc.stderr]);
    const tail = () => redact(log()).trim().split('\n').slice(-5).join('\n');
    const why = await waitUntil(child, () => log().includes('Server is ready'), {
      timeoutMs: o.readyTimeoutMs ?? 30_000,
      why: tail,
    }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    if (why === undefined) {
      return {
        url: `${o.tls ? 'tls' : 'nats'}://${o.host ?? '127.0.0.1'}:${port}`,
        port,
        monitorUrl: monitorPort ? `http://127.0.0.1:${monitorPort}` : undefined,
        proc: child.proc,
        exited: child.exited,
        log,
        stop: async (signal) => void (await child.stop(signal)),
      };
    }
    // Another process may take a probed port before nats-server binds it: try another.
    if (o.port !== undefined || !/address already in use/i.test(why) || attempt >= 5)
      throw new Error(`nats-server${o.serverName ? ` ${o.serverName}` : ''} did not start: ${why}`);
    from = from && port + 1;
  }
}
