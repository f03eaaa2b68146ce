/**
 * The API refuses bad requests with the right status and typed code, never a 500 or a stack
 * trace, through a real server and cluster: signed-HTTP attacks (missing, wrong, expired,
 * replayed, oversized and trickling bodies; the nonce cache survives a restart), malformed
 * and mistyped bodies, an unknown curve, a 31-byte digest, an unknown key; a P-256 (KMS)
 * initiator is accepted; with NATS down at boot the API answers 503 at once. Refusals of the
 * HTTP layer alone (tampered body, another path, duplicate header, wrong key id, short nonce)
 * run in process in api.http.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { connect } from '@nats-io/transport-node';
import { bytesToHex } from '@noble/curves/utils.js';
import { signApproval, signHttp, type InitiatorSecret } from '../src/auth/signed-http.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { cliArgv, makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';
import { putOnStream, signedPost } from './helpers/stream.ts';

const NODES = ['node0', 'node1', 'node2'];
const ROOT = new URL('../', import.meta.url).pathname;

describe('API negative suite', () => {
  let dir: string;
  let server: NatsServer;
  let configs: string[];
  let port: number;
  let node: NodeProcess;
  let ops: InitiatorSecret;
  const kms: InitiatorSecret = { id: 'kms', kind: 'p256', secretKey: p256.utils.randomSecretKey() };
  const approvers: InitiatorSecret[] = ['alice', 'bob', 'carol'].map((id) => ({
    id,
    kind: 'ed25519',
    secretKey: ed25519.utils.randomSecretKey(),
  }));
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;

  /** Sends a request signed by `key` (after `mutate` may change the headers or body). */
  async function send(
    method: 'GET' | 'POST',
    path: string,
    body: string,
    key: InitiatorSecret = ops,
    mutate?: (h: Record<string, string>) => { headers?: Record<string, string>; body?: string },
  ) {
    let headers: Record<string, string> = {
      ...signHttp(key, 'it', method, path, body),
      'content-type': 'application/json',
    };
    let sent = body;
    if (mutate) {
      const m = mutate(headers);
      headers = m.headers ?? headers;
      sent = m.body ?? body;
    }
    const res = await fetch(url(path), {
      method,
      headers,
      body: method === 'POST' ? sent : undefined,
    });
    const text = await res.text();
    assert.doesNotMatch(text, /at .*\.ts:\d+|Error: /, 'no stack traces');
    return {
      status: res.status,
      json: JSON.parse(text) as { error?: { code: string; message: string } } & Record<
        string,
        unknown
      >,
    };
  }
  const expectError = async (
    p: Promise<{ status: number; json: { error?: { code: string } } }>,
    status: number,
    code: string,
  ) => {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.error?.code, code);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-neg-'));
    server = await startNats(join(dir, 'nats'));
    port = await freePort();
    let initiator: Uint8Array;
    let manifest: Manifest;
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url, undefined, {
      apiPorts: [port, await freePort(), await freePort()],
    }));
    ops = { id: 'ops', kind: 'ed25519', secretKey: initiator };
    manifest.initiators.push({ id: 'kms', p256: bytesToHex(p256.getPublicKey(kms.secretKey)) });
    // Reshares need 2 of 3 authorizer approvals.
    manifest.approvals = {
      required: 2,
      ops: ['reshare'],
      authorizers: approvers.map((a) => ({
        id: a.id,
        ed25519: bytesToHex(ed25519.getPublicKey(a.secretKey)),
      })),
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest));
    node = await startNode(configs[0]!);
  });

  after(async () => {
    await node?.stop('SIGKILL');
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('missing, wrong, expired and replayed signatures are 401 with a typed code', async () => {
    const path = '/v1/keys/nope';
    await expectError(
      fetch(url(path)).then(async (r) => ({ status: r.status, json: await r.json() })),
      401,
      'UNAUTHENTICATED',
    );
    await expectError(
      send('GET', path, '', ops, (h) => ({
        headers: { ...h, 'X-Tessera-Signature': btoa('x'.repeat(64)) },
      })),
      401,
      'BAD_SIGNATURE',
    );
    const old = Date.now() - 61_000;
    await expectError(
      send('GET', path, '', ops, () => ({ headers: signHttp(ops, 'it', 'GET', path, '', old) })),
      401,
      'REQUEST_EXPIRED',
    );
    const future = Date.now() + 61_000;
    await expectError(
      send('GET', path, '', ops, () => ({ headers: signHttp(ops, 'it', 'GET', path, '', future) })),
      401,
      'REQUEST_EXPIRED',
    );
    const once = signHttp(ops, 'it', 'GET', path, '');
    await expectError(
      send('GET', path, '', ops, () => ({ headers: once })),
      404,
      'UNKNOWN_KEY',
    );
    await expectError(
      send('GET', path, '', ops, () => ({ headers: once })),
      401,
      'NONCE_REPLAYED',
    );
  });

  test('a P-256 (cloud KMS) initiator is accepted, compact or DER', async () => {
    await expectError(send('GET', '/v1/keys/none', '', kms), 404, 'UNKNOWN_KEY');
    const path = '/v1/keys/none';
    const ts = Date.now();
    const nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
    const msg = new TextEncoder().encode(
      `tessera-http/v2\nit\nkms\nGET\n${path}\n${ts}\n${nonce}\n${'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'}`,
    );
    const der = p256.sign(msg, kms.secretKey, { format: 'der' });
    const r = await fetch(url(path), {
      headers: {
        'X-Tessera-Key-Id': 'kms',
        'X-Tessera-Timestamp': String(ts),
        'X-Tessera-Nonce': nonce,
        'X-Tessera-Signature': Buffer.from(der).toString('base64'),
      },
    });
    assert.equal(r.status, 404);
  });

  test('malformed JSON, wrong types, unknown fields, unknown curve, a 31-byte digest, an unknown key: 400 or 404', async () => {
    await expectError(send('POST', '/v1/keys', '{"threshold":'), 400, 'MALFORMED_JSON');
    await expectError(send('POST', '/v1/keys', '[1,2]'), 400, 'VALIDATION');
    await expectError(
      send('POST', '/v1/keys', JSON.stringify({ threshold: '2' })),
      400,
      'VALIDATION',
    );
    await expectError(
      send('POST', '/v1/keys', JSON.stringify({ threshold: 1 })),
      400,
      'VALIDATION',
    );
    await expectError(
      send('POST', '/v1/keys', JSON.stringify({ threshold: 2, parties: ['node0', 'ghost'] })),
      400,
      'VALIDATION',
    );
    await expectError(
      send('POST', '/v1/keys', JSON.stringify({ threshold: 2, curves: ['p384'] })),
      400,
      'VALIDATION',
    );
    await expectError(
      send('POST', '/v1/keys', JSON.stringify({ threshold: 2, colour: 'red' })),
      400,
      'VALIDATION',
    );
    const sign = (b: unknown) => send('POST', '/v1/keys/k1/sign', JSON.stringify(b));
    await expectError(sign({ curve: 'p256', message: '00' }), 400, 'VALIDATION');
    await expectError(sign({ curve: 'secp256k1', message: '11'.repeat(31) }), 400, 'VALIDATION');
    await expectError(sign({ curve: 'secp256k1', message: 'zz'.repeat(32) }), 400, 'VALIDATION');
    await expectError(
      sign({ curve: 'secp256k1', message: '11'.repeat(32), derivationPath: [2 ** 31] }),
      400,
      'VALIDATION',
    );
    await expectError(sign({ curve: 'ed25519', message: 42 }), 400, 'VALIDATION');
    await expectError(
      sign({ curve: 'ed25519', message: '00', signers: 'node0' }),
      400,
      'VALIDATION',
    );
    await expectError(sign({ curve: 'ed25519', message: '00' }), 404, 'UNKNOWN_KEY');
    await expectError(
      send('POST', '/v1/keys/k1/reshare', JSON.stringify({ threshold: 5, parties: NODES })),
      400,
      'VALIDATION',
    );
    await expectError(send('POST', '/v1/keys/bad%20id/refresh', ''), 400, 'VALIDATION');
    await expectError(send('POST', '/v1/nothing', '{}'), 404, 'NOT_FOUND');
  });

  test('m-of-k approvals: a reshare needs 2 of 3 authorizers (403 with fewer), checked by the API and again by every node', async () => {
    const path = '/v1/keys/k7/reshare';
    const body = JSON.stringify({ threshold: 2, parties: NODES });
    const withApprovals =
      (who: InitiatorSecret[], forge = false) =>
      (h: Record<string, string>) => ({
        headers: {
          ...h,
          'X-Tessera-Approvals': who
            .map((a) => signApproval(a, 'it', 'POST', path, forge ? '{}' : body, h))
            .join(' '),
        },
      });
    await expectError(send('POST', path, body), 403, 'APPROVALS_REQUIRED');
    await expectError(
      send('POST', path, body, ops, withApprovals([approvers[0]!])),
      403,
      'APPROVALS_REQUIRED',
    );
    await expectError(
      send('POST', path, body, ops, withApprovals([approvers[0]!, approvers[0]!])),
      403,
      'APPROVALS_REQUIRED',
    );
    await expectError(
      send('POST', path, body, ops, withApprovals([approvers[0]!, approvers[1]!], true)),
      403,
      'APPROVALS_REQUIRED',
    );
    // Enough approvals: authorised, so the request reaches the key lookup.
    await expectError(
      send('POST', path, body, ops, withApprovals([approvers[0]!, approvers[2]!])),
      404,
      'UNKNOWN_KEY',
    );
    // A request put straight on the stream without approvals is refused by the node itself.
    const nc = await connect({ servers: server.url });
    await putOnStream(
      nc,
      'it',
      { http: signedPost(ops, 'it', path, body) },
      `bypass-${Date.now()}`,
    );
    for (
      let i = 0;
      i < 50 &&
      !node.logs.some((l) => l.event === 'request_rejected' && l.code === 'APPROVALS_REQUIRED');
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      node.logs.some((l) => l.event === 'request_rejected' && l.code === 'APPROVALS_REQUIRED'),
    );
    await nc.drain();
  });

  test('keygen with parties that are not running: 503 PARTY_NOT_READY naming them', async () => {
    const r = await send('POST', '/v1/keys', JSON.stringify({ threshold: 2 }));
    assert.equal(r.status, 503);
    assert.equal(r.json.error?.code, 'PARTY_NOT_READY');
    assert.match(r.json.error!.message, /node1, node2/);
  });

  test('a 10 MB body is 413 before it is read; a trickling client is 408', async () => {
    // Over raw TCP: the answer comes to the headers alone, before a byte of the 10 MB is sent
    // (a fetch uploading it may see the connection reset before it reads the answer).
    const answer = await new Promise<string>((resolve, reject) => {
      const s = tcp(port, '127.0.0.1', () => {
        s.write(
          `POST /v1/keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
        );
      });
      let buf = '';
      s.on('data', (b) => {
        buf += b.toString();
        const [head, body] = buf.split('\r\n\r\n');
        if (body !== undefined && /"code":"[A-Z_]+"/.test(body)) {
          resolve(`${head!.split('\r\n')[0]} ${body}`);
          s.destroy();
        }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error('no answer to a 10 MB Content-Length')), 15_000);
    });
    assert.match(answer, / 413 .*"code":"BODY_TOO_LARGE"/);
    const status = await new Promise<string>((resolve, reject) => {
      const s = tcp(port, '127.0.0.1', () => {
        s.write(
          `POST /v1/keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"thr`,
        );
      });
      let buf = '';
      s.on('data', (b) => {
        buf += b.toString();
        if (buf.includes('\r\n\r\n')) {
          resolve(buf.split('\r\n')[0]!);
          s.destroy();
        }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error('no answer to a trickling client')), 15_000);
    });
    assert.match(status, / 408 /);
  });

  test('the nonce cache survives a restart of the API node', async () => {
    const headers = signHttp(ops, 'it', 'GET', '/v1/keys/k9', '');
    assert.equal((await fetch(url('/v1/keys/k9'), { headers })).status, 404);
    await node.stop('SIGTERM');
    node = await startNode(configs[0]!);
    const r = await fetch(url('/v1/keys/k9'), { headers });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'NONCE_REPLAYED');
  });

  test('with NATS down at boot, /readyz and /v1 answer 503 at once instead of hanging', async () => {
    const cfg = JSON.parse(readFileSync(configs[1]!, 'utf8'));
    const apiPort = cfg.api.port as number;
    cfg.nats.servers = [`nats://127.0.0.1:${await freePort()}`];
    const path = join(dir, 'node1-nonats.json');
    writeFileSync(path, JSON.stringify(cfg));
    const [bin, ...pre] = cliArgv('node');
    const proc = spawn(bin!, [...pre, 'node', 'start', '--config', path], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    try {
      let ready: Response | undefined;
      for (let i = 0; i < 100 && !ready; i++) {
        ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined);
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ready!.status, 503);
      const r = await fetch(`http://127.0.0.1:${apiPort}/v1/keys`, {
        method: 'POST',
        headers: signHttp(ops, 'it', 'POST', '/v1/keys', '{"threshold":2}'),
        body: '{"threshold":2}',
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(r.status, 503);
      assert.equal((await r.json()).error.code, 'NOT_READY');
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
