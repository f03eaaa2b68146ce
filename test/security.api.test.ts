/**
 * Attacks on the API node's edge, against real node processes over a real nats-server:
 * slow-body and slow-header connections (300 at once) hold no operation slot, are capped per
 * source address (429) and are cut at their deadline while an authenticated request still gets
 * through; a body repeating a key at any depth is refused by the API and by every node; error
 * bodies provoked to carry a path or an attacker's string (an unknown route, an over-long key id
 * with `/` and `..`, a planted lock holder, a node whose storage fails) carry neither.
 */
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect as tcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { signHttp, type InitiatorSecret } from '../src/auth/signed-http.ts';
import { ClusterState, names } from '../src/node/cluster/state.ts';
import { natsBus } from '../src/node/bus/bus.ts';
import { openPrivateIdentity } from '../src/node/identity/identity.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { duplicateKey, parseStrictJson } from '../src/node/requests/strict-json.ts';
import { publicError } from '../src/api/errors.ts';
import { makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';
import { putOnStream, signedPost } from './helpers/stream.ts';

const NODES = ['node0', 'node1', 'node2'];
const BODIES_PER_SOURCE = 16;
const MAX_INFLIGHT = 8;

/** What became of a connection that never finishes its request. */
interface Cut {
  status?: number;
  body: string;
}

/**
 * Opens a connection from `localAddress` that sends its request line (and, unless `headersOnly`,
 * its headers and the start of a 1000-byte body) and then trickles one byte every 300 ms forever:
 * it ends only when the server answers or closes. `opened` resolves once the bytes were written.
 */
function trickle(
  port: number,
  localAddress: string,
  headersOnly = false,
): { opened: Promise<void>; cut: Promise<Cut>; socket: Socket } {
  let opened!: () => void;
  const openedP = new Promise<void>((r) => (opened = r));
  const socket = tcp({ port, host: '127.0.0.1', localAddress });
  const cut = new Promise<Cut>((resolve) => {
    let buf = '';
    let timer: ReturnType<typeof setInterval> | undefined;
    const done = () => {
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1];
      resolve({
        status: status ? Number(status) : undefined,
        body: buf.slice(buf.indexOf('\r\n\r\n') + 4),
      });
      socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(
        headersOnly
          ? 'POST /v1/keys HTTP/1.1\r\nHost: x\r\n'
          : 'POST /v1/keys/k/sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"cu',
        () => opened(),
      );
      timer = setInterval(() => socket.write(headersOnly ? 'X' : ' ', () => undefined), 300);
    });
    socket.on('data', (b) => {
      buf += b.toString();
      // An answer with a body: wait for the body (JSON errors are small and sent at once).
      if (buf.includes('\r\n\r\n') && (buf.endsWith('}') || / 408 /.test(buf.split('\r\n')[0]!)))
        done();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
  return { opened: openedP, cut, socket };
}

for (const runtime of ['node', 'bun', 'deno'] as const)
  describe(`security: the API edge (served by ${runtime})`, () => {
    let dir: string;
    let server: NatsServer;
    let port: number;
    let ops: InitiatorSecret;
    let manifest: Manifest;
    const nodes: NodeProcess[] = [];
    const url = (p: string) => `http://127.0.0.1:${port}${p}`;

    async function send(method: 'GET' | 'POST', path: string, body = '') {
      const res = await fetch(url(path), {
        method,
        headers: { ...signHttp(ops, 'it', method, path, body), 'content-type': 'application/json' },
        body: method === 'POST' ? body : undefined,
      });
      return { status: res.status, text: await res.text() };
    }

    async function gauge(name: string): Promise<number> {
      const text = await (await fetch(url('/metrics'))).text();
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    }

    /** Polls `f` until it holds (the server counts connections as it reads them). */
    async function until(what: string, f: () => Promise<boolean>): Promise<void> {
      for (let i = 0; i < 300; i++) {
        if (await f()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`never: ${what}`);
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-sec-api-'));
      server = await startNats(join(dir, 'nats'));
      port = await freePort();
      const made = await makeCluster(dir, NODES, server.url, undefined, {
        apiPorts: [port, await freePort(), await freePort()],
      });
      ops = { id: 'ops', kind: 'ed25519', secretKey: made.initiator };
      manifest = made.manifest;
      // node0: few operation slots, a small per-source share and a deadline the test can wait for.
      const cfg = JSON.parse(readFileSync(made.configs[0]!, 'utf8'));
      cfg.api = {
        ...cfg.api,
        maxInflight: MAX_INFLIGHT,
        bodiesPerSource: BODIES_PER_SOURCE,
        bodyTimeoutMs: 3_000,
      };
      writeFileSync(made.configs[0]!, JSON.stringify(cfg));
      for (const [i, c] of made.configs.entries())
        nodes.push(await startNode(c, [], i === 0 ? runtime : 'node'));
    });

    after(async () => {
      for (const n of nodes) await n.stop('SIGKILL');
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('300 slow bodies from 30 addresses hold no operation slot: an authenticated request gets through, and every slow one is cut at the deadline', async () => {
      const slow = Array.from({ length: 300 }, (_, i) => trickle(port, `127.0.0.${10 + (i % 30)}`));
      await Promise.all(slow.map((s) => s.opened));
      await until(
        '300 bodies arriving',
        async () => (await gauge('tessera_http_bodies_arriving')) === 300,
      );
      // Far more than maxInflight (8) connections are open, yet none holds a slot.
      assert.equal(await gauge('tessera_http_inflight'), 0);
      const honest = await send(
        'POST',
        '/v1/keys/none/sign',
        JSON.stringify({ curve: 'ed25519', message: '00' }),
      );
      assert.equal(honest.status, 404, honest.text);
      assert.equal(JSON.parse(honest.text).error.code, 'UNKNOWN_KEY');
      // None of them ever finishes its body, so each answer is the deadline's doing.
      const cuts = await Promise.all(slow.map((s) => s.cut));
      assert.deepEqual([...new Set(cuts.map((c) => c.status))], [408]);
      assert.equal(JSON.parse(cuts[0]!.body).error.code, 'REQUEST_TIMEOUT');
      assert.equal(await gauge('tessera_http_bodies_arriving'), 0);
    });

    test('300 slow bodies from one address: 16 are read, the rest get 429 with a JSON error, and another client still gets through', async () => {
      const slow = Array.from({ length: 300 }, () => trickle(port, '127.0.0.2'));
      await Promise.all(slow.map((s) => s.opened));
      const early = await Promise.race([
        Promise.all(slow.map((s) => s.cut)),
        until(
          'the per-source cap reached',
          async () => (await gauge('tessera_http_bodies_arriving')) === BODIES_PER_SOURCE,
        ).then(() => undefined),
      ]);
      assert.equal(early, undefined, 'the cap was reached while connections were still held');
      const honest = await send(
        'POST',
        '/v1/keys/none/sign',
        JSON.stringify({ curve: 'ed25519', message: '00' }),
      );
      assert.equal(honest.status, 404, honest.text);
      const cuts = await Promise.all(slow.map((s) => s.cut));
      const refused = cuts.filter((c) => c.status === 429);
      assert.ok(refused.length >= 300 - 2 * BODIES_PER_SOURCE, `${refused.length} refused`);
      assert.equal(JSON.parse(refused[0]!.body).error.code, 'OVERLOADED');
      assert.deepEqual([...new Set(cuts.map((c) => c.status))].sort(), [408, 429]);
    });

    // Deno.serve has no header deadline: a slow header phase holds only a socket there (no body count, no slot).
    if (runtime !== 'deno')
      test('slow headers are cut too (Node at bodyTimeoutMs, Bun by its own header deadline)', async () => {
        const slow = Array.from({ length: 20 }, () => trickle(port, '127.0.0.3', true));
        const cuts = await Promise.all(slow.map((s) => s.cut));
        // Node answers 408 or just closes; either way the connection is gone though it never finished.
        for (const c of cuts)
          assert.ok(c.status === undefined || c.status === 408, String(c.status));
      });

    test('a body repeating a key, at any depth or through an escape, is 400 at the API and refused by the node itself', async () => {
      assert.equal(duplicateKey('{"a":{"b":[{"c":1,"c":2}]}}'), 'c');
      assert.equal(duplicateKey('{"curve":1,"\\u0063urve":2}'), 'curve');
      assert.equal(duplicateKey('{"a":{"x":1},"b":{"x":1},"s":"\\"a\\":"}'), undefined);
      assert.throws(() => parseStrictJson('[{"k":1},{"k":1,"k":2}]'), /repeats the key "k"/);
      for (const body of [
        '{"curve":"secp256k1","curve":"ed25519","message":"00"}',
        '{"curve":"ed25519","\\u0063urve":"secp256k1","message":"00"}',
        '{"curve":"ed25519","message":"00","signers":["node0","node1"],"x":{"y":[{"z":1,"z":2}]}}',
      ]) {
        const r = await send('POST', '/v1/keys/none/sign', body);
        assert.equal(r.status, 400, r.text);
        assert.equal(JSON.parse(r.text).error.code, 'MALFORMED_JSON');
      }
      // Signed by the real initiator and put straight on the stream: node1 refuses it as well.
      const path = '/v1/keys';
      const body = '{"threshold":2,"threshold":3}';
      const nc = await connect({ servers: server.url });
      await putOnStream(nc, 'it', { http: signedPost(ops, 'it', path, body) }, `dup-${Date.now()}`);
      await until('node1 refuses the duplicate key', async () =>
        nodes[1]!.logs.some((l) => l.event === 'request_rejected' && l.code === 'MALFORMED_JSON'),
      );
      assert.ok(!nodes[1]!.logs.some((l) => l.event === 'request_received'), 'no request ran');
      await nc.drain();
    });

    test('error bodies carry no path and no attacker string: an unknown route, a long key id with / and .., a planted lock holder', async () => {
      const clean = (text: string, attacker: string[]) => {
        assert.doesNotMatch(text, /\/|\.\./, text);
        for (const a of attacker) assert.ok(!text.includes(a), `${a} echoed in ${text}`);
      };
      const route = await fetch(url('/v1/nothing/EVIL-ROUTE-TEXT'), { method: 'POST', body: '{}' });
      assert.equal(route.status, 404);
      clean(await route.text(), ['EVIL-ROUTE-TEXT', 'nothing']);
      const longId = `..%2F..%2Fetc%2Fpasswd%2F${'A'.repeat(300)}`;
      const got = await send('GET', `/v1/keys/${longId}`);
      assert.ok(got.status === 404 || got.status === 400, got.text);
      clean(got.text, ['etc', 'passwd', 'AAAA']);
      const unknown = await send(
        'POST',
        '/v1/keys',
        JSON.stringify({ threshold: 2, parties: ['node0', '../../etc/shadow'] }),
      );
      assert.equal(unknown.status, 400);
      clean(unknown.text, ['shadow']);

      // A real key, then a lock holder planted on the bus: the 409 (or a refusal of the forged lock) does not repeat it.
      const made = await send('POST', '/v1/keys', JSON.stringify({ threshold: 2 }));
      assert.equal(made.status, 201, made.text);
      const keyId = JSON.parse(made.text).keyId as string;
      const nc = await connect({ servers: server.url });
      const locks = await new Kvm(nc).open(names('it').locks);
      const holder = 'CALL +1-555-0100 NOW see /var/lib/tessera/node0/store';
      await locks.put(keyId, holder);
      const busy = await send(
        'POST',
        `/v1/keys/${keyId}/sign`,
        JSON.stringify({ curve: 'ed25519', message: '00' }),
      );
      assert.ok(busy.status >= 400, busy.text);
      clean(busy.text, ['CALL', '555', 'tessera']);
      await locks.delete(keyId);
      await nc.drain();
    });

    test('an Idempotency-Key answer is replayed only as an API node signed it: a tampered or planted one is 502 FORGED_RECORD, never served', async () => {
      const idem = async (key: string, body: string) => {
        const res = await fetch(url('/v1/keys'), {
          method: 'POST',
          headers: {
            ...signHttp(ops, 'it', 'POST', '/v1/keys', body),
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body,
        });
        return {
          status: res.status,
          replayed: res.headers.get('idempotent-replayed'),
          json: (await res.json()) as { keyId?: string; error?: { code: string; message: string } },
        };
      };
      const body = JSON.stringify({ threshold: 2, curves: ['ed25519'] });
      const first = await idem(`idem-${runtime}`, body);
      assert.equal(first.status, 201, JSON.stringify(first.json));
      const again = await idem(`idem-${runtime}`, body);
      assert.deepEqual(
        [again.status, again.replayed, again.json.keyId],
        [201, 'true', first.json.keyId],
      );
      const nc = await connect({ servers: server.url });
      const kv = await new Kvm(nc).open(names('it').idempotency);
      // The stored answer with another public key, its signature kept.
      const stored = JSON.parse((await kv.get(`ops.idem-${runtime}`))!.string());
      stored.body.publicKeys.ed25519 = 'ee'.repeat(32);
      await kv.put(`ops.idem-${runtime}`, JSON.stringify(stored));
      const tampered = await idem(`idem-${runtime}`, body);
      assert.deepEqual(
        [tampered.status, tampered.json.error?.code],
        [502, 'FORGED_RECORD'],
        JSON.stringify(tampered.json),
      );
      assert.ok(!JSON.stringify(tampered.json).includes('ee'.repeat(32)));
      // An unsigned answer planted for a key the victim will use, with the right body hash.
      const bodyHash = bytesToHex(sha256(new TextEncoder().encode(`POST\n/v1/keys\n${body}`)));
      await kv.put(
        `ops.planted-${runtime}`,
        JSON.stringify({
          bodyHash,
          status: 201,
          body: { keyId: 'attacker-key', publicKeys: { ed25519: 'aa'.repeat(32) } },
        }),
      );
      const planted = await idem(`planted-${runtime}`, body);
      assert.deepEqual(
        [planted.status, planted.json.error?.code],
        [502, 'FORGED_RECORD'],
        JSON.stringify(planted.json),
      );
      // Signed by a genuine node (compromised), reusing the genuine attestations under another public key.
      const node1 = await openPrivateIdentity(
        new Uint8Array(readFileSync(join(dir, 'node1.key.age'))),
        readFileSync(join(dir, 'node1.pass'), 'utf8'),
      );
      const asNode1 = await ClusterState.open(natsBus(nc), manifest);
      asNode1.signer = node1;
      await asNode1.answer('ops', `relabelled-${runtime}`, {
        bodyHash,
        status: 201,
        body: { ...stored.body, publicKeys: { ed25519: 'cd'.repeat(32) } },
      });
      const relabelled = await idem(`relabelled-${runtime}`, body);
      assert.deepEqual(
        [relabelled.status, relabelled.json.error?.code],
        [502, 'FORGED_RECORD'],
        JSON.stringify(relabelled.json),
      );
      await nc.drain();
    });

    test('a key record made only of forged statements is 502 FORGED_RECORD naming the record (a missing one stays 404), for reads and signings', async () => {
      const nc = await connect({ servers: server.url });
      const keys = await new Kvm(nc).open(names('it').keys);
      const forged = {
        keyId: `forged-${runtime}`,
        threshold: 2,
        parties: NODES,
        curves: ['ed25519'],
        publicKeys: { ed25519: 'ab'.repeat(32) },
        epoch: 'E1',
      };
      for (const n of ['node0', 'node1'])
        await keys.put(
          `forged-${runtime}.${n}`,
          JSON.stringify({ ...forged, nodeId: n, sig: '00'.repeat(64) }),
        );
      const read = await send('GET', `/v1/keys/forged-${runtime}`);
      assert.deepEqual(
        [read.status, JSON.parse(read.text).error.code],
        [502, 'FORGED_RECORD'],
        read.text,
      );
      assert.match(JSON.parse(read.text).error.message, /key record/);
      assert.ok(!read.text.includes('ab'.repeat(32)), 'nothing of the forged record is served');
      const sign = await send(
        'POST',
        `/v1/keys/forged-${runtime}/sign`,
        JSON.stringify({ curve: 'ed25519', message: '00' }),
      );
      assert.deepEqual(
        [sign.status, JSON.parse(sign.text).error.code],
        [502, 'FORGED_RECORD'],
        sign.text,
      );
      const missing = await send('GET', `/v1/keys/missing-${runtime}`);
      assert.deepEqual([missing.status, JSON.parse(missing.text).error.code], [404, 'UNKNOWN_KEY']);
      await nc.drain();
    });

    test('a node whose storage fails with a path in its error: the API answer names neither the path nor the errno text', async () => {
      const made = await send('POST', '/v1/keys', JSON.stringify({ threshold: 2 }));
      assert.equal(made.status, 201, made.text);
      const keyId = JSON.parse(made.text).keyId as string;
      // Once node1 has activated the key (its last writes for it), every record it holds becomes a
      // symlink to itself: its next read fails with ELOOP, naming the file.
      await until('node1 activated the key', async () =>
        nodes[1]!.logs.some((l) => l.event === 'share_version_active' && l.keyId === keyId),
      );
      const records = join(dir, 'data', 'node1', 'r');
      for (const f of readdirSync(records).filter((f) => !f.includes('.tmp-'))) {
        rmSync(join(records, f));
        symlinkSync(f, join(records, f));
      }
      const r = await send(
        'POST',
        `/v1/keys/${keyId}/sign`,
        JSON.stringify({ curve: 'ed25519', message: '00', signers: ['node0', 'node1'] }),
      );
      assert.ok(r.status >= 500, r.text);
      // The provocation is real: node1's own result carries the path ...
      await until('node1 reported the failure', async () =>
        nodes[1]!.logs.some(
          (l) => l.event === 'request_finished' && JSON.stringify(l).includes(records),
        ),
      ).catch((e) => {
        throw new Error(`${e.message}: ${r.text} ${JSON.stringify(nodes[1]!.logs.slice(-4))}`);
      });
      // ... and the API's answer does not (nor the errno text).
      assert.ok(r.text.includes('node1'), r.text);
      assert.ok(!r.text.includes(dir) && !/ELOOP|ENOENT|symbolic/.test(r.text), r.text);
      assert.doesNotMatch(r.text, /(^|[^A-Za-z0-9])\//, r.text);
    });
  });

test('publicError keeps plain messages and valid node ids, and drops the rest', () => {
  assert.deepEqual(
    publicError({
      code: 'PARTY_NOT_READY',
      message: 'not ready: node1, node2',
      culprits: ['node1', '../x', 'a b'],
    }),
    { code: 'PARTY_NOT_READY', message: 'not ready: node1, node2', culprits: ['node1'] },
  );
  assert.deepEqual(
    publicError({ code: 'ENOENT', message: "ENOENT: no such file or directory, open '/srv/n1/x'" }),
    { code: 'STORAGE_ERROR', message: 'the node could not read or write its storage' },
  );
  assert.equal(
    publicError({ code: 'VALIDATION', message: 'bad \u001b[31m colour' }).message,
    'the request is not valid',
  );
  assert.equal(
    publicError({ code: 'GONE_AWAY', message: 'data/node1/share is gone' }).message,
    'the request failed (GONE_AWAY)',
  );
  assert.equal(publicError({ code: 'x y', message: 'fine' }).code, 'INTERNAL');
  assert.deepEqual(
    publicError({
      code: 'TIMEOUT',
      message: 'no result from node2 within 30000 ms',
      nodes: [{ nodeId: 'node2', code: 'EACCES', message: 'EACCES /x', culprits: [] }],
    }).nodes,
    [
      {
        code: 'STORAGE_ERROR',
        message: 'the node could not read or write its storage',
        nodeId: 'node2',
        culprits: [],
      },
    ],
  );
});
