/** Starts a real nats-server (JetStream; optional mutual TLS with certificates made by openssl). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import { nkeys } from '@nats-io/transport-node';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an nkey user (seed file and public key) the server authorizes. */
export function makeCerts(dir: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; nkeySeed: string; nkeyUser: string } {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tessera-test-ca'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  for (const name of ['server', 'client']) {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=tessera-${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'san.ext'], dir);
  }
  const user = nkeys.createUser();
  writeFileSync(join(dir, 'user.nk'), new TextDecoder().decode(user.getSeed()) + '\n', { mode: 0o600 });
  return { ca: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key'), clientCert: join(dir, 'client.pem'), clientKey: join(dir, 'client.key'), nkeySeed: join(dir, 'user.nk'), nkeyUser: user.getPublicKey() };
}

/** The JetStream encryption key of a test server directory (made once, mode 0600). */
export function jetStreamKey(dir: string): string {
  const path = join(dir, 'js.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts nats-server with JetStream in `dir`; with `certs`, TLS with verified client certificates
 * and only the certs' nkey user authorized; with `authorization`, that block instead (e.g. what
 * `natsAuthorization` generates from a manifest).
 */
export async function startNats(dir: string, certs?: ReturnType<typeof makeCerts>, fixedPort?: number, host = '127.0.0.1', authorization?: string): Promise<NatsServer> {
  mkdirSync(dir, { recursive: true });
  const port = fixedPort ?? (await freePort());
  const conf = [
    `listen: "${host}:${port}"`,
    // Encrypted at rest; the key (one per directory, kept across restarts) reaches the server by environment, not argv or the config file.
    `jetstream { store_dir: "${join(dir, 'js')}", max_memory_store: 64MB, max_file_store: 256MB, cipher: chachapoly, key: $TESSERA_JS_KEY }`,
    'max_payload: 1MB',
    certs ? `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true, timeout: 5 }` : '',
    authorization ?? (certs ? `authorization { users: [ { nkey: "${certs.nkeyUser}" } ] }` : ''),
  ].join('\n');
  writeFileSync(join(dir, 'nats.conf'), conf);
  const proc = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_JS_KEY: JSON.stringify(jetStreamKey(dir)) } }); // quoted: nats-server lexes the value, and a hex key like 9e99… is a number to it
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const t = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 15_000);
    const on = (b: Buffer) => {
      log += b.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stderr!.on('data', on);
    proc.stdout!.on('data', on);
    proc.on('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
  const url = `${certs ? 'tls' : 'nats'}://${host}:${port}`;
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.on('exit', () => resolve(void (exited = true))));
  return {
    url,
    port,
    proc,
    stop: () => {
      if (!exited) proc.kill('SIGTERM');
      return exit;
    },
  };
}

/** How a clustered test server's `cluster {}` block is set up (the README's production routes). */
export interface RouteConfig {
  /** server_name (JetStream clustering needs one). */
  name: string;
  /** cluster name: the same on every server of a cluster. */
  cluster: string;
  routePort: number;
  /** Route URLs as written in `routes [...]`, credentials included. */
  routes: string[];
  /** `authorization { user, password: $TESSERA_ROUTE_PASSWORD }`, the password passed by environment. */
  authorization?: { user: string; password: string };
  /** `tls { cert_file, key_file, ca_file, verify: true }`; `cert`/`key` may be left out (a TLS dialer with no certificate). */
  tls?: { ca: string; cert?: string; key?: string };
  /** JetStream (clustered, encrypted at rest) on this server. */
  jetstream?: boolean;
}

/** A running clustered nats-server: its client URL, monitoring URL and everything it has logged. */
export interface RoutedNatsServer extends NatsServer {
  monitorUrl: string;
  routePort: number;
  log(): string;
}

/**
 * Starts nats-server in `dir` with a `cluster {}` block (see RouteConfig), a monitoring port on
 * 127.0.0.1, and a plain client listener on 127.0.0.1.
 */
export async function startRoutedNats(dir: string, route: RouteConfig): Promise<RoutedNatsServer> {
  mkdirSync(dir, { recursive: true });
  const [port, monitorPort] = [await freePort(), await freePort()];
  const tls = route.tls;
  const conf = [
    `server_name: "${route.name}"`,
    `listen: "127.0.0.1:${port}"`,
    `http: "127.0.0.1:${monitorPort}"`,
    route.jetstream ? `jetstream { store_dir: "${join(dir, 'js')}", max_memory_store: 64MB, max_file_store: 256MB, cipher: chachapoly, key: $TESSERA_JS_KEY }` : '',
    'cluster {',
    `  name: "${route.cluster}"`,
    `  listen: "127.0.0.1:${route.routePort}"`,
    `  routes [ ${route.routes.map((u) => JSON.stringify(u)).join(', ')} ]`,
    route.authorization ? `  authorization { user: "${route.authorization.user}", password: $TESSERA_ROUTE_PASSWORD }` : '',
    tls ? `  tls { ${tls.cert ? `cert_file: "${tls.cert}", key_file: "${tls.key}", ` : ''}ca_file: "${tls.ca}", verify: true, timeout: 5 }` : '',
    '}',
  ].join('\n');
  writeFileSync(join(dir, 'nats.conf'), conf);
  const env: Record<string, string | undefined> = { ...process.env };
  if (route.jetstream) env.TESSERA_JS_KEY = JSON.stringify(jetStreamKey(dir));
  if (route.authorization) env.TESSERA_ROUTE_PASSWORD = JSON.stringify(route.authorization.password); // quoted for the same reason as the JetStream key
  const proc = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  const collect = (b: Buffer) => void (log += b.toString());
  proc.stderr!.on('data', collect);
  proc.stdout!.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.on('exit', () => resolve(void (exited = true))));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nats-server ${route.name} did not start: ${log}`)), 15_000);
    const poll = setInterval(() => {
      if (log.includes('Server is ready')) {
        clearTimeout(t);
        clearInterval(poll);
        resolve();
      }
    }, 20);
    void exit.then(() => {
      clearTimeout(t);
      clearInterval(poll);
      reject(new Error(`nats-server ${route.name} exited: ${log}`));
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    routePort: route.routePort,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    proc,
    log: () => log,
    stop: () => {
      if (!exited) proc.kill('SIGTERM');
      return exit;
    },
  };
}
