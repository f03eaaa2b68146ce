/**
 * The API's HTTP layer in process (Hono's app.request with web-standard Requests, no server, no
 * NATS): every refusal before the cluster is consulted (missing, bad, expired or duplicated
 * signature headers, malformed and oversized or trickling bodies, unknown routes) is a JSON 4xx
 * with a typed code and no path or stack in it. Through a real server and cluster:
 * api.negative.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { createApi } from '../src/api/app.ts';
import { signHttp, type InitiatorSecret } from '../src/auth/signed-http.ts';
import type { ClusterState } from '../src/node/cluster/state.ts';
import { addInitiator, emptyManifest } from '../src/node/identity/manifest.ts';

const ops: InitiatorSecret = {
  id: 'ops',
  kind: 'ed25519',
  secretKey: ed25519.utils.randomSecretKey(),
};
// A second initiator (P-256, as a KMS holds it): one initiator's key never signs as another.
const kms: InitiatorSecret = { id: 'kms', kind: 'p256', secretKey: p256.utils.randomSecretKey() };
const manifest = addInitiator(
  addInitiator(emptyManifest('it'), {
    id: 'ops',
    ed25519: bytesToHex(ed25519.getPublicKey(ops.secretKey)),
  }),
  { id: 'kms', p256: bytesToHex(p256.getPublicKey(kms.secretKey)) },
);
const LIMITS = { bodyBytes: 1024, bodyTimeoutMs: 300 };

/** The cluster as far as the HTTP layer reaches it: the nonce cache (a nonce is taken once). */
function nonceCache(fail?: Error): ClusterState {
  const seen = new Set<string>();
  return {
    claimNonce: async (keyId: string, nonce: string) => {
      if (fail) throw fail;
      const fresh = !seen.has(`${keyId}/${nonce}`);
      seen.add(`${keyId}/${nonce}`);
      return fresh;
    },
  } as unknown as ClusterState;
}

function api(cluster: ClusterState | undefined) {
  return createApi({ manifest, cluster: () => cluster, notReady: async () => [], limits: LIMITS });
}

/** Sends a request through the app in process; asserts the error body's shape and returns it. */
async function send(
  app: ReturnType<typeof api>,
  method: string,
  path: string,
  init: { headers?: HeadersInit; body?: BodyInit } = {},
) {
  const res = await app.request(
    `http://api.test${path}`,
    {
      method,
      ...init,
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit,
    { remoteAddress: '127.0.0.1' },
  );
  const text = await res.text();
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, text);
  assert.doesNotMatch(
    text,
    /at .*\.ts:\d+|Error: |\/(work|tmp|home|src)\//,
    'no stack trace or path',
  );
  return {
    status: res.status,
    json: JSON.parse(text) as { error: { code: string; message: string } },
  };
}

/** Signed headers for `body` (then edited by `edit`). */
function signed(
  method: string,
  path: string,
  body = '',
  edit: (h: Record<string, string>) => Record<string, string> = (h) => h,
  key = ops,
  at = Date.now(),
) {
  return {
    headers: {
      ...edit(signHttp(key, 'it', method, path, body, at)),
      'content-type': 'application/json',
    },
    ...(method === 'POST' ? { body } : {}),
  };
}

async function expectError(
  p: Promise<{ status: number; json: { error: { code: string } } }>,
  status: number,
  code: string,
) {
  const r = await p;
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code);
  assert.deepEqual(Object.keys(r.json), ['error'], 'the error shape alone');
}

describe('API HTTP layer (in process)', () => {
  test('missing, bad, expired and replayed signatures are 401 with a typed code', async () => {
    const app = api(nonceCache());
    const path = '/v1/keys/nope';
    await expectError(send(app, 'GET', path), 401, 'UNAUTHENTICATED');
    for (const drop of [
      'X-Tessera-Key-Id',
      'X-Tessera-Timestamp',
      'X-Tessera-Nonce',
      'X-Tessera-Signature',
    ]) {
      await expectError(
        send(
          app,
          'GET',
          path,
          signed('GET', path, '', (h) =>
            Object.fromEntries(Object.entries(h).filter(([k]) => k !== drop)),
          ),
        ),
        401,
        'UNAUTHENTICATED',
      );
    }
    await expectError(
      send(
        app,
        'GET',
        path,
        signed('GET', path, '', (h) => ({ ...h, 'X-Tessera-Signature': btoa('x'.repeat(64)) })),
      ),
      401,
      'BAD_SIGNATURE',
    );
    await expectError(
      send(
        app,
        'GET',
        path,
        signed('GET', path, '', (h) => ({ ...h, 'X-Tessera-Signature': 'not base64 at all' })),
      ),
      401,
      'BAD_SIGNATURE',
    );
    for (const skew of [-61_000, 61_000])
      await expectError(
        send(app, 'GET', path, signed('GET', path, '', undefined, ops, Date.now() + skew)),
        401,
        'REQUEST_EXPIRED',
      );
    await expectError(
      send(
        app,
        'GET',
        path,
        signed('GET', path, '', (h) => ({ ...h, 'X-Tessera-Timestamp': 'yesterday' })),
      ),
      401,
      'UNAUTHENTICATED',
    );
    // Authenticated (a malformed key id needs no lookup: 404), then the same headers replayed.
    const once = signed('GET', '/v1/keys/bad%20id', '');
    await expectError(send(app, 'GET', '/v1/keys/bad%20id', once), 404, 'UNKNOWN_KEY');
    await expectError(send(app, 'GET', '/v1/keys/bad%20id', once), 401, 'NONCE_REPLAYED');
  });

  // Moved from api.negative.test.ts: none of these reaches the cluster.
  test('tampered body, signature for another path, duplicate header, wrong key id, short nonce', async () => {
    const app = api(nonceCache());
    const body = JSON.stringify({ threshold: 2 });
    await expectError(
      send(app, 'POST', '/v1/keys', {
        ...signed('POST', '/v1/keys', body),
        body: JSON.stringify({ threshold: 3 }),
      }),
      401,
      'BAD_SIGNATURE',
    );
    await expectError(
      send(app, 'POST', '/v1/keys', { ...signed('POST', '/v1/keys/x/sign', body), body }),
      401,
      'BAD_SIGNATURE',
    );
    const dup = new Headers(signHttp(ops, 'it', 'GET', '/v1/keys/x', ''));
    dup.append('X-Tessera-Nonce', 'ab'.repeat(16));
    await expectError(send(app, 'GET', '/v1/keys/x', { headers: dup }), 401, 'DUPLICATE_HEADER');
    await expectError(
      send(
        app,
        'GET',
        '/v1/keys/x',
        signed('GET', '/v1/keys/x', '', (h) => ({ ...h, 'X-Tessera-Key-Id': 'mallory' })),
      ),
      401,
      'UNKNOWN_INITIATOR',
    );
    await expectError(
      send(app, 'GET', '/v1/keys/x', {
        headers: {
          ...signHttp({ ...ops, id: 'kms' }, 'it', 'GET', '/v1/keys/x', ''),
          'X-Tessera-Key-Id': 'ops',
        },
      }),
      401,
      'BAD_SIGNATURE',
    );
    // ops's key signing under kms's id (as api.negative asserted before the move).
    await expectError(
      send(
        app,
        'GET',
        '/v1/keys/x',
        signed('GET', '/v1/keys/x', '', undefined, { ...ops, id: 'kms' }),
      ),
      401,
      'BAD_SIGNATURE',
    );
    await expectError(
      send(app, 'GET', '/v1/keys/x', {
        headers: signHttp(ops, 'it', 'GET', '/v1/keys/x', '', Date.now(), 'abcd'),
      }),
      401,
      'UNAUTHENTICATED',
    );
    await expectError(
      send(app, 'GET', '/v1/keys/x', {
        headers: signHttp(ops, 'another-cluster', 'GET', '/v1/keys/x', ''),
      }),
      401,
      'BAD_SIGNATURE',
    );
  });

  test('malformed JSON, bodies that are not UTF-8, and mistyped bodies are 400', async () => {
    const app = api(nonceCache());
    await expectError(
      send(app, 'POST', '/v1/keys', signed('POST', '/v1/keys', '{"threshold":')),
      400,
      'MALFORMED_JSON',
    );
    await expectError(
      send(app, 'POST', '/v1/keys', {
        ...signed('POST', '/v1/keys', ''),
        body: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]),
      }),
      400,
      'MALFORMED_JSON',
    );
    await expectError(
      send(app, 'POST', '/v1/keys', signed('POST', '/v1/keys', '[1,2]')),
      400,
      'VALIDATION',
    );
    await expectError(
      send(app, 'POST', '/v1/keys', signed('POST', '/v1/keys', JSON.stringify({ threshold: '2' }))),
      400,
      'VALIDATION',
    );
    await expectError(
      send(
        app,
        'POST',
        '/v1/keys',
        signed('POST', '/v1/keys', JSON.stringify({ threshold: 2, colour: 'red' })),
      ),
      400,
      'VALIDATION',
    );
  });

  test('an oversized body is 413 (declared, or streamed past the limit); a trickling one is 408; both before authentication', async () => {
    const app = api(nonceCache());
    const big = 'x'.repeat(LIMITS.bodyBytes + 1);
    await expectError(
      send(app, 'POST', '/v1/keys', { headers: { 'content-type': 'application/json' }, body: big }),
      413,
      'BODY_TOO_LARGE',
    );
    const chunks = (n: number) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < n; i++) c.enqueue(new Uint8Array(512).fill(0x20));
          c.close();
        },
      });
    await expectError(send(app, 'POST', '/v1/keys', { body: chunks(3) }), 413, 'BODY_TOO_LARGE');
    const trickle = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('{"thr')),
    });
    await expectError(send(app, 'POST', '/v1/keys', { body: trickle }), 408, 'REQUEST_TIMEOUT');
  });

  test('an unknown route or method is a JSON 404; a failure inside is a bare 500 and names no path', async () => {
    for (const [method, path] of [
      ['GET', '/nothing'],
      ['POST', '/v1/nothing'],
      ['DELETE', '/v1/keys'],
      ['GET', '/v1/keys'],
    ]) {
      await expectError(
        send(api(nonceCache()), method!, path!, method === 'POST' ? { body: '{}' } : {}),
        404,
        'NOT_FOUND',
      );
    }
    const broken = api(
      nonceCache(new Error('EACCES: permission denied, open /var/lib/tessera/node0/nonces')),
    );
    const r = await send(broken, 'GET', '/v1/keys/x', signed('GET', '/v1/keys/x'));
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { error: { code: 'INTERNAL', message: 'internal error' } });
    await expectError(
      send(api(undefined), 'GET', '/v1/keys/x', signed('GET', '/v1/keys/x')),
      503,
      'NOT_READY',
    );
  });
});
