/**
 * A node whose NATS infrastructure disappears (issue 10 item 3), for real: a real nats-server
 * with the authorization `tessera cluster nats-config` generates, node processes serving the API
 * (node1 under Bun, node2 under Deno), and the admin credential (the only one that may delete)
 * deleting a node's consumer, the request stream, and buckets. Each node recreates what it lost
 * with the configuration it made it with (logged as infrastructure_recreated) and restarts its
 * delivery, and the next keygen, refresh and signing run. A node that may not recreate a deleted
 * bucket (its user lacks that create permission) answers /readyz 503 naming the bucket, logs
 * infrastructure_missing, and is ready again once the admin puts the bucket back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/transport-node';
import { SIGNED_HTTP_WINDOW_MS } from '../src/auth/signed-http.ts';
import { TesseraClient } from '../src/client/http.ts';
import { names } from '../src/node/cluster/state.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { natsAuthorization } from '../src/node/transport/nats-auth.ts';
import { makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';

/** Polls `check` until it holds (at most 60 s: nodes check their infrastructure every 5 s). */
async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++, await new Promise((r) => setTimeout(r, 100)))
    if (await check()) return;
  throw new Error(`never saw ${what}`);
}

const exists = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );
const logged = (p: NodeProcess, event: string, what: string) =>
  p.logs.some((l) => l.event === event && l.what === what);

/** A cluster of node processes (each serving the API) on a nats-server with the generated authorization, edited by `edit`. */
async function startCluster(
  prefix: string,
  ids: string[],
  runtimes: ('node' | 'bun' | 'deno')[],
  edit: (authorization: string) => string = (a) => a,
  beforeNodes?: (admin: NatsConnection, manifest: Manifest) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const port = await freePort();
  const ports: number[] = [];
  for (const _ of ids) ports.push(await freePort());
  const { manifest, initiator, configs } = await makeCluster(
    dir,
    ids,
    `nats://127.0.0.1:${port}`,
    undefined,
    { apiPorts: ports, timeouts: { roundMs: 8000, sessionMs: 60000 } },
  );
  const adminKey = nkeys.createUser();
  const server = await startNats(
    join(dir, 'nats'),
    undefined,
    port,
    '127.0.0.1',
    edit(natsAuthorization(manifest, { adminNkey: adminKey.getPublicKey() })),
  );
  const admin = await connect({
    servers: server.url,
    authenticator: nkeyAuthenticator(adminKey.getSeed()),
  });
  await beforeNodes?.(admin, manifest);
  const nodes: NodeProcess[] = [];
  for (const [i, c] of configs.entries()) nodes.push(await startNode(c, [], runtimes[i]));
  const client = new TesseraClient({
    url: `http://127.0.0.1:${ports[0]}`,
    initiator: { id: 'ops', kind: 'ed25519', secretKey: initiator },
    manifest,
  });
  await eventually(async () => (await client.ready()).status === 'ready', 'the cluster ready');
  return { dir, server, admin, jsm: await jetstreamManager(admin), nodes, client, manifest, ports };
}

describe('a node (Node, Bun, Deno) recreates the stream, consumer and buckets the admin deleted (real nats-server, generated authorization)', () => {
  const NODES = ['node0', 'node1', 'node2'];
  let c: Awaited<ReturnType<typeof startCluster>>;
  let jsm: JetStreamManager;
  let keyId = '';
  const n = () => names(c.manifest.cluster);

  before(async () => {
    c = await startCluster('tessera-infra-', NODES, ['node', 'bun', 'deno']);
    jsm = c.jsm;
  });

  after(async () => {
    for (const p of c?.nodes ?? []) await p.stop('SIGKILL');
    await c?.admin.close().catch(() => undefined);
    await c?.server.stop();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  test("the admin deletes node1's consumer: node1 recreates it and takes the next keygen", async () => {
    await jsm.consumers.delete(n().stream, 'node_node1');
    assert.equal(await exists(jsm.consumers.info(n().stream, 'node_node1')), false, 'deleted');
    await eventually(
      () => logged(c.nodes[1]!, 'infrastructure_recreated', 'consumer node_node1'),
      "node1's consumer recreated",
    );
    assert.ok(await exists(jsm.consumers.info(n().stream, 'node_node1')));
    // node1 is a party: without a consumer delivering to it the keygen would time out blaming it.
    const key = await c.client.createKey({ threshold: 2, parties: NODES, curves: ['ed25519'] });
    assert.deepEqual(key.attestations.map((a) => a.nodeId).sort(), NODES);
    keyId = key.keyId;
    // Only node1 lost anything.
    for (const p of [c.nodes[0]!, c.nodes[2]!])
      assert.deepEqual(
        p.logs.filter((l) => l.event === 'infrastructure_recreated'),
        [],
      );
  });

  test('the admin deletes the request stream: it and every consumer are recreated, and the next key change runs', async () => {
    await jsm.streams.delete(n().stream);
    assert.equal(await exists(jsm.streams.info(n().stream)), false, 'deleted');
    await eventually(
      () => c.nodes.some((p) => logged(p, 'infrastructure_recreated', `stream ${n().stream}`)),
      'the request stream recreated',
    );
    for (const [i, id] of NODES.entries())
      await eventually(
        () => logged(c.nodes[i]!, 'infrastructure_recreated', `consumer node_${id}`),
        `${id}'s consumer recreated`,
      );
    const info = await jsm.streams.info(n().stream);
    assert.deepEqual(info.config.subjects, [n().requests]);
    assert.equal(info.config.duplicate_window, 120 * 1e9, 'the configuration it was created with');
    const key = await c.client.createKey({ threshold: 2, parties: NODES, curves: ['ed25519'] });
    assert.deepEqual(key.attestations.map((a) => a.nodeId).sort(), NODES);
    const refreshed = await c.client.refresh(keyId);
    assert.deepEqual(refreshed.attestations.map((a) => a.nodeId).sort(), NODES);
    // Every node activates the refreshed shares (the next test deletes the confirmations they
    // read): each node's own statement of the key in KV names the refresh's epoch.
    const epoch = (refreshed as { epoch?: string }).epoch;
    assert.ok(epoch, 'the refresh answer names its epoch');
    const keys = await new Kvm(c.admin).open(n().keys);
    const stated = async (id: string) => {
      const e = await keys.get(`${keyId}.${id}`);
      return e?.value.length ? (JSON.parse(e.string()) as { epoch?: string }).epoch : undefined;
    };
    for (const id of NODES)
      await eventually(
        async () => (await stated(id)) === epoch,
        `${id} stating the refreshed epoch`,
      );
  });

  test('the admin deletes the nonces and results buckets: recreated alike, and signing works', async () => {
    const ttl = (await jsm.streams.info(`KV_${n().nonces}`)).config.max_age;
    // Without them every /v1 call (it claims a nonce) and every result would fail.
    for (const b of [n().nonces, n().results]) await jsm.streams.delete(`KV_${b}`);
    for (const b of [n().nonces, n().results])
      await eventually(
        () => c.nodes.some((p) => logged(p, 'infrastructure_recreated', `bucket ${b}`)),
        `bucket ${b} recreated`,
      );
    assert.equal((await jsm.streams.info(`KV_${n().nonces}`)).config.max_age, ttl, 'the same TTL');
    const sig = await c.client.sign(keyId, {
      curve: 'ed25519',
      message: 'abcd',
      signers: ['node0', 'node2'],
    });
    assert.equal(sig.signature.length, 128);
    assert.equal((await c.client.ready()).status, 'ready');
    for (const p of c.nodes)
      assert.deepEqual(
        p.logs.filter((l) => l.event === 'infrastructure_missing'),
        [],
      );
  });
});

describe('a node that may not recreate a deleted bucket fails readiness naming it', () => {
  let c: Awaited<ReturnType<typeof startCluster>>;
  const bucket = `tessera_it_nonces`;
  const permission = `, "$JS.API.STREAM.CREATE.KV_${bucket}"`;
  const opts = { ttl: 2 * SIGNED_HTTP_WINDOW_MS + 10_000 };

  before(async () => {
    c = await startCluster(
      'tessera-infra-denied-',
      ['node0'],
      ['node'],
      (authorization) => {
        assert.ok(
          authorization.includes(permission),
          'the generated block lets nodes create the bucket',
        );
        return authorization.replaceAll(permission, '');
      },
      // The node could not create it at its start either: the admin does.
      async (admin) => void (await new Kvm(admin).create(bucket, opts)),
    );
  });

  after(async () => {
    for (const p of c?.nodes ?? []) await p.stop('SIGKILL');
    await c?.admin.close().catch(() => undefined);
    await c?.server.stop();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  test('/readyz answers 503 naming the bucket until it is back', async () => {
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${c.ports[0]}/readyz`);
      return {
        status: res.status,
        body: (await res.json()) as {
          status: string;
          missing?: string[];
          error?: { code: string; message: string };
        },
      };
    };
    assert.equal((await readyz()).status, 200);
    await c.jsm.streams.delete(`KV_${bucket}`);
    await eventually(async () => (await readyz()).status === 503, '/readyz 503');
    const { body } = await readyz();
    assert.deepEqual(body.missing, [`bucket ${bucket}`]);
    assert.equal(body.error?.code, 'NOT_READY');
    assert.match(body.error!.message, new RegExp(`bucket ${bucket}`));
    assert.doesNotMatch(JSON.stringify(body), /\/|permission/i, 'fixed strings only');
    const missing = () => c.nodes[0]!.logs.filter((l) => l.event === 'infrastructure_missing');
    await eventually(() => missing().length > 0, 'infrastructure_missing logged');
    assert.deepEqual(
      new Set(missing().map((l) => `${l.what} ${l.reason}`)),
      new Set([`bucket ${bucket} PERMISSION_DENIED`]),
    );
    assert.equal(await exists(c.jsm.streams.info(`KV_${bucket}`)), false, 'not recreated');
    // The admin puts it back: ready again.
    await new Kvm(c.admin).create(bucket, opts);
    await eventually(async () => (await readyz()).status === 200, '/readyz 200 again');
  });
});
