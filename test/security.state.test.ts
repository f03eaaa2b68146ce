/**
 * Cluster state written by its owner (issue 10 item 2), attacked for real: a real nats-server and
 * a raw NATS client that writes the heartbeat and result buckets as anyone on the bus could.
 * Heartbeats count only when signed by their node for this cluster; a result is created once,
 * never overwritten once verified, and a forged one is reported and never returned.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { natsBus } from '../src/node/bus/bus.ts';
import { ClusterState, names, type Forgery } from '../src/node/cluster/state.ts';
import { generateIdentity, type PrivateIdentity } from '../src/node/identity/identity.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { confirmsKeyChange } from '../src/node/operations/index.ts';
import { redriveKey, sweepPromotions } from '../src/node/cluster/promotion.ts';
import { attest, type Curve, type NodeResult } from '../src/node/requests/requests.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cluster state on a bus anyone can write (real nats-server)', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let attacker: NatsConnection;
  let manifest: Manifest;
  let ids: PrivateIdentity[];
  let state: ClusterState;
  const forgeries: Forgery[] = [];
  let beats: KV;
  let results: KV;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-state-'));
    server = await startNats(join(dir, 'nats'));
    const generated = ['node0', 'node1', 'node2'].map((n) => generateIdentity(n));
    ids = generated.map((g) => g.private);
    manifest = {
      version: 1,
      cluster: 'statetest',
      nodes: generated.map((g) => g.public),
      initiators: [],
    };
    nc = await connect({ servers: server.url });
    attacker = await connect({ servers: server.url });
    state = await ClusterState.open(natsBus(nc), manifest);
    state.onForgery = (f) => forgeries.push(f);
    state.watchHeartbeats();
    beats = await new Kvm(attacker).open(names(manifest.cluster).heartbeats);
    results = await new Kvm(attacker).open(names(manifest.cluster).results);
  });

  after(async () => {
    await nc?.close();
    await attacker?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a heartbeat counts only when its node signed it for this cluster', async () => {
    const other = await ClusterState.open(natsBus(nc), { ...manifest, cluster: 'othercluster' });
    // node1 never beat: not ready.
    assert.deepEqual(await state.notReady(['node1'], 5_000), ['node1']);
    // The old unsigned form, as any bus client could write it.
    await beats.put('node1', JSON.stringify({ ts: Date.now(), active: 0 }));
    // node2's key signing a beat for node1.
    const asNode2 = { ...ids[2]!, nodeId: 'node1' };
    await state.beat(asNode2, 0);
    // node1's own key, but for another cluster (a replay across clusters).
    await other.beat(ids[1]!, 0);
    await sleep(100);
    assert.deepEqual(await state.notReady(['node1'], 5_000), ['node1']);
    assert.ok(
      forgeries.filter((f) => f.record === 'heartbeat' && f.key === 'node1').length >= 3,
      JSON.stringify(forgeries),
    );
    // The genuine beat counts.
    await state.beat(ids[1]!, 0);
    await sleep(100);
    assert.deepEqual(await state.notReady(['node1'], 5_000), []);
  });

  test('a forged fresh beat does not keep a node that stopped beating ready', async () => {
    const now = Date.now();
    // node0's genuine beat, old enough to be stale, then a forged fresh one.
    const fresh = await ClusterState.open(natsBus(nc), manifest);
    fresh.onForgery = (f) => forgeries.push(f);
    fresh.watchHeartbeats();
    await state.beat(ids[0]!, 0);
    await sleep(100);
    assert.deepEqual(await fresh.notReady(['node0'], 5_000), []);
    await beats.put(
      'node0',
      JSON.stringify({ nodeId: 'node0', ts: now + 60_000, active: 0, sig: '00'.repeat(64) }),
    );
    await sleep(100);
    // With a window already passed (the genuine beat is older than 1 ms by now), node0 is stale:
    // the forged beat, although "fresh", did not count.
    await sleep(5);
    assert.deepEqual(await fresh.notReady(['node0'], 1), ['node0']);
  });

  test('a result is created once: planted junk is replaced, a verified result is never overwritten, a forged one is never returned', async () => {
    const ok = (
      requestId: string,
      nodeId = 'node0',
      result: Record<string, unknown> = { signature: 'aa' },
    ): NodeResult =>
      attest(ids[manifest.nodes.findIndex((n) => n.nodeId === nodeId)]!, {
        requestId,
        nodeId,
        ok: true,
        result,
      });
    // 1. Junk planted before node0 publishes: node0's result replaces it.
    await results.put(
      'rq1.node0',
      JSON.stringify({
        requestId: 'rq1',
        nodeId: 'node0',
        ok: false,
        error: { code: 'REQUEST_EXPIRED' },
        attestation: '00'.repeat(64),
      }),
    );
    assert.equal(await state.result('rq1', 'node0'), undefined);
    assert.ok(forgeries.some((f) => f.record === 'result' && f.key === 'rq1.node0'));
    const genuine = ok('rq1');
    await state.putResult(genuine);
    assert.deepEqual(await state.result('rq1', 'node0'), genuine);
    // 2. A second, different attested result (e.g. a refusal signed later) does not replace it.
    await state.putResult(
      attest(ids[0]!, {
        requestId: 'rq1',
        nodeId: 'node0',
        ok: false,
        error: { code: 'REQUEST_EXPIRED', message: 'late', culprits: [] },
      }),
    );
    assert.deepEqual(await state.result('rq1', 'node0'), genuine);
    // The same result again (a redelivery) is a no-op.
    await state.putResult(genuine);
    assert.deepEqual(await state.result('rq1', 'node0'), genuine);
    // 3. Another node's genuine attestation stored under node0's key is not node0's result.
    await results.put('rq2.node0', JSON.stringify(ok('rq2', 'node1')));
    assert.equal(await state.result('rq2', 'node0'), undefined);
    // node0's attestation for another request stored under this one is not it either.
    await results.put('rq3.node0', JSON.stringify(ok('rq1')));
    assert.equal(await state.result('rq3', 'node0'), undefined);
    // 4. A waiting reader takes only verified results and reports the rest.
    const before = forgeries.length;
    const waiting = state.awaitResults('rq4', ['node0', 'node1'], 3_000);
    await sleep(50);
    await results.put(
      'rq4.node1',
      JSON.stringify({ ...ok('rq4', 'node1'), result: { signature: 'bb' } }),
    );
    await state.putResult(ok('rq4', 'node0'));
    const got = await waiting;
    assert.deepEqual([...got.keys()], ['node0']);
    assert.ok(forgeries.length > before && forgeries.some((f) => f.key === 'rq4.node1'));
  });

  test('a key record counts only as its parties signed it: forged, unsigned, minority and cross-slot statements are ignored; a promoted version supersedes its predecessor', async () => {
    const keys = await new Kvm(attacker).open(names(manifest.cluster).keys);
    const as = async (i: number, record: Record<string, unknown>) => {
      const w = await ClusterState.open(natsBus(nc), manifest);
      w.signer = ids[i]!;
      await w.put(record as never);
    };
    const e1 = {
      keyId: 'k1',
      threshold: 2,
      parties: ['node0', 'node1', 'node2'],
      curves: ['secp256k1'],
      publicKeys: { secp256k1: '02'.padEnd(66, 'a') },
      epoch: 'E1',
    };
    // An unsigned record of the old form is no record.
    await keys.put('k1', JSON.stringify(e1));
    assert.equal(await state.get('k1'), undefined);
    // One party is not enough at threshold 2; two are.
    await as(0, e1);
    assert.equal(await state.get('k1'), undefined);
    await as(1, e1);
    assert.deepEqual(await state.get('k1'), e1);
    await as(2, e1);
    // A compromised party stating other public keys is a minority: the record stands.
    const forgedKeys = { ...e1, publicKeys: { secp256k1: '03'.padEnd(66, 'b') } };
    await as(0, forgedKeys);
    assert.deepEqual(await state.get('k1'), e1);
    // Its statement copied into node2's slot, or a statement there that nobody signed, is a forgery.
    const before = forgeries.length;
    await keys.put('k1.node2', (await keys.get('k1.node0'))!.string());
    assert.equal(await state.get('k1'), undefined, 'node1 alone is below the threshold');
    await keys.put(
      'k1.node2',
      JSON.stringify({ ...forgedKeys, nodeId: 'node2', sig: '00'.repeat(64) }),
    );
    assert.equal(await state.get('k1'), undefined);
    assert.ok(
      forgeries.slice(before).filter((f) => f.record === 'key' && f.key === 'k1.node2').length >= 2,
      JSON.stringify(forgeries.slice(before)),
    );
    await as(0, e1);
    assert.deepEqual(await state.get('k1'), e1);
    // A junk epoch in a slot is just another forgery.
    await keys.put(
      'k1.node0',
      JSON.stringify({ ...e1, epoch: 'junk', nodeId: 'node0', sig: '11'.repeat(64) }),
    );
    assert.equal(await state.get('k1'), undefined);
    await as(0, e1);
    await as(2, e1);
    assert.deepEqual(await state.get('k1'), e1);
    // A refresh promoted by one of three parties does not supersede E1 yet; by two, it does.
    const e2 = { ...e1, epoch: 'E2', previousEpoch: 'E1' };
    await as(0, e2);
    assert.deepEqual(await state.get('k1'), e1);
    await as(1, e2);
    assert.deepEqual(await state.get('k1'), e2);
    // The API waits for a version to be activated this way.
    assert.deepEqual(await state.awaitKey('k1', 'E2', 1_000), e2);
    assert.equal(await state.awaitKey('k1', 'E3', 200), undefined);
  });

  test('a node keeps the key records it read in memory, and any write, delete or forgery on the bus drops them at once', async () => {
    const keys = await new Kvm(attacker).open(names(manifest.cluster).keys);
    const as = async (i: number, record: Record<string, unknown>) => {
      const w = await ClusterState.open(natsBus(nc), manifest);
      w.signer = ids[i]!;
      await w.put(record as never);
    };
    const cached = await ClusterState.open(natsBus(nc), manifest);
    cached.watchKeys();
    let reads = 0;
    const get = cached.keys.get.bind(cached.keys);
    cached.keys.get = (k: string) => (reads++, get(k));
    const eventually = async (want: unknown) => {
      for (
        let i = 0;
        i < 40 && JSON.stringify(await cached.get('k9')) !== JSON.stringify(want);
        i++
      )
        await sleep(25);
      assert.deepEqual(await cached.get('k9'), want);
    };
    const e1 = {
      keyId: 'k9',
      threshold: 2,
      parties: ['node0', 'node1', 'node2'],
      curves: ['ed25519'],
      publicKeys: { ed25519: 'aa'.repeat(32) },
      epoch: 'E1',
    };
    await as(0, e1);
    await as(1, e1);
    await eventually(e1);
    // Once the writes have settled, a read is kept, and the next comes from memory: no bus round trip.
    let fromMemory = false;
    for (let i = 0; i < 40 && !fromMemory; i++) {
      await sleep(50);
      await cached.get('k9');
      reads = 0;
      assert.deepEqual(await cached.get('k9'), e1);
      fromMemory = reads === 0;
    }
    assert.ok(fromMemory, 'a settled record is read from memory');
    // The attacker deletes one statement: below the threshold at once, not after the cache expires.
    await keys.delete('k9.node1');
    await eventually(undefined);
    // A forged statement in the slot is read (the write dropped the entry) and ignored.
    await keys.put(
      'k9.node1',
      JSON.stringify({ ...e1, epoch: 'E0', nodeId: 'node1', sig: '22'.repeat(64) }),
    );
    await eventually(undefined);
    await as(1, e1);
    await eventually(e1);
    // A promotion by two parties is seen as soon as their statements land.
    const e2 = { ...e1, epoch: 'E2', previousEpoch: 'E1' };
    await as(0, e2);
    await as(2, e2);
    await eventually(e2);
  });

  test("only a key change's outcome confirms it: a re-drive, a signing or a failure under the same request id, or another key's, confirms nothing", () => {
    const outcome = {
      keyId: 'k2',
      threshold: 2,
      parties: ['node0', 'node1'],
      publicKeys: { ed25519: '11'.repeat(32) },
    };
    assert.ok(confirmsKeyChange({ ok: true, result: outcome }, 'k2'));
    assert.ok(
      confirmsKeyChange({ ok: true, result: { ...outcome, refreshed: ['ed25519'] } }, 'k2'),
    );
    assert.ok(
      !confirmsKeyChange({ ok: true, result: { keyId: 'k2', held: false, behind: [] } }, 'k2'),
      'a re-drive status',
    );
    assert.ok(
      !confirmsKeyChange(
        {
          ok: true,
          result: { keyId: 'k2', held: true, publicKeys: outcome.publicKeys, behind: [] },
        },
        'k2',
      ),
      'a re-drive status, however shaped',
    );
    assert.ok(
      !confirmsKeyChange(
        {
          ok: true,
          result: {
            curve: 'ed25519',
            signature: 'aa',
            publicKey: '11',
            keyId: 'k2',
            publicKeys: outcome.publicKeys,
          },
        },
        'k2',
      ),
      'a signing',
    );
    assert.ok(!confirmsKeyChange({ ok: false, result: outcome }, 'k2'));
    assert.ok(!confirmsKeyChange({ ok: true, result: outcome }, 'k3'), 'another key');
  });

  test('a clobbered confirmation does not leave a promotion stuck: the party that activated re-publishes it until every party states the version', async () => {
    const record = {
      keyId: 'k2',
      threshold: 2,
      parties: ['node0', 'node1'],
      curves: ['ed25519'] as Curve[],
      publicKeys: { ed25519: '11'.repeat(32) },
      epoch: 'KG',
    };
    const confirmation = (i: number) =>
      attest(ids[i]!, {
        requestId: 'KG',
        nodeId: `node${i}`,
        ok: true,
        result: { keyId: 'k2', publicKeys: record.publicKeys },
      });
    const node = async (i: number, meta: Record<string, unknown>) => {
      const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
      await store.putJson('meta:k2', { ...record, versions: { ed25519: 1 }, ...meta });
      await store.putJson('request:KG', confirmation(i));
      const cluster = await ClusterState.open(natsBus(nc), manifest);
      cluster.signer = ids[i]!;
      const confirmed = async (id: string, parties: string[], keyId: string) =>
        (await Promise.all(parties.map((p) => cluster.result(id, p)))).every(
          (r) => r && confirmsKeyChange(r, keyId),
        );
      return {
        store,
        cluster,
        sweep: () => sweepPromotions(store, `node${i}`, cluster, confirmed),
        redrive: (keyId = 'k2') => redriveKey(store, `node${i}`, cluster, confirmed, keyId),
      };
    };
    // node0 saw both confirmations and activated the key; then its confirmation was clobbered on
    // the bus before node1 read it, so node1's key is still pending.
    const a = await node(0, {});
    const b = await node(1, { keygenRequest: 'KG' });
    await a.cluster.put(record);
    await b.cluster.putResult(confirmation(1));
    await results.put('KG.node0', JSON.stringify({ ...confirmation(0), ok: false }));
    assert.deepEqual(await b.sweep(), { promoted: [], republished: 1, restated: 0 });
    assert.equal(
      (await b.store.getJson<{ keygenRequest?: string }>('meta:k2'))?.keygenRequest,
      'KG',
    );
    // What `tessera keys promote` shows on each node: node1 waits for node0's confirmation.
    assert.deepEqual(await b.redrive(), {
      keyId: 'k2',
      held: true,
      behind: [],
      pending: { requestId: 'KG', waitingFor: ['node0'] },
    });
    assert.deepEqual(await a.redrive(), {
      keyId: 'k2',
      held: true,
      epoch: 'KG',
      behind: ['node1'],
    });
    assert.deepEqual(await a.redrive('nope'), { keyId: 'nope', held: false, behind: [] });
    // node0's sweep sees node1 has not stated the version and publishes its confirmation again.
    assert.equal((await a.sweep()).republished, 1);
    assert.deepEqual(await b.sweep(), { promoted: ['k2'], republished: 1, restated: 0 });
    assert.deepEqual(await b.redrive(), { keyId: 'k2', held: true, epoch: 'KG', behind: [] });
    assert.equal(
      (await b.store.getJson<{ keygenRequest?: string }>('meta:k2'))?.keygenRequest,
      undefined,
    );
    assert.equal((await state.get('k2'))?.epoch, 'KG');
    // Every party now states the version: nothing left to re-publish.
    assert.equal((await a.sweep()).republished, 0);
    // A statement deleted from the bus is stated again by its node's next sweep.
    const keys = await new Kvm(attacker).open(names(manifest.cluster).keys);
    await keys.delete('k2.node0');
    assert.equal((await a.sweep()).restated, 1);
    assert.equal((await a.sweep()).restated, 0);
    assert.equal((await state.get('k2'))?.epoch, 'KG');
  });
});
