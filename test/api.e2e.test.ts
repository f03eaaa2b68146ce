/**
 * The HTTP control API end to end over a real nats-server: four node processes, node1 under Bun
 * and node2 under Deno, each serving the API. Keygen (both curves), signing with each curve,
 * with a derivation path and with a chosen signer subset, idempotent retries, refresh, reshare
 * 2-of-3 → 3-of-4 keeping both public keys (old shares erased), conflicting reshares, a node
 * killed mid-reshare (old shares still sign), and a restored backup refused. Every signature is
 * verified with node:crypto and every attestation by the client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { createStorage } from 'unstorage';
import { signHttp } from '../src/auth/signed-http.ts';
import { TesseraApiError, TesseraClient, type KeyInfo } from '../src/client/http.ts';
import { atomicFs } from '../src/node/storage/fs-atomic.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { names } from '../src/node/cluster/state.ts';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import {
  allNodeOutput,
  assertNoSecrets,
  cliArgv,
  makeCluster,
  startNode,
  type NodeProcess,
} from './helpers/cluster.ts';
import { deriveChild, digestOf, nodeCryptoVerify } from './helpers/ecdsa.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';
import { nodeCryptoVerify as edVerify } from './helpers/verify.ts';

const NODES = ['node0', 'node1', 'node2', 'node3'];
const RUNTIME: Record<string, 'node' | 'bun' | 'deno'> = {
  node0: 'node',
  node1: 'bun',
  node2: 'deno',
  node3: 'node',
};
const ROOT = new URL('../', import.meta.url).pathname;

describe('HTTP API end to end: Node, Bun and Deno nodes over nats-server', () => {
  let dir: string;
  let server: NatsServer;
  let manifest: Manifest;
  let initiator: Uint8Array;
  let configs: string[];
  let ports: number[];
  const nodes = new Map<string, NodeProcess>();
  const client = (node = 'node0') =>
    new TesseraClient({
      url: `http://127.0.0.1:${ports[NODES.indexOf(node)]}`,
      initiator: { id: 'ops', kind: 'ed25519', secretKey: initiator },
      manifest,
    });
  const start = async (id: string) =>
    nodes.set(id, await startNode(configs[NODES.indexOf(id)]!, [], RUNTIME[id]));
  const store = async (id: string) =>
    EncryptedStore.open(
      createStorage({ driver: atomicFs({ base: join(dir, 'data', id) }) }),
      hexToBytes(readFileSync(join(dir, `${id}.storage.key`), 'utf8').trim()),
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-api-'));
    server = await startNats(join(dir, 'nats'));
    ports = [];
    for (const _ of NODES) ports.push(await freePort());
    // No periodic promotion sweep during the test (the start-up one still runs): `keys promote` is what re-drives.
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url, undefined, {
      apiPorts: ports,
      timeouts: { roundMs: 6000, sessionMs: 60000 },
      operationTimeoutMs: 30_000,
      promotionSweepMs: 3_600_000,
    }));
    await Promise.all(NODES.map(start));
    for (let i = 0; i < 100 && (await client().ready()).status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 100));
  });

  after(async () => {
    for (const p of nodes.values()) await p.stop('SIGKILL');
    await assertNoSecrets(
      dir,
      NODES,
      allNodeOutput.join('\n'),
      keys.map((k) => k.keyId),
    );
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys: KeyInfo[] = [];
  let key: KeyInfo;

  test('every node (Node, Bun, Deno) is ready and describes its API', async () => {
    for (const [i, id] of NODES.entries()) {
      const ready = await (await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).json();
      assert.equal(ready.status, 'ready', `${id} under ${RUNTIME[id]}`);
    }
    const spec = await (await fetch(`http://127.0.0.1:${ports[1]}/openapi.json`)).json();
    assert.ok(spec.paths['/v1/keys/{keyId}/reshare']);
    assert.match(
      await (await fetch(`http://127.0.0.1:${ports[2]}/docs`)).text(),
      /X-Tessera-Key-Id/,
    );
  });

  test('keygen of both curves, 2-of-3: attested by every party', async () => {
    key = await client().createKey({ threshold: 2, parties: ['node0', 'node1', 'node2'] });
    keys.push(key);
    assert.equal(key.publicKeys.secp256k1!.length, 66);
    assert.equal(key.publicKeys.ed25519!.length, 64);
    assert.equal(key.chainCode!.length, 64);
    assert.deepEqual(key.attestations.map((a) => a.nodeId).sort(), ['node0', 'node1', 'node2']);
    const got = await client('node3').getKey(key.keyId);
    assert.deepEqual(got.publicKeys, key.publicKeys);
    assert.equal(got.threshold, 2);
  });

  test('signing with each curve through the Bun node and the Deno node, verified by node:crypto', async () => {
    const msg = new TextEncoder().encode('pay 5 to bob');
    const ed = await client('node1').sign(key.keyId, { curve: 'ed25519', message: msg });
    assert.ok(edVerify(hexToBytes(ed.signature), msg, hexToBytes(key.publicKeys.ed25519!)));
    const { message, digest } = digestOf('transfer 1 BTC');
    const ec = await client('node2').sign(key.keyId, { curve: 'secp256k1', message: digest });
    assert.equal(ec.publicKey, key.publicKeys.secp256k1);
    assert.ok(
      nodeCryptoVerify(hexToBytes(ec.signature), message, hexToBytes(key.publicKeys.secp256k1!)),
    );
    assert.equal(typeof ec.recoveryId, 'number');
  });

  test('signing with a derivation path and with a chosen signer subset', async () => {
    const { message, digest } = digestOf('child');
    const path = [0, 5];
    const s = await client().sign(key.keyId, {
      curve: 'secp256k1',
      message: digest,
      derivationPath: path,
      signers: ['node1', 'node2'],
    });
    const child = deriveChild(
      hexToBytes(key.publicKeys.secp256k1!),
      hexToBytes(key.chainCode!),
      path,
    );
    assert.equal(s.publicKey, bytesToHex(child.publicKey));
    assert.deepEqual(s.signers, ['node1', 'node2']);
    assert.ok(nodeCryptoVerify(hexToBytes(s.signature), message, child.publicKey));
    const e = await client().sign(key.keyId, {
      curve: 'ed25519',
      message: 'abcd',
      signers: ['node0', 'node2'],
    });
    assert.deepEqual(e.attestations.map((a) => a.nodeId).sort(), ['node0', 'node2']);
    assert.ok(
      edVerify(hexToBytes(e.signature), hexToBytes('abcd'), hexToBytes(key.publicKeys.ed25519!)),
    );
  });

  test('Idempotency-Key: a retry returns the first answer; another body with the same key is a conflict', async () => {
    const first = await client().sign(
      key.keyId,
      { curve: 'ed25519', message: '01' },
      { idempotencyKey: 'retry-1' },
    );
    const again = await client('node3').sign(
      key.keyId,
      { curve: 'ed25519', message: '01' },
      { idempotencyKey: 'retry-1' },
    );
    assert.equal(again.signature, first.signature);
    assert.equal(again.requestId, first.requestId);
    await assert.rejects(
      client().sign(key.keyId, { curve: 'ed25519', message: '02' }, { idempotencyKey: 'retry-1' }),
      (e: TesseraApiError) => e.status === 409 && e.code === 'IDEMPOTENCY_KEY_REUSED',
    );
  });

  test('refresh keeps both public keys and the key still signs', async () => {
    const r = await client().refresh(key.keyId);
    assert.deepEqual(r.publicKeys, key.publicKeys);
    const { message, digest } = digestOf('after refresh');
    const s = await client().sign(key.keyId, {
      curve: 'secp256k1',
      message: digest,
      signers: ['node0', 'node2'],
    });
    assert.ok(
      nodeCryptoVerify(hexToBytes(s.signature), message, hexToBytes(key.publicKeys.secp256k1!)),
    );
  });

  test('`tessera keys promote` (the real CLI): reports where the promotion stands on each node, and repairs a key record whose statements were deleted from the bus', async () => {
    const initiatorFile = join(dir, 'ops.key');
    writeFileSync(initiatorFile, bytesToHex(initiator), { mode: 0o600 });
    const promoteCli = (json: boolean) => {
      const [bin, ...pre] = cliArgv('node');
      const r = spawnSync(
        bin!,
        [
          ...pre,
          'keys',
          'promote',
          '--key',
          key.keyId,
          '--url',
          `http://127.0.0.1:${ports[1]}`,
          '--initiator-key',
          initiatorFile,
          '--manifest',
          join(dir, 'cluster.json'),
          ...(json ? ['--json'] : []),
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const healthy = await client().promote(key.keyId);
    const { epoch } = await client().getKey(key.keyId);
    assert.deepEqual(
      healthy.nodes.map((n) => n.nodeId).sort(),
      ['node0', 'node1', 'node2'],
      'node3 holds no share of the key',
    );
    for (const n of healthy.nodes)
      assert.deepEqual(n, { keyId: key.keyId, nodeId: n.nodeId, held: true, epoch, behind: [] });
    assert.deepEqual(healthy.unanswered, []);
    // Someone with the bus deletes two of the three parties' statements: below the threshold, the key is gone.
    const nc = await connect({ servers: server.url });
    const kv = await new Kvm(nc).open(names(manifest.cluster).keys);
    await kv.delete(`${key.keyId}.node0`);
    await kv.delete(`${key.keyId}.node1`);
    await nc.close();
    await assert.rejects(
      client().getKey(key.keyId),
      (e: TesseraApiError) => e.status === 404 && e.code === 'UNKNOWN_KEY',
    );
    // The operator re-drives: node0 and node1 state the record again; every line is a node's attestation.
    const report = JSON.parse(promoteCli(true)) as {
      nodes: { nodeId: string; epoch?: string }[];
      unanswered: string[];
    };
    assert.deepEqual(report.nodes.map((n) => [n.nodeId, n.epoch]).sort(), [
      ['node0', epoch],
      ['node1', epoch],
      ['node2', epoch],
    ]);
    assert.equal((await client().getKey(key.keyId)).epoch, epoch);
    const { message, digest } = digestOf('after the re-drive');
    const s = await client().sign(key.keyId, {
      curve: 'secp256k1',
      message: digest,
      signers: ['node0', 'node1'],
    });
    assert.ok(
      nodeCryptoVerify(hexToBytes(s.signature), message, hexToBytes(key.publicKeys.secp256k1!)),
    );
    assert.match(promoteCli(false), new RegExp(`node0 +active at ${epoch}[\\s\\S]*verified`));
  });

  test('reshare 2-of-3 → 3-of-4 keeps both public keys; old shares are erased and two signers no longer suffice', async () => {
    const r = await client().reshare(key.keyId, { threshold: 3, parties: NODES });
    assert.deepEqual(r.publicKeys, key.publicKeys);
    assert.equal(r.threshold, 3);
    const got = await client().getKey(key.keyId);
    assert.deepEqual(got.parties, NODES);
    for (const curve of ['ed25519', 'secp256k1'] as const) {
      const { message, digest } = digestOf(`after reshare ${curve}`);
      const s = await client('node3').sign(key.keyId, {
        curve,
        message: curve === 'ed25519' ? message : digest,
        signers: ['node1', 'node2', 'node3'],
      });
      assert.ok(
        curve === 'ed25519'
          ? edVerify(hexToBytes(s.signature), message, hexToBytes(key.publicKeys.ed25519!))
          : nodeCryptoVerify(
              hexToBytes(s.signature),
              message,
              hexToBytes(key.publicKeys.secp256k1!),
            ),
      );
    }
    await assert.rejects(
      client().sign(key.keyId, { curve: 'ed25519', message: '00', signers: ['node0', 'node1'] }),
      (e: TesseraApiError) => e.status === 400 && e.code === 'NOT_ENOUGH_SIGNERS',
    );
  });

  test('after the reshare every node keeps exactly one share version per curve (old ones erased)', async () => {
    // Nodes are running; read their fs stores directly (reads only).
    for (const id of NODES) {
      const s = await store(id);
      for (const curve of ['ed25519', 'secp256k1'])
        assert.equal((await s.versions(`share:${key.keyId}:${curve}`)).length, 1, `${id} ${curve}`);
      await s.close();
    }
  });

  test('after keygen, signing, refresh and reshare no node store lists a key id, curve, version or request id, and the JetStream store holds no request or key in the clear', async () => {
    const walk = (d: string, base = d): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name), base) : [relative(base, join(d, e.name))],
      );
    for (const id of NODES) {
      const files = walk(join(dir, 'data', id));
      assert.ok(files.length > 4, `${id} has records`);
      // Only hashed record names, the manifest shards and root, the key check and the session journal.
      for (const f of files)
        assert.match(
          f,
          /^(tessera\/keycheck|r\/[0-9a-f]{64}|m\/(root|[0-9a-f]{2})|sessions\.journal)$/,
          `${id}: ${f}`,
        );
      const listing = files.join('\n');
      for (const k of keys) assert.ok(!listing.includes(k.keyId), `${id} lists key ${k.keyId}`);
    }
    // Message bodies (signed requests, results, key records) are encrypted at rest. nats-server
    // 2.9.10 keeps its per-subject index (*.fss) in the clear, so subjects (KV keys) are not
    // checked there; no body field may appear in any file.
    const bodies = [
      ...keys.flatMap((k) => Object.values(k.publicKeys)),
      'requestId',
      'keyId',
      'signature',
      'publicKeys',
    ].filter(Boolean) as string[];
    const jsFiles = walk(join(dir, 'nats', 'js'));
    assert.ok(
      jsFiles.some((f) => f.endsWith('.blk')),
      'JetStream wrote message blocks',
    );
    for (const f of jsFiles) {
      const bytes = readFileSync(join(dir, 'nats', 'js', f));
      for (const leak of [...bodies, ...(f.endsWith('.fss') ? [] : keys.map((k) => k.keyId))])
        assert.ok(!bytes.includes(leak), `JetStream file ${f} holds "${leak}"`);
    }
  });

  test('two conflicting reshares, and a signing racing a reshare: one proceeds, the others get 409 KEY_BUSY', async () => {
    const a = client().reshare(key.keyId, { threshold: 3, parties: NODES });
    await new Promise((r) => setTimeout(r, 150));
    const b = client('node1')
      .reshare(key.keyId, { threshold: 2, parties: ['node0', 'node1', 'node2'] })
      .then(
        () => 'ok',
        (e: TesseraApiError) => e.code,
      );
    const c = client('node2')
      .sign(key.keyId, { curve: 'ed25519', message: '00' })
      .then(
        () => 'ok',
        (e: TesseraApiError) => e.code,
      );
    assert.deepEqual(await a.then((k) => k.threshold), 3);
    assert.equal(await b, 'KEY_BUSY');
    assert.equal(await c, 'KEY_BUSY');
    assert.deepEqual((await client().getKey(key.keyId)).parties, NODES);
  });

  test('kill -9 a party mid-reshare: the reshare fails typed, the public key is unchanged and the old shares still sign', async () => {
    // node3 stays in the committee, so it deals and receives: killing it stalls the protocol.
    const pending = client()
      .reshare(key.keyId, { threshold: 2, parties: ['node1', 'node2', 'node3'] })
      .then(
        () => undefined,
        (e: TesseraApiError) => e,
      );
    await new Promise((r) => setTimeout(r, 400));
    await nodes.get('node3')!.stop('SIGKILL');
    const err = await pending;
    assert.ok(err instanceof TesseraApiError, 'the reshare must fail');
    assert.ok([502, 503, 504].includes(err.status), `${err.status} ${err.code}`);
    const got = await client().getKey(key.keyId);
    assert.deepEqual(got.parties, NODES);
    assert.equal(got.threshold, 3);
    const { message, digest } = digestOf('old shares still sign');
    const s = await client().sign(key.keyId, {
      curve: 'secp256k1',
      message: digest,
      signers: ['node0', 'node1', 'node2'],
    });
    assert.ok(
      nodeCryptoVerify(hexToBytes(s.signature), message, hexToBytes(key.publicKeys.secp256k1!)),
    );
    await start('node3');
    for (let i = 0; i < 100 && (await client().ready()).status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const e = await client().sign(key.keyId, {
      curve: 'ed25519',
      message: '0a',
      signers: ['node1', 'node2', 'node3'],
    });
    assert.ok(
      edVerify(hexToBytes(e.signature), hexToBytes('0a'), hexToBytes(key.publicKeys.ed25519!)),
    );
  });

  test('a restored old backup: its old-epoch shares are refused (409 STALE_SHARE) and a consumed nonce stays consumed', async () => {
    const cli = (args: string[]) => {
      const [bin, ...pre] = cliArgv('node');
      const r = spawnSync(bin!, [...pre, ...args], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const recipient = cli(['backup', 'keygen', '--out', join(dir, 'backup.agekey')]).trim();
    assert.match(recipient, /^age1/);
    // A signed request, used once before the backup is taken.
    const body = JSON.stringify({
      curve: 'ed25519',
      message: '0b',
      signers: ['node0', 'node1', 'node2'],
    });
    const path = `/v1/keys/${key.keyId}/sign`;
    const headers = {
      ...signHttp(
        { id: 'ops', kind: 'ed25519', secretKey: initiator },
        manifest.cluster,
        'POST',
        path,
        body,
      ),
      'content-type': 'application/json',
    };
    assert.equal(
      (await fetch(`http://127.0.0.1:${ports[0]}${path}`, { method: 'POST', headers, body }))
        .status,
      200,
    );
    await nodes.get('node0')!.stop('SIGTERM');
    cli([
      'backup',
      '--config',
      configs[0]!,
      '--recipient',
      recipient,
      '--out',
      join(dir, 'node0.backup.age'),
    ]);
    await start('node0');
    await client().refresh(key.keyId);
    await nodes.get('node0')!.stop('SIGTERM');
    cli([
      'restore',
      '--config',
      configs[0]!,
      '--identity',
      join(dir, 'backup.agekey'),
      '--in',
      join(dir, 'node0.backup.age'),
      '--force',
    ]);
    await start('node0');
    for (let i = 0; i < 100 && (await client().ready()).status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(
      client('node1').sign(key.keyId, {
        curve: 'ed25519',
        message: '0c',
        signers: ['node0', 'node1', 'node2'],
      }),
      (e: TesseraApiError) => e.status === 409 && e.code === 'STALE_SHARE',
    );
    const replay = await fetch(`http://127.0.0.1:${ports[0]}${path}`, {
      method: 'POST',
      headers,
      body,
    });
    assert.equal(replay.status, 401);
    assert.equal((await replay.json()).error.code, 'NONCE_REPLAYED');
    // The other parties still sign.
    const s = await client().sign(key.keyId, {
      curve: 'ed25519',
      message: '0d',
      signers: ['node1', 'node2', 'node3'],
    });
    assert.ok(
      edVerify(hexToBytes(s.signature), hexToBytes('0d'), hexToBytes(key.publicKeys.ed25519!)),
    );
    writeFileSync(join(dir, 'done'), '');
  });
});
