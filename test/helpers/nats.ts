/** Starts a real nats-server (JetStream; optional mutual TLS with certificates made by openssl). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { keyFile, startNatsServer, type NatsServer } from '../../src/runtime/nats-server.ts';
import { freePort } from '../../src/runtime/ports.ts';

export { freePort, type NatsServer };

/** Runs `openssl <command>` in `cwd` (the command's words are split on spaces; none holds one). */
function openssl(command: string, cwd: string): void {
  const r = spawnSync('openssl', command.split(' '), { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${command}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an nkey user (seed file and public key) the server authorizes. */
export function makeCerts(dir: string): {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  nkeySeed: string;
  nkeyUser: string;
} {
  mkdirSync(dir, { recursive: true });
  // A P-256 key made with the request (no passphrase: the test server reads it).
  const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  openssl(`req -x509 ${newKey} -keyout ca.key -out ca.pem -days 2 -subj /CN=tessera-test-ca`, dir);
  writeFileSync(
    join(dir, 'san.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  for (const name of ['server', 'client']) {
    openssl(`req ${newKey} -keyout ${name}.key -out ${name}.csr -subj /CN=tessera-${name}`, dir);
    openssl(
      `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${name}.pem -days 2 -extfile san.ext`,
      dir,
    );
  }
  const user = nkeys.createUser();
  writeFileSync(join(dir, 'user.nk'), new TextDecoder().decode(user.getSeed()) + '\n', {
    mode: 0o600,
  });
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    nkeySeed: join(dir, 'user.nk'),
    nkeyUser: user.getPublicKey(),
  };
}

/** JetStream in a test server directory: small limits, encrypted at rest under a key kept in `js.key` (one per directory, so a restart reads its store). */
const jetStream = (dir: string) => ({
  key: keyFile(join(dir, 'js.key')),
  maxMemory: '64MB',
  maxFile: '256MB',
});

/**
 * Starts nats-server with JetStream in `dir`; with `certs`, TLS with verified client certificates
 * and only the certs' nkey user authorized; with `authorization`, that block instead (e.g. what
 * `natsAuthorization` generates from a manifest).
 */
export function startNats(
  dir: string,
  certs?: ReturnType<typeof makeCerts>,
  port?: number,
  host = '127.0.0.1',
  authorization?: string,
): Promise<NatsServer> {
  mkdirSync(dir, { recursive: true });
  return startNatsServer({
    dir,
    host,
    port,
    jetStream: jetStream(dir),
    tls: Boolean(certs),
    readyTimeoutMs: 15_000,
    config: [
      'max_payload: 1MB',
      certs
        ? `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true, timeout: 5 }`
        : '',
      authorization ?? (certs ? `authorization { users: [ { nkey: "${certs.nkeyUser}" } ] }` : ''),
    ],
  });
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
}

/**
 * Starts nats-server in `dir` with a `cluster {}` block (see RouteConfig), a monitoring port on
 * 127.0.0.1, and a plain client listener on 127.0.0.1.
 */
export async function startRoutedNats(dir: string, route: RouteConfig): Promise<RoutedNatsServer> {
  mkdirSync(dir, { recursive: true });
  const tls = route.tls;
  const server = await startNatsServer({
    dir,
    serverName: route.name,
    monitor: true,
    jetStream: route.jetstream ? jetStream(dir) : undefined,
    secrets: route.authorization
      ? { TESSERA_ROUTE_PASSWORD: route.authorization.password }
      : undefined,
    readyTimeoutMs: 15_000,
    config: [
      'cluster {',
      `  name: "${route.cluster}"`,
      `  listen: "127.0.0.1:${route.routePort}"`,
      `  routes [ ${route.routes.map((u) => JSON.stringify(u)).join(', ')} ]`,
      route.authorization
        ? `  authorization { user: "${route.authorization.user}", password: $TESSERA_ROUTE_PASSWORD }`
        : '',
      tls
        ? `  tls { ${tls.cert ? `cert_file: "${tls.cert}", key_file: "${tls.key}", ` : ''}ca_file: "${tls.ca}", verify: true, timeout: 5 }`
        : '',
      '}',
    ],
  });
  return { ...server, monitorUrl: server.monitorUrl!, routePort: route.routePort };
}
