/**
 * One approval policy for every form, over a real nats-server and three node processes: the
 * direct form (`{request, signature}`) without approvals is refused while the manifest's m-of-k
 * policy covers the operation, and runs with them (Ed25519 and P-256 initiators and
 * authorizers); an approval signed for another initiator or another cluster, and a request
 * signed for another cluster, are refused in both forms; an `{http}` request with a poisoned
 * request id is refused and the real result stays; a direct request for a locked key is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import {
  requestIdOf,
  signApproval,
  type InitiatorSecret,
  type SignedHttp,
} from '../src/auth/signed-http.ts';
import { submit } from '../src/client/nats.ts';
import { natsBus } from '../src/node/bus/bus.ts';
import { ClusterState, names } from '../src/node/cluster/state.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import {
  admitRequest,
  checkKeyLock,
  parseRequest,
  RequestError,
  signRequest,
  verifyAttestation,
  type NodeResult,
  type OperationRequest,
} from '../src/node/requests/requests.ts';
import {
  cliArgv,
  makeCluster,
  request,
  startNode,
  type Draft,
  type NodeProcess,
} from './helpers/cluster.ts';
import { putOnStream, signedPost } from './helpers/stream.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';

const NODES = ['node0', 'node1', 'node2'];
const CLUSTER = 'it';
const ROOT = new URL('../', import.meta.url).pathname;

/** Polls `f` until it returns something (bounded, so a missing event fails instead of hanging). */
async function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  tries = 300,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('one approval policy for both request forms', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let manifest: Manifest;
  let ops: InitiatorSecret;
  let results: KV;
  const ops2: InitiatorSecret = {
    id: 'ops2',
    kind: 'ed25519',
    secretKey: ed25519.utils.randomSecretKey(),
  };
  const kms: InitiatorSecret = { id: 'kms', kind: 'p256', secretKey: p256.utils.randomSecretKey() };
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((id): InitiatorSecret => ({
    id,
    kind: 'ed25519',
    secretKey: ed25519.utils.randomSecretKey(),
  }));
  const dave: InitiatorSecret = {
    id: 'dave',
    kind: 'p256',
    secretKey: p256.utils.randomSecretKey(),
  };
  const nodes = new Map<string, NodeProcess>();
  let publicKey: string;

  const direct = (r: Draft, initiator = 'ops') =>
    ({ ...request(r), initiator }) as OperationRequest;
  const publish = (msg: unknown, msgID?: string) => putOnStream(nc, CLUSTER, msg, msgID);
  const stored = async (requestId: string, nodeId: string) => {
    const e = await results.get(`${requestId}.${nodeId}`).catch(() => null);
    return e && e.value.length
      ? { revision: e.revision, result: JSON.parse(e.string()) as NodeResult }
      : undefined;
  };
  /** Every node logged `request_rejected` with `code` for `requestId`. */
  const refusedEverywhere = async (requestId: string, code: string) => {
    for (const [id, p] of nodes)
      await until(`${id} refusing ${requestId} with ${code}`, () =>
        p.logs.some(
          (l) => l.event === 'request_rejected' && l.requestId === requestId && l.code === code,
        )
          ? true
          : undefined,
      );
  };
  /**
   * Publishes an {http} message and waits until every node logged its refusal with `code` (under
   * the request's own id, or none: a node has no id it could trust before verifying).
   */
  const refusedHttp = async (msg: unknown, id: string, code: string) => {
    const mine = (l: Record<string, unknown>) =>
      l.event === 'request_rejected' &&
      l.code === code &&
      (l.requestId === '?' || l.requestId === id);
    const seen = new Map([...nodes].map(([n, p]) => [n, p.logs.filter(mine).length]));
    await publish(msg);
    for (const [n, p] of nodes)
      await until(`${n} refusing {http} ${id} with ${code}`, () =>
        p.logs.filter(mine).length > seen.get(n)! ? true : undefined,
      );
  };
  /** Nothing ran: no node received the request, nor published or audited anything under its id. */
  const nothingRan = async (requestId: string) => {
    for (const [id, p] of nodes) {
      assert.ok(
        !p.logs.some((l) => l.event === 'request_received' && l.requestId === requestId),
        `${id} ran ${requestId}`,
      );
      assert.equal(
        await stored(requestId, id),
        undefined,
        `${id} published a result for ${requestId}`,
      );
      assert.ok(
        !readFileSync(join(dir, `${id}.audit.jsonl`), 'utf8').includes(requestId),
        `${id} audited ${requestId}`,
      );
    }
  };
  /** An {http} request as the API forwards it, signed by `key` for `cluster`. */
  const httpRequest = (
    key: InitiatorSecret,
    path: string,
    body: string,
    cluster = CLUSTER,
    now = Date.now(),
    nonce?: string,
  ): SignedHttp => signedPost(key, cluster, path, body, now, nonce);
  const approve = (s: SignedHttp, who: InitiatorSecret[], cluster = CLUSTER, initiator = s.keyId) =>
    who
      .map((a) =>
        signApproval(a, cluster, s.method, s.path, s.body, {
          'X-Tessera-Key-Id': initiator,
          'X-Tessera-Timestamp': String(s.timestamp),
          'X-Tessera-Nonce': s.nonce,
        }),
      )
      .join(' ');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-approvals-'));
    server = await startNats(join(dir, 'nats'));
    let initiator: Uint8Array;
    let configs: string[];
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url));
    ops = { id: 'ops', kind: 'ed25519', secretKey: initiator };
    manifest.initiators.push(
      { id: 'ops2', ed25519: bytesToHex(ed25519.getPublicKey(ops2.secretKey)) },
      { id: 'kms', p256: bytesToHex(p256.getPublicKey(kms.secretKey)) },
    );
    // Signing, refresh and reshare need 2 of 4 authorizers (one of them a P-256 key); keygen does not.
    manifest.approvals = {
      required: 2,
      ops: ['sign', 'refresh', 'reshare'],
      authorizers: [
        ...[alice!, bob!, carol!].map((a) => ({
          id: a.id,
          ed25519: bytesToHex(ed25519.getPublicKey(a.secretKey)),
        })),
        { id: 'dave', p256: bytesToHex(p256.getPublicKey(dave.secretKey)) },
      ],
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest));
    for (const [i, id] of NODES.entries()) nodes.set(id, await startNode(configs[i]!));
    nc = await connect({ servers: server.url });
    results = await new Kvm(nc).open(names(CLUSTER).results);
    const keygen = await submit(
      nc,
      manifest,
      direct({ op: 'keygen', keyId: 'k1', threshold: 2, parties: NODES, curves: ['ed25519'] }),
      ops,
      NODES,
    );
    for (const r of keygen) assert.ok(r.ok, JSON.stringify(r.error));
    publicKey = (keygen[0]!.result as { publicKeys: { ed25519: string } }).publicKeys.ed25519;
    // The key becomes active once every party confirmed it.
    for (const [id, p] of nodes)
      await until(`${id} activating k1`, () =>
        p.logs.some((l) => l.event === 'share_version_active' && l.keyId === 'k1')
          ? true
          : undefined,
      );
  });

  after(async () => {
    await nc?.drain().catch(() => undefined);
    for (const p of nodes.values()) await p.stop('SIGKILL');
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the direct form without enough approvals is refused (APPROVALS_REQUIRED) and nothing runs: sign, refresh, reshare to 3-of-3', async () => {
    const drafts: Draft[] = [
      { op: 'sign', keyId: 'k1', curve: 'ed25519', message: '00', signers: ['node0', 'node1'] },
      { op: 'refresh', keyId: 'k1' },
      { op: 'reshare', keyId: 'k1', threshold: 3, parties: NODES },
    ];
    for (const d of drafts) {
      const r = direct(d);
      await publish(signRequest(r, ops, CLUSTER), r.requestId);
      await refusedEverywhere(r.requestId, 'APPROVALS_REQUIRED');
      await nothingRan(r.requestId);
    }
    // One approval, the same approval twice, or one by a key outside the policy: still short.
    for (const who of [[alice!], [alice!, alice!], [alice!, ops2]]) {
      const r = direct(drafts[0]!);
      await publish(signRequest(r, ops, CLUSTER, who), r.requestId);
      await refusedEverywhere(r.requestId, 'APPROVALS_REQUIRED');
      await nothingRan(r.requestId);
    }
  });

  test('the direct form with 2 valid approvals runs, for an Ed25519 and a P-256 (KMS) initiator, with an Ed25519 and a P-256 authorizer', async () => {
    for (const [initiator, who] of [
      [ops, [alice!, bob!]],
      [kms, [carol!, dave]],
    ] as const) {
      const message = bytesToHex(
        new TextEncoder().encode(`approved by ${who.map((a) => a.id).join('+')}`),
      );
      const out = await submit(
        nc,
        manifest,
        direct(
          { op: 'sign', keyId: 'k1', curve: 'ed25519', message, signers: ['node1', 'node2'] },
          initiator.id,
        ),
        initiator,
        ['node1', 'node2'],
        60_000,
        [...who],
      );
      for (const r of out)
        assert.ok(r.ok && verifyAttestation(manifest, r), JSON.stringify(r.error));
      const sig = (out[0]!.result as { signature: string }).signature;
      assert.ok(ed25519.verify(hexToBytes(sig), hexToBytes(message), hexToBytes(publicKey)));
    }
  });

  test("`tessera request sign --approver-key …` (the real CLI) refuses without approvals and signs with two authorizers' approvals", () => {
    writeFileSync(join(dir, 'ops.initiator.key'), bytesToHex(ops.secretKey));
    for (const a of [alice!, carol!])
      writeFileSync(join(dir, `${a.id}.key`), bytesToHex(a.secretKey));
    const [bin, ...pre] = cliArgv('node');
    const message = bytesToHex(new TextEncoder().encode('approved on the command line'));
    const args = [
      'request',
      'sign',
      '--manifest',
      join(dir, 'cluster.json'),
      '--initiator-key',
      join(dir, 'ops.initiator.key'),
      '--approver-key',
      join(dir, 'alice.key'),
      '--approver-key',
      join(dir, 'carol.key'),
      '--nats',
      server.url,
      '--key-id',
      'k1',
      '--curve',
      'ed25519',
      '--message',
      message,
      '--signers',
      'node0,node2',
      '--json',
    ];
    // Short of approvals the CLI refuses before publishing anything.
    const short = spawnSync(
      bin!,
      [
        ...pre,
        ...args.filter((a, i) => a !== '--approver-key' && args[i - 1] !== '--approver-key'),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /sign needs 2 authorizer approval\(s\)/);
    const out = spawnSync(bin!, [...pre, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(out.status, 0, out.stderr);
    const results = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as NodeResult[];
    assert.deepEqual(
      results.map((r) => [r.nodeId, r.ok, verifyAttestation(manifest, r)]),
      [
        ['node0', true, true],
        ['node2', true, true],
      ],
    );
    assert.ok(
      ed25519.verify(
        hexToBytes((results[0]!.result as { signature: string }).signature),
        hexToBytes(message),
        hexToBytes(publicKey),
      ),
    );
  });

  test('an approval signed for another initiator or another cluster is refused, in both forms', async () => {
    // Direct: the approvals of ops' request, attached to the same request from ops2.
    const mine = direct({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '01',
      signers: ['node0', 'node1'],
    });
    const theirs = { ...mine, initiator: 'ops2' } as OperationRequest;
    const stolen = signRequest(mine, ops, CLUSTER, [alice!, bob!]) as { approvals: string };
    await publish(
      { ...(signRequest(theirs, ops2, CLUSTER) as object), approvals: stolen.approvals },
      `${theirs.requestId}-a`,
    );
    await refusedEverywhere(theirs.requestId, 'APPROVALS_REQUIRED');
    // Direct: approvals signed for cluster "other".
    const elsewhere = direct({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '02',
      signers: ['node0', 'node1'],
    });
    const forOther = signRequest(elsewhere, ops, 'other', [alice!, bob!]) as { approvals: string };
    await publish(
      { ...(signRequest(elsewhere, ops, CLUSTER) as object), approvals: forOther.approvals },
      elsewhere.requestId,
    );
    await refusedEverywhere(elsewhere.requestId, 'APPROVALS_REQUIRED');
    await nothingRan(theirs.requestId);
    await nothingRan(elsewhere.requestId);

    // {http}: ops2 signs the very timestamp, nonce and body ops' approvals cover.
    const path = '/v1/keys/k1/sign';
    const body = JSON.stringify({ curve: 'ed25519', message: '03', signers: ['node0', 'node1'] });
    const opsHttp = httpRequest(ops, path, body);
    const ops2Http = httpRequest(ops2, path, body, CLUSTER, opsHttp.timestamp, opsHttp.nonce);
    const cases: SignedHttp[] = [
      { ...ops2Http, approvals: approve(opsHttp, [alice!, bob!]) },
      { ...opsHttp, approvals: approve(opsHttp, [alice!, bob!], 'other') },
    ];
    for (const h of cases) {
      assert.throws(
        () => parseRequest(manifest, { http: h }),
        (e: unknown) =>
          e instanceof RequestError &&
          e.code === 'APPROVALS_REQUIRED' &&
          e.requestId === requestIdOf(h),
      );
      await refusedHttp({ http: h }, requestIdOf(h), 'APPROVALS_REQUIRED');
      await nothingRan(requestIdOf(h));
    }
  });

  test('a request signed for another cluster sharing the initiator key is refused (BAD_SIGNATURE), in both forms', async () => {
    const r = direct({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '04',
      signers: ['node0', 'node1'],
    });
    await publish(signRequest(r, ops, 'other', [alice!, bob!]), r.requestId);
    await refusedEverywhere(r.requestId, 'BAD_SIGNATURE');
    await nothingRan(r.requestId);
    const h = httpRequest(
      ops,
      '/v1/keys/k1/sign',
      JSON.stringify({ curve: 'ed25519', message: '05', signers: ['node0', 'node1'] }),
      'other',
    );
    const withApprovals = { ...h, approvals: approve(h, [alice!, bob!], 'other') };
    assert.throws(
      () => parseRequest(manifest, { http: withApprovals }),
      (e: unknown) =>
        e instanceof RequestError && e.code === 'BAD_SIGNATURE' && e.requestId === undefined,
    );
    await refusedHttp({ http: withApprovals }, requestIdOf(h), 'BAD_SIGNATURE');
    await nothingRan(requestIdOf(h));
  });

  test('an {http} request with a poisoned request id is refused (MALFORMED) and the real result is not overwritten', async () => {
    const path = '/v1/keys/k1/sign';
    const body = JSON.stringify({ curve: 'ed25519', message: '06', signers: ['node0', 'node1'] });
    const real = httpRequest(ops, path, body);
    const victim = requestIdOf(real);
    await publish({ http: { ...real, approvals: approve(real, [alice!, bob!]) } });
    const before = new Map<string, { revision: number; result: NodeResult }>();
    for (const id of ['node0', 'node1'])
      before.set(id, await until(`${id}'s result`, () => stored(victim, id)));
    for (const x of before.values())
      assert.ok(
        x.result.ok && verifyAttestation(manifest, x.result),
        JSON.stringify(x.result.error),
      );
    // An authentic but expired request (as captured off the bus) carrying the victim's id beside
    // or inside "http": before, nodes signed REQUEST_EXPIRED under that id.
    const old = httpRequest(ops, path, body, CLUSTER, Date.now() - 5 * 60_000);
    const poisoned = [
      { http: old, request: { requestId: victim } },
      { http: { ...old, requestId: victim } },
      { http: real, requestId: victim },
    ];
    for (const m of poisoned) {
      assert.throws(
        () => parseRequest(manifest, m),
        (e: unknown) =>
          e instanceof RequestError && e.code === 'MALFORMED' && e.requestId === undefined,
      );
      await refusedHttp(m, victim, 'MALFORMED');
    }
    // The one parser attaches only an authenticated id to a refusal: the expired request's own.
    assert.throws(
      () => parseRequest(manifest, { http: old }),
      (e: unknown) =>
        e instanceof RequestError &&
        e.code === 'REQUEST_EXPIRED' &&
        e.requestId === requestIdOf(old),
    );
    for (const [id, x] of before)
      assert.deepEqual(await stored(victim, id), x, `${id}'s result was overwritten`);
  });

  test('a direct refresh or signing of a key another request holds the lock of is refused (KEY_BUSY); an {http} one passed the API lock', async () => {
    const cluster = await ClusterState.open(natsBus(nc), manifest);
    const refresh = direct({ op: 'refresh', keyId: 'k1' });
    const sign = direct({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '07',
      signers: ['node0', 'node1'],
    });
    const signed = (r: OperationRequest) => signRequest(r, ops, CLUSTER, [alice!, bob!]);
    assert.ok(await cluster.lock('k1', 'someone-else'));
    try {
      for (const r of [refresh, sign])
        await assert.rejects(
          admitRequest(manifest, cluster, signed(r)),
          (e: unknown) =>
            e instanceof RequestError && e.code === 'KEY_BUSY' && e.requestId === r.requestId,
        );
      const h = httpRequest(ops, '/v1/keys/k1/refresh', '');
      await checkKeyLock(
        cluster,
        parseRequest(manifest, { http: { ...h, approvals: approve(h, [alice!, bob!]) } }),
      );
    } finally {
      await cluster.unlock('k1');
    }
    for (const r of [refresh, sign])
      assert.equal((await admitRequest(manifest, cluster, signed(r))).requestId, r.requestId);
  });

  test('a direct refresh takes the key lock itself (the first party writes it under the request id) and releases it once done', async () => {
    // What the lock bucket stored (a watch sees stored writes; a subject subscription would also see refused ones).
    const locks = await new Kvm(nc).open(names(CLUSTER).locks);
    const seen: { op: string; value: string }[] = [];
    const watch = await locks.watch({ key: 'k1', include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const e of watch) seen.push({ op: e.operation, value: e.string() });
    })();
    const refresh = direct({ op: 'refresh', keyId: 'k1' });
    const results = await submit(nc, manifest, refresh, ops, NODES, 60_000, [alice!, bob!]);
    for (const r of results) assert.ok(r.ok, JSON.stringify(r.error));
    await until('the lock released', () => (seen.some((s) => s.op === 'DEL') ? true : undefined));
    watch.stop();
    assert.deepEqual(
      seen,
      [
        { op: 'PUT', value: refresh.requestId },
        { op: 'DEL', value: '' },
      ],
      'taken once under the request id, then released',
    );
    assert.equal(await (await ClusterState.open(natsBus(nc), manifest)).locked('k1'), undefined);
  });
});
