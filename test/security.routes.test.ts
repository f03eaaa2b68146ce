/**
 * A rogue server on the route port (issue 10), attacked for real: two genuine nats-servers
 * clustered as the README's production section says (route user and password, route TLS with
 * a CA used only for routes, JetStream), and a rogue nats-server that points its own
 * `cluster { routes }` at a genuine server's route port — with no TLS, with no certificate, with
 * its own CA's certificate, with a certificate of the clients' CA, or with a routes-CA
 * certificate but a wrong or no password. Each is refused: neither genuine server lists it in
 * /routez, the genuine server logs the refusal, and a client of the rogue neither reads the
 * cluster's `tessera.<cluster>.>` and `$KV.` traffic nor gets its own publications delivered or
 * stored. Controls: the second genuine server forms the route and traffic crosses it, and a
 * rogue holding both route secrets does join and does read and write — so the checks can fail.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { freePort } from '../src/runtime/ports.ts';
import {
  makeCerts,
  startRoutedNats,
  type RouteConfig,
  type RoutedNatsServer,
} from './helpers/nats.ts';

const CLUSTER = 'prod'; // the Tessera cluster id: its subjects are tessera.prod.…
const BUCKET = `tessera-${CLUSTER}-keys`;
const ROUNDS = 300; // bounded polling: at most this many rounds, 100 ms apart
/** The error line nats-server 2.9 logs when it refuses a route connection for `reason`. */
const refusal = (reason: string) =>
  new RegExp(`\\[ERR\\] 127\\.0\\.0\\.1:\\d+ - rid:\\d+ - ${reason}`);
const NOT_TLS = refusal(
  'TLS route handshake error: tls: first record does not look like a TLS handshake',
);
const NO_CERT = refusal("TLS route handshake error: tls: client didn't provide a certificate");
const FOREIGN_CA = refusal(
  'TLS route handshake error: tls: failed to verify client certificate: x509: certificate signed by unknown authority',
);
const BAD_PASSWORD = refusal('authentication error');

const pause = () => new Promise((r) => setTimeout(r, 100));

async function routez(s: RoutedNatsServer): Promise<string[]> {
  const body = (await (await fetch(`${s.monitorUrl}/routez`)).json()) as {
    routes?: { remote_id: string }[] | null;
  };
  return (body.routes ?? []).map((r) => r.remote_id).sort();
}

async function serverId(s: RoutedNatsServer): Promise<string> {
  return ((await (await fetch(`${s.monitorUrl}/varz`)).json()) as { server_id: string }).server_id;
}

/** Polls until `check` holds; fails naming `what` after ROUNDS tries. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < ROUNDS; i++, await pause()) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** Everything `nc` receives on the cluster's subjects and its key bucket's subjects, until `stop()`. */
function listen(nc: NatsConnection): { seen: string[]; stop(): void } {
  const seen: string[] = [];
  const subs = [`tessera.${CLUSTER}.>`, `$KV.${BUCKET}.>`].map((subject) =>
    nc.subscribe(subject, { callback: (_, m) => void seen.push(`${m.subject} ${m.string()}`) }),
  );
  return { seen, stop: () => subs.forEach((s) => s.unsubscribe()) };
}

describe('a rogue nats-server on the route port (README production routes: route authorization, route TLS with a routes-only CA)', () => {
  let dir: string;
  let routeCa: ReturnType<typeof makeCerts>;
  let clientCa: ReturnType<typeof makeCerts>;
  let rogueCa: ReturnType<typeof makeCerts>;
  const password = `r${randomBytes(24).toString('hex')}`;
  let a: RoutedNatsServer;
  let b: RoutedNatsServer;
  let ids: { a: string; b: string };
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let kvA: KV;
  const rogues: RoutedNatsServer[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-routes-'));
    routeCa = makeCerts(join(dir, 'routes-ca'));
    clientCa = makeCerts(join(dir, 'clients-ca'));
    rogueCa = makeCerts(join(dir, 'rogue-ca'));
    const ports = [await freePort(), await freePort()];
    // As in the README: every server lists every route, with the route credentials in the URL.
    const routes = ports.map((p) => `nats-route://route:${password}@127.0.0.1:${p}`);
    const genuine = (name: string, routePort: number, cert: string, key: string): RouteConfig => ({
      name,
      cluster: 'tessera',
      routePort,
      routes,
      authorization: { user: 'route', password },
      tls: { cert, key, ca: routeCa.ca },
      jetstream: true,
    });
    a = await startRoutedNats(
      join(dir, 'a'),
      genuine('a', ports[0]!, routeCa.serverCert, routeCa.serverKey),
    );
    b = await startRoutedNats(
      join(dir, 'b'),
      genuine('b', ports[1]!, routeCa.clientCert, routeCa.clientKey),
    );
    ids = { a: await serverId(a), b: await serverId(b) };
    await until(
      async () => (await routez(a)).join() === ids.b && (await routez(b)).join() === ids.a,
      'the genuine route a ↔ b',
    );
    ncA = await connect({ servers: a.url });
    ncB = await connect({ servers: b.url });
    // JetStream's meta leader needs both servers; until it is elected bucket creation fails.
    let created: KV | undefined;
    await until(
      async () =>
        Boolean(
          (created = await new Kvm(ncA).create(BUCKET, { replicas: 2 }).catch(() => undefined)),
        ),
      'the key bucket',
    );
    kvA = created!;
  });

  after(async () => {
    await ncA?.close().catch(() => undefined);
    await ncB?.close().catch(() => undefined);
    for (const s of [...rogues, b, a]) await s?.stop();
    if (process.env.TESSERA_KEEP_LOGS) for (const s of [a, b, ...rogues]) console.log(s?.log());
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs rounds of traffic: a genuine client of `a` publishes on a cluster subject and writes the
   * key bucket, `rogueNc` publishes a forged envelope and a raw `$KV.` write, and a client of `b`
   * publishes a barrier. Stops when `done` holds for what was seen.
   */
  async function exchange(
    rogueNc: NatsConnection,
    done: (s: {
      rogue: string[];
      genuine: string[];
      barrierRounds: number;
      forgedStored: boolean;
      genuineRounds: number;
    }) => boolean,
  ) {
    const tag = randomBytes(4).toString('hex');
    const listeners = [listen(rogueNc), listen(ncA), listen(ncB)];
    const [rogue, atA, atB] = listeners.map((l) => l.seen) as [string[], string[], string[]];
    await Promise.all([rogueNc.flush(), ncA.flush(), ncB.flush()]);
    const state = () => ({
      rogue: rogue.filter((l) => l.includes(`genuine-${tag}`)),
      genuine: [...atA, ...atB].filter((l) => l.includes(`forged-${tag}`)),
      barrierRounds: atA.filter((l) => l.includes(`barrier-${tag}`)).length,
      genuineRounds: atB.filter(
        (l) => l.startsWith(`tessera.${CLUSTER}.s.`) && l.includes(`genuine-${tag}`),
      ).length,
      forgedStored: false,
    });
    try {
      for (let round = 0; round < ROUNDS; round++, await pause()) {
        ncA.publish(`tessera.${CLUSTER}.s.${tag}.node1.node0`, `genuine-${tag} envelope ${round}`);
        await kvA.put(`k${tag}`, `genuine-${tag} key record ${round}`);
        rogueNc.publish(
          `tessera.${CLUSTER}.s.${tag}.node0.node1`,
          `forged-${tag} envelope ${round}`,
        );
        rogueNc.publish(`$KV.${BUCKET}.f${tag}`, `forged-${tag} key record ${round}`);
        await rogueNc.flush();
        ncB.publish(`tessera.${CLUSTER}.barrier`, `barrier-${tag} ${round}`);
        await Promise.all([ncA.flush(), ncB.flush()]);
        const s = { ...state(), forgedStored: (await kvA.get(`f${tag}`)) !== null };
        if (done(s)) return s;
      }
      throw new Error(`traffic never settled: ${JSON.stringify(state())}`);
    } finally {
      for (const l of listeners) l.stop();
    }
  }

  test('control: the second genuine server forms the route, and envelopes and key-bucket writes cross it', async () => {
    assert.deepEqual(await routez(a), [ids.b]);
    const { seen: atB, stop } = listen(ncB);
    await ncB.flush();
    await until(async () => {
      ncA.publish(`tessera.${CLUSTER}.s.ctl.node1.node0`, 'across');
      await kvA.put('ctl', 'across');
      await ncA.flush();
      return (
        atB.includes(`tessera.${CLUSTER}.s.ctl.node1.node0 across`) &&
        atB.includes(`$KV.${BUCKET}.ctl across`)
      );
    }, 'a message and a key-bucket write published at a to reach a client of b');
    stop();
    const kvB = await new Kvm(ncB).open(BUCKET);
    await kvB.put('from-b', 'written at b');
    assert.equal((await kvA.get('from-b'))?.string(), 'written at b');
  });

  /** Starts a rogue server whose only route is `a`'s route port, as `route` says, and a client of it. */
  async function startRogue(
    name: string,
    route: Pick<RouteConfig, 'tls'> & { credentials?: string },
  ): Promise<{ rogue: RoutedNatsServer; nc: NatsConnection; id: string; logFrom: number }> {
    const logFrom = a.log().length;
    const userinfo = route.credentials ? `${route.credentials}@` : '';
    const rogue = await startRoutedNats(join(dir, name), {
      name,
      cluster: 'tessera',
      routePort: await freePort(),
      routes: [`nats-route://${userinfo}127.0.0.1:${a.routePort}`],
      tls: route.tls,
    });
    rogues.push(rogue);
    const nc = await connect({ servers: rogue.url });
    return { rogue, nc, id: await serverId(rogue), logFrom };
  }

  // The rogue trusts the routes' CA (a public certificate), so every refusal below is the genuine server's.
  const refusedCases: {
    what: string;
    refusedBy: RegExp;
    route: () => Pick<RouteConfig, 'tls'> & { credentials?: string };
  }[] = [
    { what: 'no TLS and no credentials', refusedBy: NOT_TLS, route: () => ({}) },
    {
      what: 'no TLS and the route password (leaked)',
      refusedBy: NOT_TLS,
      route: () => ({ credentials: `route:${password}` }),
    },
    {
      what: 'TLS without a certificate, and the route password',
      refusedBy: NO_CERT,
      route: () => ({ tls: { ca: routeCa.ca }, credentials: `route:${password}` }),
    },
    {
      what: 'a certificate of its own CA, and the route password',
      refusedBy: FOREIGN_CA,
      route: () => ({
        tls: { cert: rogueCa.serverCert, key: rogueCa.serverKey, ca: routeCa.ca },
        credentials: `route:${password}`,
      }),
    },
    {
      what: "a certificate of the clients' CA (not the routes' CA), and the route password",
      refusedBy: FOREIGN_CA,
      route: () => ({
        tls: { cert: clientCa.clientCert, key: clientCa.clientKey, ca: routeCa.ca },
        credentials: `route:${password}`,
      }),
    },
    {
      what: 'a routes-CA certificate (stolen) and a wrong password',
      refusedBy: BAD_PASSWORD,
      route: () => ({
        tls: { cert: routeCa.clientCert, key: routeCa.clientKey, ca: routeCa.ca },
        credentials: 'route:guessed',
      }),
    },
    {
      what: 'a routes-CA certificate (stolen) and no credentials',
      refusedBy: BAD_PASSWORD,
      route: () => ({ tls: { cert: routeCa.clientCert, key: routeCa.clientKey, ca: routeCa.ca } }),
    },
  ];

  for (const [i, c] of refusedCases.entries()) {
    test(`a rogue server with ${c.what} is refused, reads nothing and writes nothing`, async () => {
      const { rogue, nc, id, logFrom } = await startRogue(`rogue${i}`, c.route());
      try {
        // It really dialled a's route port and was refused for the expected reason, more than once (it keeps retrying).
        await until(
          () =>
            a
              .log()
              .slice(logFrom)
              .split('\n')
              .filter((l) => c.refusedBy.test(l)).length >= 2,
          `a to log two refusals of the rogue route:\n${a.log().slice(logFrom)}\n--- rogue:\n${rogue.log()}`,
        );
        const s = await exchange(nc, (s) => s.genuineRounds >= 3 && s.barrierRounds >= 3);
        assert.deepEqual(s.rogue, [], 'the rogue client read genuine traffic');
        assert.deepEqual(s.genuine, [], "the rogue client's publications reached genuine clients");
        assert.equal(s.forgedStored, false, "the rogue client's $KV write was stored");
        assert.deepEqual(await routez(a), [ids.b]);
        assert.deepEqual(await routez(b), [ids.a]);
        assert.deepEqual(await routez(rogue), []);
        assert.ok(!(await routez(a)).includes(id));
      } finally {
        await nc.close();
        await rogue.stop();
      }
    });
  }

  test('control: a rogue holding a routes-CA certificate and the route password joins, reads and writes', async () => {
    const { rogue, nc, id } = await startRogue('insider', {
      tls: { cert: routeCa.clientCert, key: routeCa.clientKey, ca: routeCa.ca },
      credentials: `route:${password}`,
    });
    try {
      await until(async () => (await routez(a)).includes(id), 'the insider to become a route of a');
      const s = await exchange(
        nc,
        (s) =>
          s.rogue.some((l) => l.startsWith(`tessera.${CLUSTER}.s.`)) &&
          s.rogue.some((l) => l.startsWith(`$KV.${BUCKET}.`)) &&
          s.genuine.length > 0 &&
          s.forgedStored,
      );
      assert.ok(
        s.genuine.some((l) => l.startsWith(`tessera.${CLUSTER}.s.`)),
        JSON.stringify(s.genuine),
      );
    } finally {
      await nc.close();
      await rogue.stop();
    }
    await until(async () => (await routez(a)).join() === ids.b, 'a to drop the insider route');
  });
});
