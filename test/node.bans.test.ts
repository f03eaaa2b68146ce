/**
 * Bans, quarantine and abort claims (issue 11 items 3 and 7), with three in-process nodes over a
 * real nats-server running the real protocols; node1 runs honest code over a transport that
 * rewrites chosen messages. A ban lasts the share epoch (a refresh lifts it only when promoted)
 * and stops running sessions at once; a signature that does not verify quarantines the key; an
 * abort's culprits are reported as a claim and never acted on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KIND } from '../src/node/transport/envelope.ts';
import { bannedPeers, quarantined } from '../src/node/operations/index.ts';
import { sessionId, type OperationRequest } from '../src/node/requests/requests.ts';
import { SessionAbortedError, SessionError, SessionManager } from '../src/protocol/session.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { request } from './helpers/cluster.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';
import { inProcessNodes, run, type PeerNode } from './helpers/peers.ts';

const NODES = ['node0', 'node1', 'node2'];
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('bans, quarantine and abort claims over a real nats-server', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let nodes: PeerNode[];
  /** Request ids whose confirmation is held back (their new shares are not promoted). */
  const held = new Set<string>();
  const confirmed = (id: string) => !held.has(id);
  const n0 = () => nodes[0]!;
  const n1 = () => nodes[1]!;
  const n2 = () => nodes[2]!;
  const sign = (signers: string[], message = '11'.repeat(32)) =>
    request({
      op: 'sign',
      keyId: 'kb',
      curve: 'secp256k1',
      message,
      signers,
    }) as OperationRequest & { op: 'sign' };
  const everyone = (r: OperationRequest, who = nodes) =>
    Promise.all(who.map((n) => run(n, r, confirmed)));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-bans-'));
    server = await startNats(dir);
    nc = await connect({ servers: server.url });
    ({ nodes } = await inProcessNodes(nc, 'bans', NODES));
    await everyone(
      request({ op: 'keygen', keyId: 'kb', threshold: 2, parties: NODES, curves: ['secp256k1'] }),
    );
  });

  after(async () => {
    await nc?.drain();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a failed consistency check bans node1 at once (its running session with node0 fails before the failing one unwinds); the ban survives a refresh until the refresh is promoted', async () => {
    // What happens on node0, in order: when the running sessions are failed (and how many are
    // still running then), and when the ban record is written.
    const order: string[] = [];
    const sessions = n0().sessions;
    const store = n0().store;
    sessions.failLive = (...a) => {
      order.push(`failLive, ${sessions.active} running`);
      return SessionManager.prototype.failLive.apply(sessions, a);
    };
    store.putJson = async (name, value, opts) => {
      if (name === 'ban:kb') order.push('ban written');
      return EncryptedStore.prototype.putJson.call(store, name, value, opts);
    };
    // A signing with node1 that node1 never answers: it runs until the ban stops it.
    const waiting = run(n0(), sign(['node0', 'node1'], '22'.repeat(32)), confirmed, 120_000).then(
      () => assert.fail('the signing with node1 should stop'),
      (x: unknown) => x,
    );
    // A second signing, in which node1 flips one bit of its OT-extension message to node0.
    const probe = sign(['node0', 'node1']);
    const session = sessionId(probe.requestId, 'sign/secp256k1');
    n1().transport.tamper = (e) => {
      if (
        e.kind !== KIND.protocol ||
        e.round !== 1 ||
        e.to !== 1 ||
        Buffer.compare(e.session, session) !== 0
      )
        return undefined;
      const body = e.body.slice();
      // A bit inside M1 (the OT-extension message), which follows sign_id, nonce and Com(R_i).
      body[39 + 96 + 10]! ^= 1;
      return body;
    };
    const [mine, theirs] = await Promise.allSettled([
      run(n0(), probe, confirmed),
      run(n1(), probe, confirmed),
    ]);
    n1().transport.tamper = undefined;
    delete (sessions as Partial<SessionManager>).failLive;
    delete (store as Partial<EncryptedStore>).putJson;
    assert.equal(mine.status, 'rejected');
    const e = (mine as PromiseRejectedResult).reason as SessionError;
    assert.equal(e.code, 'CONSISTENCY_CHECK_FAILED', e.message);
    // The ban stopped the other session while the detecting one still ran (both counted), and
    // before its record went to disk.
    assert.deepEqual(order, ['failLive, 2 running', 'ban written']);
    assert.deepEqual(e.culprits, ['node1']);
    // The other running session with node1 stopped because of the ban, naming node1.
    const stopped = await waiting;
    assert.ok(stopped instanceof SessionError && stopped.code === 'PEER_BANNED', String(stopped));
    assert.deepEqual(stopped.culprits, ['node1']);
    assert.deepEqual(await bannedPeers(n0().store, 'kb'), ['node1']);
    // node1 only heard node0's abort: a claim, so it bans nobody.
    assert.equal(theirs.status, 'rejected');
    const heard = (theirs as PromiseRejectedResult).reason;
    assert.ok(
      heard instanceof SessionAbortedError &&
        heard.culprits.length === 0 &&
        heard.claims[0]!.culprits[0] === 'node1',
      String(heard),
    );
    assert.deepEqual(await bannedPeers(n1().store, 'kb'), []);

    // A refresh runs (every party, node1 included) but is not promoted yet: the ban holds.
    const refresh = request({ op: 'refresh', keyId: 'kb' });
    held.add(refresh.requestId);
    for (const r of await everyone(refresh)) assert.deepEqual(r?.refreshed, ['secp256k1']);
    assert.deepEqual(await bannedPeers(n0().store, 'kb'), ['node1']);
    await assert.rejects(run(n0(), sign(['node0', 'node1']), confirmed), code('PEER_BANNED'));
    // Promoted (every party confirmed): the new shares sign, with node1 again.
    held.delete(refresh.requestId);
    const ok = sign(['node0', 'node1'], '33'.repeat(32));
    const [a, b] = await everyone(ok, [n0(), n1()]);
    assert.equal(a!.signature, b!.signature);
    assert.deepEqual(await bannedPeers(n0().store, 'kb'), []);
  });

  test('a final signature that does not verify quarantines the key on that node until a refresh is promoted', async () => {
    // node1 runs rounds 1 and 2 honestly, then sends node0 a w_i one bit off: no round check
    // sees it, only the final verification.
    const bad = sign(['node0', 'node1'], '44'.repeat(32));
    const session = sessionId(bad.requestId, 'sign/secp256k1');
    n1().transport.tamper = (e) => {
      if (
        e.kind !== KIND.protocol ||
        e.round !== 3 ||
        e.to !== 1 ||
        Buffer.compare(e.session, session) !== 0
      )
        return undefined;
      const body = e.body.slice();
      body[body.length - 1]! ^= 1;
      return body;
    };
    const [mine] = await Promise.allSettled([run(n0(), bad, confirmed), run(n1(), bad, confirmed)]);
    n1().transport.tamper = undefined;
    assert.equal(mine.status, 'rejected');
    assert.equal(
      ((mine as PromiseRejectedResult).reason as SessionError).code,
      'INVALID_SIGNATURE',
    );
    assert.ok(await quarantined(n0().store, 'kb'));
    // Every later signing on node0 is refused, with any co-signer.
    await assert.rejects(
      run(n0(), sign(['node0', 'node2']), confirmed),
      (x: unknown) => code('KEY_QUARANTINED')(x) && /quarantined/.test((x as Error).message),
    );
    // An unpromoted refresh does not lift it; the promoted one does.
    const refresh = request({ op: 'refresh', keyId: 'kb' });
    held.add(refresh.requestId);
    await everyone(refresh);
    await assert.rejects(run(n0(), sign(['node0', 'node2']), confirmed), code('KEY_QUARANTINED'));
    held.delete(refresh.requestId);
    const [a, b] = await everyone(sign(['node0', 'node2'], '55'.repeat(32)), [n0(), n2()]);
    assert.equal(a!.signature, b!.signature);
    assert.equal(await quarantined(n0().store, 'kb'), undefined);
  });

  test('an abort naming a culprit is reported as a claim and acted on by nobody', async () => {
    for (const claimed of ['CONSISTENCY_CHECK_FAILED', 'INVALID_SIGNATURE']) {
      const r = sign(NODES, '66'.repeat(32));
      const session = sessionId(r.requestId, 'sign/secp256k1');
      const mine = run(n0(), r, confirmed);
      // node1 says node2 cheated (it did not; node2 never even started).
      n1().transport.send({
        kind: KIND.abort,
        session,
        round: 1,
        to: 1,
        body: new TextEncoder().encode(
          JSON.stringify({
            code: claimed,
            culprits: ['node2'],
            round: 1,
            message: 'node2 cheated',
          }),
        ),
      });
      const e = await mine.then(
        () => assert.fail('the signing should abort'),
        (x: unknown) => x,
      );
      assert.ok(e instanceof SessionAbortedError, String(e));
      assert.equal(e.code, 'ABORTED_BY_PEER');
      assert.deepEqual(e.culprits, []);
      assert.deepEqual(
        e.claims.map((c) => [c.by, c.code, c.culprits]),
        [['node1', claimed, ['node2']]],
      );
      assert.match(e.message, new RegExp(`node1 says node2: ${claimed}`));
    }
    assert.deepEqual(await bannedPeers(n0().store, 'kb'), []);
    assert.equal(await quarantined(n0().store, 'kb'), undefined);
    const [a, b] = await everyone(sign(['node0', 'node2'], '77'.repeat(32)), [n0(), n2()]);
    assert.equal(a!.signature, b!.signature);
  });

  test('decrypted share buffers are zeroed once the core has taken them (item 4, host side)', async () => {
    const node = n2();
    const read: Uint8Array[] = [];
    const get = node.store.get.bind(node.store);
    node.store.get = async (name: string, version: number) => {
      const b = await get(name, version);
      if (b && name.startsWith('share:')) read.push(b);
      return b;
    };
    try {
      const [a, b] = await everyone(sign(['node0', 'node2'], '88'.repeat(32)), [n0(), n2()]);
      assert.equal(a!.signature, b!.signature);
      await everyone(request({ op: 'refresh', keyId: 'kb' }));
    } finally {
      node.store.get = get;
    }
    assert.ok(read.length >= 2, `${read.length} share reads`);
    for (const b of read)
      assert.ok(
        b.length > 0 && b.every((x) => x === 0),
        'a decrypted share buffer was left unwiped',
      );
  });
});
