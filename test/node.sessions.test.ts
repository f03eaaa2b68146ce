/**
 * Single-use session ids (issue 11 item 1). The ledger alone over a store (a restart is a new
 * ledger over the same store), then a real node process killed between its round-2 send and its
 * result record: the very same signed request, republished after the restart, is refused with
 * SESSION_REUSED and the node's durable ledger holds the session once. The same process also
 * reports a peer's abort as a claim that blames nobody, and quarantines its key, across a
 * restart, after a final signature that does not verify (the test plays node1 by hand).
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bytesToHex } from '@noble/curves/utils.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createStorage } from 'unstorage';
import { startEcdsaSign, type EcdsaKeyShare } from '../src/core/index.ts';
import { runEcdsaDkg } from '../src/protocol/local.ts';
import { KIND, type Opened } from '../src/node/transport/envelope.ts';
import { natsBus } from '../src/node/bus/bus.ts';
import { atomicFs } from '../src/node/storage/fs-atomic.ts';
import { ClusterState } from '../src/node/cluster/state.ts';
import { openPrivateIdentity } from '../src/node/identity/identity.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { names } from '../src/node/node.ts';
import { execute } from '../src/node/operations/index.ts';
import {
  RequestError,
  sessionId,
  signRequest,
  verifyAttestation,
  type NodeResult,
  type OperationRequest,
} from '../src/node/requests/requests.ts';
import type { ProtocolRound as RoundLike } from '../src/protocol/round.ts';
import { SessionManager } from '../src/protocol/session.ts';
import { SessionJournalError } from '../src/node/sessions/journal.ts';
import {
  SessionLedger,
  SessionReusedError,
  SESSION_RETENTION_MS,
} from '../src/node/sessions/ledger.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { PeerTransport } from '../src/node/transport/transport.ts';
import { makeCluster, request, startNode, type NodeProcess } from './helpers/cluster.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = (n: number) => n.toString(16).padStart(64, '0');
/** A one-node transport: a session of node0 alone finishes without sending anything. */
const transport = {
  me: { nodeId: 'node0' },
  manifest: { nodes: [{ nodeId: 'node0' }] },
  listen: () => undefined,
  send: () => undefined,
  forget: () => undefined,
} as unknown as PeerTransport;

/** The two media a ledger writes to, tested alike: store segments (Redis, memory) and the journal file (fs). */
const media = [
  { name: 'store segments (Redis, memory drivers)', journal: () => undefined },
  {
    name: 'session journal (fs driver)',
    journal: () => join(mkdtempSync(join(tmpdir(), 'tessera-journal-')), 'sessions.journal'),
  },
];

for (const medium of media) {
  describe(`the session ledger: ${medium.name}`, () => {
    const fresh = async () => ({
      store: await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32))),
      journal: medium.journal(),
    });

    test('a claimed id is refused again, also by a new ledger over the same store (a restart)', async () => {
      const { store, journal } = await fresh();
      const ledger = await SessionLedger.open(store, { journal });
      await ledger.claim(id(1));
      assert.throws(
        () => ledger.claim(id(1)),
        (e: unknown) =>
          e instanceof SessionReusedError &&
          e.code === 'SESSION_REUSED' &&
          e.message.includes(id(1)) &&
          e.culprits.length === 0,
      );
      await ledger.close();
      const restarted = await SessionLedger.open(store, { journal });
      assert.ok(restarted.has(id(1)));
      assert.throws(() => restarted.claim(id(1)), SessionReusedError);
      await restarted.claim(id(2));
      await restarted.close();
      for (const n of [1, 2, 3])
        assert.equal(await SessionLedger.recorded(store, id(n), { journal }), n < 3 ? 1 : 0);
    });

    test('ids claimed together share one durable write (group commit); one id twice in a batch is refused', async () => {
      const { store, journal } = await fresh();
      const ledger = await SessionLedger.open(store, { journal });
      await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.claim(id(100 + i))));
      // Ten sessions starting together cost one write (one record, or one append).
      if (journal) assert.equal(statSync(journal).size, 40 + 10 * 40);
      else assert.equal((await store.versions('sessions')).length, 1);
      const first = ledger.claim(id(200));
      assert.throws(() => ledger.claim(id(200)), SessionReusedError);
      await first;
      await ledger.close();
      for (let i = 0; i < 10; i++)
        assert.equal(await SessionLedger.recorded(store, id(100 + i), { journal }), 1);
    });

    test('expired ids go, so the ledger stays bounded; unexpired ids survive merges, compaction and a restart; the low-water mark survives a clock stepped back', async () => {
      const { store, journal } = await fresh();
      let now = 1_000_000;
      const ledger = await SessionLedger.open(store, { journal, now: () => now });
      // 4200 ids in 420 writes: past a journal's compaction floor, through every store level.
      for (let i = 0; i < 4200; i += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, k) => ledger.claim(id(10_000 + i + k))));
        if (i % 70 === 0) await ledger.settled();
      }
      await ledger.settled();
      if (!journal)
        assert.ok(
          (await store.versions('sessions')).length <= 64,
          `${(await store.versions('sessions')).length} records`,
        );
      assert.equal(ledger.size, 4200);
      const reopened = await SessionLedger.open(store, { journal, now: () => now });
      for (let i = 0; i < 4200; i++) assert.ok(reopened.has(id(10_000 + i)), `id ${i} survives`);
      await reopened.close();
      // Past the retention, those ids expire (at the next write, and when a restart loads them).
      now += SESSION_RETENTION_MS + 1;
      for (let i = 0; i < 40; i++) {
        await ledger.claim(id(50_000 + i));
        await ledger.settled();
      }
      assert.ok(ledger.size <= 40, `still ${ledger.size} ids remembered`);
      await ledger.close();
      // The journal was rewritten with the live ids only.
      if (journal)
        assert.ok(statSync(journal).size <= 40 + 40 * 40, `${statSync(journal).size} bytes`);
      else assert.ok((await store.versions('sessions')).length <= 64);
      const restarted = await SessionLedger.open(store, { journal, now: () => now });
      assert.equal(restarted.size, 40);
      for (let i = 0; i < 40; i++) assert.ok(restarted.has(id(50_000 + i)), `id ${i} survives`);
      await restarted.close();
      // The clock stepped back past the retention: the low-water mark stays (it is on disk), so
      // every forgotten id is older than it and the request layer refuses what could carry one.
      const back = await SessionLedger.open(store, {
        journal,
        now: () => now - 2 * SESSION_RETENTION_MS,
      });
      assert.ok(
        back.prunedBefore >= now - SESSION_RETENTION_MS,
        `low-water mark ${back.prunedBefore}`,
      );
      // Every id it may have forgotten (the first 4200, claimed at 1_000_000) is below the mark.
      assert.ok(1_000_000 < back.prunedBefore);
      await back.close();
    });
  });
}

describe('the session journal on a disk the attacker holds', () => {
  const setUp = async (claims = 5) => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    const journal = join(mkdtempSync(join(tmpdir(), 'tessera-journal-')), 'sessions.journal');
    const ledger = await SessionLedger.open(store, { journal });
    for (let i = 0; i < claims; i++) await ledger.claim(id(700 + i));
    await ledger.close();
    return { store, journal };
  };
  const refused = (why: RegExp) => (e: unknown) =>
    e instanceof SessionJournalError &&
    e.code === 'SESSION_JOURNAL_TAMPERED' &&
    why.test(e.message);

  test('the file hides the session ids it records', async () => {
    const { journal } = await setUp();
    const bytes = Buffer.from(readFileSync(journal)).toString('hex');
    for (let i = 0; i < 5; i++)
      assert.ok(
        !bytes.includes(id(700 + i).slice(-40)),
        'a session id is in the journal in the clear',
      );
    assert.equal(statSync(journal).mode & 0o777, 0o600);
  });

  test('a cut tail below the anchored position, a deleted file and an edited entry stop the ledger from opening', async () => {
    const cut = await setUp();
    truncateSync(cut.journal, 40 + 3 * 40);
    await assert.rejects(
      SessionLedger.open(cut.store, { journal: cut.journal }),
      refused(/has 3 entries but had 5/),
    );

    const gone = await setUp();
    rmSync(gone.journal);
    await assert.rejects(
      SessionLedger.open(gone.store, { journal: gone.journal }),
      refused(/missing or empty but held 5/),
    );

    const edited = await setUp();
    const b = readFileSync(edited.journal);
    b[40 + 40 + 10]! ^= 1; // the tag of entry 2
    writeFileSync(edited.journal, b);
    await assert.rejects(
      SessionLedger.open(edited.store, { journal: edited.journal }),
      refused(/entry 2 fails authentication/),
    );

    const swapped = await setUp();
    const s = readFileSync(swapped.journal);
    const e1 = Buffer.from(s.subarray(40, 80));
    s.copy(s, 40, 80, 120);
    e1.copy(s, 80);
    writeFileSync(swapped.journal, s);
    await assert.rejects(
      SessionLedger.open(swapped.store, { journal: swapped.journal }),
      refused(/entry 1 fails authentication/),
    );

    // Another store's journal (another key) does not open either.
    const other = await setUp();
    await assert.rejects(
      SessionLedger.open(other.store, { journal: cut.journal }),
      refused(/header fails authentication/),
    );
  });

  test('an older copy of the file put back after a compaction is refused', async () => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    const journal = join(mkdtempSync(join(tmpdir(), 'tessera-journal-')), 'sessions.journal');
    let now = 1_000_000;
    const ledger = await SessionLedger.open(store, { journal, now: () => now });
    for (let i = 0; i < 4100; i += 100)
      await Promise.all(Array.from({ length: 100 }, (_, k) => ledger.claim(id(20_000 + i + k))));
    await ledger.settled();
    const before = readFileSync(journal);
    now += SESSION_RETENTION_MS + 1;
    await ledger.claim(id(1));
    await ledger.close();
    assert.ok(statSync(journal).size < before.length, 'compacted');
    writeFileSync(journal, before);
    await assert.rejects(
      SessionLedger.open(store, { journal, now: () => now }),
      refused(/epoch 1 but epoch 2 was written/),
    );
  });

  test('a torn last batch (a crash mid-append, never acknowledged) is dropped; the journal goes on', async () => {
    const { store, journal } = await setUp();
    // Half an entry, and a whole entry of garbage, after the anchored five.
    appendFileSync(journal, Buffer.alloc(60, 7));
    const ledger = await SessionLedger.open(store, { journal });
    assert.equal(ledger.size, 5);
    await ledger.claim(id(800));
    await ledger.close();
    assert.equal(statSync(journal).size, 40 + 6 * 40);
    const again = await SessionLedger.open(store, { journal });
    assert.ok(again.has(id(800)) && again.has(id(704)));
    await again.close();
  });

  test('ids kept in the store by an earlier version move into the journal', async () => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    const old = await SessionLedger.open(store);
    await old.claim(id(900));
    await old.close();
    const journal = join(mkdtempSync(join(tmpdir(), 'tessera-journal-')), 'sessions.journal');
    const ledger = await SessionLedger.open(store, { journal });
    assert.ok(ledger.has(id(900)));
    await ledger.close();
    assert.deepEqual(await store.versions('sessions'), []);
    assert.equal(await SessionLedger.recorded(store, id(900), { journal }), 1);
  });
});

describe('session reservations and the ledger low-water mark (no network)', () => {
  const done = (): RoundLike => ({
    outgoing: [],
    receive: () => undefined,
    missing: () => [],
    finish: () => 'done',
  });
  const refused = (n: number): OperationRequest => ({
    op: 'sign',
    requestId: `refused-${n}`,
    initiator: 'ops',
    timestamp: Date.now(),
    keyId: 'nokey',
    curve: 'secp256k1',
    message: '11'.repeat(32),
    signers: ['node0'],
  });

  test('requests refused before their session runs release their reservations: after 1100 of them an honest reserved session still runs', async () => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    const sessions = new SessionManager(transport, { ledger: await SessionLedger.open(store) });
    const honest = sessionId('honest', 'sign/secp256k1');
    sessions.reserve(honest);
    for (let i = 0; i < 1100; i++) {
      await assert.rejects(
        execute(refused(i), 'node0', store, sessions, {}, async () => true),
        (e: unknown) => (e as { code?: string }).code === 'UNKNOWN_KEY',
      );
    }
    // Only the honest reservation is left; it was not evicted, so its run does not claim again.
    assert.equal(sessions.reservations, 1);
    assert.equal(
      await sessions.run<string>({ session: honest, parties: ['node0'], start: done }),
      'done',
    );
    assert.equal(sessions.reservations, 0);
    // A refused request's id stays spent: it never runs later.
    assert.throws(
      () => sessions.reserve(sessionId('refused-0', 'sign/secp256k1')),
      (e: unknown) => (e as { code?: string }).code === 'SESSION_REUSED',
    );
  });

  test("a request older than the ledger's low-water mark plus the request window is refused before anything is reserved", async () => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    // A clock once stepped forward two retentions: the ledger pruned everything before then.
    const ahead = Date.now() + 2 * SESSION_RETENTION_MS;
    await (await SessionLedger.open(store, { now: () => ahead })).claim(id(1));
    const ledger = await SessionLedger.open(store);
    assert.ok(ledger.prunedBefore >= ahead - SESSION_RETENTION_MS);
    const sessions = new SessionManager(transport, { ledger });
    await assert.rejects(
      execute(refused(0), 'node0', store, sessions, {}, async () => true),
      (e: unknown) =>
        e instanceof RequestError &&
        e.code === 'REQUEST_EXPIRED' &&
        /session ledger/.test(e.message),
    );
    assert.ok(
      !ledger.has(bytesToHex(sessionId('refused-0', 'sign/secp256k1'))),
      'nothing was claimed',
    );
    // With the clock never stepped, a fresh request passes this check (and fails later: no key).
    const fresh = new SessionManager(transport, {
      ledger: await SessionLedger.open(
        await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32))),
      ),
    });
    await assert.rejects(
      execute(refused(1), 'node0', store, fresh, {}, async () => true),
      (e: unknown) => (e as { code?: string }).code === 'UNKNOWN_KEY',
    );
  });
});

describe('a node one promotion behind its co-parties (no network)', () => {
  const keyId = 'key_refreshed';
  const record = {
    keyId,
    threshold: 2,
    parties: ['node0', 'node1'],
    curves: ['ed25519' as const],
    publicKeys: { ed25519: 'ab'.repeat(32) },
    epoch: 'refresh-1',
    previousEpoch: 'keygen-1',
  };
  /** node0 holds the refresh's shares pending; node1 has activated them and states the new epoch. */
  const behind = async () => {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    await store.putJson(`meta:${keyId}`, {
      ...record,
      epoch: 'keygen-1',
      previousEpoch: undefined,
      versions: { ed25519: 1 },
      next: {
        requestId: 'refresh-1',
        threshold: 2,
        parties: ['node0', 'node1'],
        versions: { ed25519: 2 },
      },
    });
    const cluster = { get: async () => record, put: async () => undefined };
    return {
      store,
      cluster,
      sessions: new SessionManager(transport, { ledger: await SessionLedger.open(store) }),
    };
  };
  const signing = (n: number): OperationRequest => ({
    op: 'sign',
    requestId: `sign-after-refresh-${n}`,
    initiator: 'ops',
    timestamp: Date.now(),
    keyId,
    curve: 'ed25519',
    message: '0d',
    signers: ['node0', 'node1'],
  });

  test('a signing right after a refresh whose confirmations it has not seen is KEY_NOT_ACTIVE (retry), not STALE_SHARE (restored from a backup)', async () => {
    const { store, cluster, sessions } = await behind();
    await assert.rejects(
      execute(signing(0), 'node0', store, sessions, {}, async () => false, cluster),
      (e: unknown) =>
        e instanceof RequestError && e.code === 'KEY_NOT_ACTIVE' && /retry/.test(e.message),
    );
    assert.equal(
      (await store.getJson<{ epoch: string }>(`meta:${keyId}`))!.epoch,
      'keygen-1',
      'nothing promoted without the confirmations',
    );
  });

  test('confirmations arriving while the signing waits: the node promotes and goes on with the new shares', async () => {
    const { store, cluster, sessions } = await behind();
    const arrives = Date.now() + 300;
    const confirmed = async (requestId: string) =>
      requestId === 'refresh-1' && Date.now() > arrives;
    // The shares themselves are absent here: the signing goes past the epoch checks and fails reading them.
    await assert.rejects(
      execute(signing(1), 'node0', store, sessions, {}, confirmed, cluster),
      (e: unknown) =>
        e instanceof RequestError && e.code === 'UNKNOWN_KEY' && /share/.test(e.message),
    );
    const meta = (await store.getJson<{ epoch: string; previousEpoch: string; next?: unknown }>(
      `meta:${keyId}`,
    ))!;
    assert.deepEqual(
      [meta.epoch, meta.previousEpoch, meta.next],
      ['refresh-1', 'keygen-1', undefined],
    );
  });
});

describe('a signing rerun after a crash is refused (real node process, real nats-server)', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let manifest: Manifest;
  let initiator: Uint8Array;
  let configs: string[];
  let node0: NodeProcess | undefined;
  let shares: EcdsaKeyShare[];
  let beat: ReturnType<typeof setInterval> | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sessions-'));
    server = await startNats(join(dir, 'nats'));
    ({ manifest, initiator, configs } = await makeCluster(
      dir,
      ['node0', 'node1', 'node2'],
      server.url,
      undefined,
      { timeouts: { roundMs: 20_000, sessionMs: 60_000 } },
    ));
    // node0's share is written to its store; the test plays node1 (honest, but it holds its round 2).
    shares = runEcdsaDkg({ threshold: 2, parties: 2 });
    const store = await openStore('node0');
    await store.put('share:kr:secp256k1', 1, shares[0]!.blob);
    await store.putJson('meta:kr', {
      keyId: 'kr',
      threshold: 2,
      parties: ['node0', 'node1'],
      curves: ['secp256k1'],
      publicKeys: { secp256k1: bytesToHex(shares[0]!.publicKey) },
      versions: { secp256k1: 1 },
      epoch: 'dkg-kr',
    });
    await store.close();
    nc = await connect({ servers: server.url });
  });

  after(async () => {
    clearInterval(beat);
    await node0?.stop('SIGKILL');
    await nc?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const openStore = async (nodeId: string) =>
    EncryptedStore.open(
      createStorage({ driver: atomicFs({ base: join(dir, 'data', nodeId) }) }),
      Uint8Array.from(
        Buffer.from(readFileSync(join(dir, `${nodeId}.storage.key`), 'utf8').trim(), 'hex'),
      ),
    );
  const until = async <T>(
    what: string,
    f: () => T | undefined | Promise<T | undefined>,
    ms = 30_000,
  ): Promise<T> => {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(20)) {
      const v = await f();
      if (v !== undefined) return v;
    }
    throw new Error(`${what} did not happen`);
  };

  test('node0 killed after its round-2 send, restarted, gets the same signed request again: SESSION_REUSED, nothing sent, the ledger holds the session once', async () => {
    node0 = await startNode(configs[0]!);
    const n = names(manifest.cluster);
    // node1's signed heartbeat, so node0 counts it ready.
    const node1Identity = await openPrivateIdentity(
      new Uint8Array(readFileSync(join(dir, 'node1.key.age'))),
      'passphrase-for-node1',
    );
    const state = await ClusterState.open(natsBus(nc), manifest);
    const alive = () => void state.beat(node1Identity, 0).catch(() => undefined);
    alive();
    beat = setInterval(alive, 500);
    const node1 = new PeerTransport(nc, manifest, node1Identity);
    const inbox: { o: Opened; afterKill: boolean }[] = [];
    let killed = false;
    node1.listen(
      (o) => inbox.push({ o, afterKill: killed }),
      () => undefined,
    );
    await nc.flush();

    const r = request({
      op: 'sign',
      keyId: 'kr',
      curve: 'secp256k1',
      message: '5a'.repeat(32),
      signers: ['node0', 'node1'],
    });
    const session = sessionId(r.requestId, 'sign/secp256k1');
    const signed = new TextEncoder().encode(
      JSON.stringify(signRequest(r, initiator, manifest.cluster)),
    );
    await jetstream(nc).publish(n.requests, signed, { msgID: r.requestId });

    // node1 plays rounds 1 and 2 honestly up to node0's round-2 message, then goes silent.
    const fromNode0 = (round: number) =>
      until(
        `node0's round-${round} message`,
        () =>
          inbox.find(
            (m) =>
              m.o.round === round &&
              m.o.kind === KIND.protocol &&
              bytesToHex(m.o.session) === bytesToHex(session),
          )?.o,
      );
    const mine = startEcdsaSign({
      key: shares[1]!,
      session,
      signers: [1, 2],
      digest: new Uint8Array(32).fill(0x5a),
    });
    mine.receive((await fromNode0(1)).body);
    node1.send({ kind: KIND.protocol, session, round: 1, to: 1, body: mine.outgoing[0]!.bytes });
    const round2 = mine.advance();
    await fromNode0(2);
    // node0 has sent round 2 and waits for node1's: it dies before any result is recorded.
    killed = true;
    await node0.stop('SIGKILL');
    node0 = await startNode(configs[0]!);
    // node1 resumes (its round 2 reaches a node that no longer runs the session), and the very
    // same signed request arrives again.
    node1.send({ kind: KIND.protocol, session, round: 2, to: 1, body: round2.outgoing[0]!.bytes });
    nc.publish(n.fast, signed);

    const results = await new Kvm(nc).open(n.results);
    const res = await until('node0 result', async () => {
      const e = await results.get(`${r.requestId}.node0`).catch(() => null);
      return e && e.value.length ? (JSON.parse(e.string()) as NodeResult) : undefined;
    });
    assert.ok(verifyAttestation(manifest, res));
    assert.equal(res.ok, false);
    assert.equal(res.error!.code, 'SESSION_REUSED', JSON.stringify(res.error));
    assert.ok(res.error!.message.includes(bytesToHex(session)), res.error!.message);
    assert.deepEqual(res.error!.culprits, []);
    // The rerun sent node1 nothing: no round-one output left the restarted node.
    await nc.flush();
    assert.deepEqual(
      inbox
        .filter((m) => m.afterKill && bytesToHex(m.o.session) === bytesToHex(session))
        .map((m) => m.o.round),
      [],
    );
    await node0.stop();
    node0 = undefined;
    const store = await openStore('node0');
    const recorded = await SessionLedger.recorded(store, bytesToHex(session), {
      journal: join(dir, 'data', 'node0', 'sessions.journal'),
    });
    await store.close();
    assert.equal(recorded, 1);
    node1.close();
  });

  test("node0 reports node1's abort as a claim blaming nobody; a final signature that does not verify quarantines the key, also after a restart", async () => {
    node0 = await startNode(configs[0]!);
    const n = names(manifest.cluster);
    const node1 = new PeerTransport(
      nc,
      manifest,
      await openPrivateIdentity(
        new Uint8Array(readFileSync(join(dir, 'node1.key.age'))),
        'passphrase-for-node1',
      ),
    );
    const inbox: Opened[] = [];
    node1.listen(
      (o) => inbox.push(o),
      () => undefined,
    );
    await nc.flush();
    const results = await new Kvm(nc).open(n.results);
    const submit = async (message: string) => {
      const r = request({
        op: 'sign',
        keyId: 'kr',
        curve: 'secp256k1',
        message,
        signers: ['node0', 'node1'],
      });
      await jetstream(nc).publish(
        n.requests,
        JSON.stringify(signRequest(r, initiator, manifest.cluster)),
        { msgID: r.requestId },
      );
      const session = sessionId(r.requestId, 'sign/secp256k1');
      return {
        session,
        digest: new Uint8Array(32).fill(parseInt(message.slice(0, 2), 16)),
        fromNode0: (round: number) =>
          until(`node0's round-${round} message`, () =>
            inbox.find(
              (o) =>
                o.round === round &&
                o.kind === KIND.protocol &&
                bytesToHex(o.session) === bytesToHex(session),
            ),
          ),
        result: () =>
          until('node0 result', async () => {
            const e = await results.get(`${r.requestId}.node0`).catch(() => null);
            return e && e.value.length ? (JSON.parse(e.string()) as NodeResult) : undefined;
          }),
      };
    };

    // 1. node1 aborts, claiming node2 failed a consistency check: reported, blames nobody.
    const claimed = await submit('61'.repeat(32));
    await claimed.fromNode0(1);
    node1.send({
      kind: KIND.abort,
      session: claimed.session,
      round: 1,
      to: 1,
      body: new TextEncoder().encode(
        JSON.stringify({
          code: 'CONSISTENCY_CHECK_FAILED',
          culprits: ['node2'],
          round: 1,
          message: 'node2 cheated',
        }),
      ),
    });
    const aborted = await claimed.result();
    assert.equal(aborted.error?.code, 'ABORTED_BY_PEER', JSON.stringify(aborted));
    assert.deepEqual(aborted.error!.culprits, []);
    assert.match(aborted.error!.message, /node1 says node2: CONSISTENCY_CHECK_FAILED/);

    // 2. node1 plays honestly, but its round-3 w_i is one bit off: only the final verification sees it.
    const bad = await submit('62'.repeat(32));
    const mine = startEcdsaSign({
      key: shares[1]!,
      session: bad.session,
      signers: [1, 2],
      digest: bad.digest,
    });
    mine.receive((await bad.fromNode0(1)).body);
    node1.send({
      kind: KIND.protocol,
      session: bad.session,
      round: 1,
      to: 1,
      body: mine.outgoing[0]!.bytes,
    });
    const r2 = mine.advance();
    r2.receive((await bad.fromNode0(2)).body);
    node1.send({
      kind: KIND.protocol,
      session: bad.session,
      round: 2,
      to: 1,
      body: r2.outgoing[0]!.bytes,
    });
    const body = r2.advance().outgoing[0]!.bytes.slice();
    body[body.length - 1]! ^= 1;
    node1.send({ kind: KIND.protocol, session: bad.session, round: 3, to: 1, body });
    assert.equal((await bad.result()).error?.code, 'INVALID_SIGNATURE');
    assert.equal((await (await submit('63'.repeat(32))).result()).error?.code, 'KEY_QUARANTINED');
    // The quarantine is on disk: a restarted node0 still refuses.
    await node0.stop();
    node0 = await startNode(configs[0]!);
    const again = await (await submit('64'.repeat(32))).result();
    assert.equal(again.error?.code, 'KEY_QUARANTINED', JSON.stringify(again));
    assert.deepEqual(again.error!.culprits, []);
    node1.close();
  });
});
