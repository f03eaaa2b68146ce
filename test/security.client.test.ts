/**
 * The client against a lying API. A fake API (a Hono app answering like the real one) holds
 * the real node identity keys of a manifest, so it can make genuinely signed attestations, and
 * answers keygen, sign, refresh, reshare and `keys get` honestly or with empty, partial,
 * duplicated, misdirected, replayed and forged attestations, forged public keys and forged
 * signatures. Every lie is refused with a VerificationError naming the check and the node; the
 * honest answers (both curves, a derivation path, chosen signers, an Idempotency-Key replay) are
 * accepted. The CLI refuses to run without a readable manifest, naming the path it tried.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { Hono } from 'hono';
import { requestIdOf, type InitiatorSecret } from '../src/auth/signed-http.ts';
import {
  TesseraApiError,
  TesseraClient,
  VerificationError,
  type KeyInfo,
} from '../src/client/http.ts';
import { generateIdentity, type PrivateIdentity } from '../src/node/identity/identity.ts';
import { signStatement } from '../src/node/cluster/key-record.ts';
import {
  addInitiator,
  addNode,
  emptyManifest,
  type Manifest,
} from '../src/node/identity/manifest.ts';
import { attest, type Curve, type NodeResult } from '../src/node/requests/requests.ts';
import { cliArgv } from './helpers/cluster.ts';

const NODES = ['node0', 'node1', 'node2', 'node3'];
const ROOT = new URL('../', import.meta.url).pathname;
const N = secp256k1.Point.Fn.ORDER;
/** Only secp256k1 keys have a chain code (as the nodes attest). */
const chainCodeOf = (k: { curves: Curve[]; chainCode: string }) =>
  k.curves.includes('secp256k1') ? k.chainCode : undefined;
type Json = Record<string, any>;

/** BIP32 CKDpriv (the fake's signing key for a derivation path), independent of the client's CKDpub. */
function deriveSecret(secret: Uint8Array, chain: Uint8Array, path: number[]): Uint8Array {
  let k = BigInt(`0x${bytesToHex(secret)}`);
  let c = chain;
  for (const index of path) {
    const data = new Uint8Array(37);
    data.set(secp256k1.getPublicKey(hexToBytes(k.toString(16).padStart(64, '0')), true));
    new DataView(data.buffer).setUint32(33, index);
    const i = hmac(sha512, c, data);
    k = (k + BigInt(`0x${bytesToHex(i.slice(0, 32))}`)) % N;
    c = i.slice(32);
  }
  return hexToBytes(k.toString(16).padStart(64, '0'));
}

/** A key the fake "cluster" holds in one piece (the client cannot tell, and need not). */
interface FakeKey {
  keyId: string;
  threshold: number;
  parties: string[];
  curves: Curve[];
  ec: Uint8Array;
  ed: Uint8Array;
  chainCode: string;
  epoch: string;
  /** The attestations of the epoch request, as `GET /v1/keys/:id` serves them. */
  results: NodeResult[];
}
const publicKeysOf = (k: FakeKey) => ({
  ...(k.curves.includes('secp256k1')
    ? { secp256k1: bytesToHex(secp256k1.getPublicKey(k.ec, true)) }
    : {}),
  ...(k.curves.includes('ed25519') ? { ed25519: bytesToHex(ed25519.getPublicKey(k.ed)) } : {}),
});

/** What a lie may change: the honest answer, the request id, and a way to attest as any node. */
interface Ctx {
  route: 'keygen' | 'get' | 'sign' | 'refresh' | 'reshare';
  requestId: string;
  as: (nodeId: string, r: Omit<NodeResult, 'attestation' | 'nodeId'>) => NodeResult;
}

/** A fake API with the nodes' real identity keys: honest unless `lie` rewrites an answer. */
function fakeApi(ids: Map<string, PrivateIdentity>, manifest: Manifest) {
  const keys = new Map<string, FakeKey>();
  const answered = new Map<string, Json>();
  const state = { lie: undefined as ((answer: Json, c: Ctx) => Json) | undefined, keys };
  const as = (nodeId: string, r: Omit<NodeResult, 'attestation' | 'nodeId'>) =>
    attest(ids.get(nodeId)!, { ...r, nodeId });
  const app = new Hono();
  const reply = async (
    req: Request,
    route: Ctx['route'],
    make: (body: Json, requestId: string) => Json,
    status = 200,
  ) => {
    const requestId = requestIdOf({
      keyId: req.headers.get('x-tessera-key-id')!,
      nonce: req.headers.get('x-tessera-nonce')!,
    });
    const text = await req.text();
    const idem = req.headers.get('idempotency-key');
    if (idem && answered.has(idem))
      return Response.json(answered.get(idem), {
        status,
        headers: { 'Idempotent-Replayed': 'true' },
      });
    // A lie changes nothing the fake "cluster" holds (as a real cluster would never have run it).
    const saved = state.lie
      ? [...keys].map(([k, v]) => [k, structuredClone(v)] as const)
      : undefined;
    const honest = make(text ? JSON.parse(text) : {}, requestId);
    if (saved) {
      keys.clear();
      for (const [k, v] of saved) keys.set(k, v);
    }
    const answer = state.lie
      ? state.lie(structuredClone(honest), { route, requestId, as })
      : honest;
    if (idem) answered.set(idem, answer);
    return Response.json(answer, { status });
  };
  const keyResults = (k: FakeKey, requestId: string, committee: string[], extra: Json) =>
    committee.map((p) =>
      as(p, {
        requestId,
        ok: true,
        result: {
          keyId: k.keyId,
          threshold: k.threshold,
          parties: k.parties,
          publicKeys: publicKeysOf(k),
          chainCode: chainCodeOf(k),
          ...extra,
        },
      }),
    );
  const keyAnswer = (k: FakeKey, requestId: string, attestations: NodeResult[]) => ({
    keyId: k.keyId,
    threshold: k.threshold,
    parties: k.parties,
    publicKeys: publicKeysOf(k),
    chainCode: chainCodeOf(k),
    requestId,
    attestations,
  });

  app.post('/v1/keys', (c) =>
    reply(
      c.req.raw,
      'keygen',
      (b, requestId) => {
        const k: FakeKey = {
          keyId: `key_${requestId.slice(1, 25)}`,
          threshold: b.threshold,
          parties: b.parties ?? manifest.nodes.map((n) => n.nodeId),
          curves: b.curves ?? ['secp256k1', 'ed25519'],
          ec: secp256k1.utils.randomSecretKey(),
          ed: ed25519.utils.randomSecretKey(),
          chainCode: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
          epoch: requestId,
          results: [],
        };
        k.results = keyResults(k, requestId, k.parties, {});
        keys.set(k.keyId, k);
        return keyAnswer(k, requestId, k.results);
      },
      201,
    ),
  );
  app.get('/v1/keys/:keyId', (c) =>
    !keys.has(c.req.param('keyId'))
      ? Response.json({ error: { code: 'UNKNOWN_KEY', message: 'no such key' } }, { status: 404 })
      : reply(c.req.raw, 'get', () => {
          const k = keys.get(c.req.param('keyId'))!;
          return {
            keyId: k.keyId,
            threshold: k.threshold,
            parties: k.parties,
            curves: k.curves,
            publicKeys: publicKeysOf(k),
            chainCode: chainCodeOf(k),
            epoch: k.epoch,
            attestations: k.results,
          };
        }),
  );
  app.post('/v1/keys/:keyId/sign', (c) =>
    reply(c.req.raw, 'sign', (b, requestId) => {
      const k = keys.get(c.req.param('keyId'))!;
      const signers: string[] = b.signers ?? k.parties.slice(0, k.threshold);
      const message = hexToBytes(b.message);
      let result: Json;
      if (b.curve === 'ed25519') {
        const sig = bytesToHex(ed25519.sign(message, k.ed));
        result = {
          curve: 'ed25519',
          signature: sig,
          r: sig.slice(0, 64),
          s: sig.slice(64),
          publicKey: bytesToHex(ed25519.getPublicKey(k.ed)),
          signers,
        };
      } else {
        const sk = deriveSecret(k.ec, hexToBytes(k.chainCode), b.derivationPath ?? []);
        const rec = secp256k1.sign(message, sk, { prehash: false, format: 'recovered' });
        const sig = bytesToHex(rec.slice(1));
        result = {
          curve: 'secp256k1',
          signature: sig,
          r: sig.slice(0, 64),
          s: sig.slice(64),
          recoveryId: rec[0],
          publicKey: bytesToHex(secp256k1.getPublicKey(sk, true)),
          signers,
          derivationPath: b.derivationPath ?? [],
        };
      }
      const attestations = signers.map((p) => as(p, { requestId, ok: true, result }));
      const { derivationPath, ...rest } = result;
      return {
        keyId: k.keyId,
        ...rest,
        ...(b.derivationPath ? { derivationPath } : {}),
        requestId,
        attestations,
      };
    }),
  );
  app.post('/v1/keys/:keyId/refresh', (c) =>
    reply(c.req.raw, 'refresh', (_b, requestId) => {
      const k = keys.get(c.req.param('keyId'))!;
      const attestations = keyResults(k, requestId, k.parties, {
        curves: k.curves,
        refreshed: k.curves,
      });
      Object.assign(k, { epoch: requestId, results: attestations });
      return keyAnswer(k, requestId, attestations);
    }),
  );
  app.post('/v1/keys/:keyId/reshare', (c) =>
    reply(c.req.raw, 'reshare', (b, requestId) => {
      const k = keys.get(c.req.param('keyId'))!;
      const committee = [...k.parties, ...b.parties.filter((p: string) => !k.parties.includes(p))];
      Object.assign(k, { threshold: b.threshold, parties: b.parties, epoch: requestId });
      const attestations = keyResults(k, requestId, committee, {
        curves: k.curves,
        reshared: k.curves,
      });
      k.results = attestations.filter((a) => k.parties.includes(a.nodeId));
      return keyAnswer(k, requestId, attestations);
    }),
  );
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    app.fetch(new Request(input, init))) as typeof globalThis.fetch;
  return { state, fetch };
}

describe('the client refuses a lying API (empty, partial, misdirected and forged attestations)', () => {
  const ids = new Map<string, PrivateIdentity>();
  let manifest: Manifest;
  let api: ReturnType<typeof fakeApi>;
  let client: TesseraClient;
  const ops: InitiatorSecret = {
    id: 'ops',
    kind: 'ed25519',
    secretKey: ed25519.utils.randomSecretKey(),
  };
  const fresh = () =>
    new TesseraClient({ url: 'http://api.invalid', initiator: ops, manifest, fetch: api.fetch });
  let key: KeyInfo;
  const digest = (text: string) => sha256(new TextEncoder().encode(text));

  /**
   * Sets the lie for one call and asserts the VerificationError it provokes. The lie applies to
   * the operation's answer (`keys get` answers stay honest) unless `on` is 'get'.
   */
  async function refused(
    lie: (a: Json, c: Ctx) => Json,
    call: (c: TesseraClient) => Promise<unknown>,
    message: RegExp,
    on: 'op' | 'get' = 'op',
  ): Promise<void> {
    api.state.lie = (a, c) => ((c.route === 'get') === (on === 'get') ? lie(a, c) : a);
    try {
      await assert.rejects(call(fresh()), (e: Error) => {
        assert.ok(
          e instanceof VerificationError,
          `expected a VerificationError, got ${e.name}: ${e.message}`,
        );
        assert.match(e.message, message);
        return true;
      });
    } finally {
      api.state.lie = undefined;
    }
  }
  /** Re-attests every attestation of an answer with `change` applied to its result (genuine node keys: as if the nodes said so). */
  const reattest = (a: Json, c: Ctx, change: (r: Json, nodeId: string) => Json, only?: string) => ({
    ...a,
    attestations: a.attestations.map((x: NodeResult) =>
      only && x.nodeId !== only
        ? x
        : c.as(x.nodeId, {
            requestId: x.requestId,
            ok: true,
            result: change(structuredClone(x.result!), x.nodeId),
          }),
    ),
  });
  const keygen = (c: TesseraClient) =>
    c.createKey({ threshold: 2, parties: ['node0', 'node1', 'node2'] });
  const otherKeys = () => ({
    secp256k1: bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)),
    ed25519: bytesToHex(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
  });

  before(() => {
    let m = emptyManifest('it');
    for (const id of NODES) {
      const g = generateIdentity(id);
      ids.set(id, g.private);
      m = addNode(m, g.public);
    }
    manifest = addInitiator(m, {
      id: 'ops',
      ed25519: bytesToHex(ed25519.getPublicKey(ops.secretKey)),
    });
    api = fakeApi(ids, manifest);
    client = fresh();
  });

  test('without a manifest there is no client (no unverified mode)', () => {
    assert.throws(
      () => new TesseraClient({ url: 'http://api.invalid', initiator: ops } as never),
      (e: Error) => e instanceof TypeError && /manifest/.test(e.message),
    );
  });

  test('honest answers verify: keygen (both curves, default and chosen parties), keys get, signing (both curves, a derivation path, chosen signers), refresh, reshare', async () => {
    key = await keygen(client);
    assert.equal(key.attestations.length, 3);
    const all = await client.createKey({ threshold: 3, curves: ['ed25519'] });
    assert.deepEqual(all.parties, NODES, 'no parties asked: every manifest node');
    assert.deepEqual(Object.keys(all.publicKeys), ['ed25519']);
    const got = await fresh().getKey(key.keyId);
    assert.deepEqual(got.publicKeys, key.publicKeys);
    const ec = await fresh().sign(key.keyId, { curve: 'secp256k1', message: digest('a') });
    assert.equal(ec.publicKey, key.publicKeys.secp256k1);
    const child = await client.sign(key.keyId, {
      curve: 'secp256k1',
      message: digest('b'),
      derivationPath: [0, 5],
      signers: ['node1', 'node2'],
    });
    assert.notEqual(child.publicKey, key.publicKeys.secp256k1);
    assert.deepEqual(child.derivationPath, [0, 5]);
    await client.sign(key.keyId, {
      curve: 'ed25519',
      message: 'abcd',
      signers: ['node0', 'node1', 'node2'],
    });
    const r = await client.refresh(key.keyId);
    assert.deepEqual(r.publicKeys, key.publicKeys);
    assert.equal((await fresh().getKey(key.keyId)).epoch, r.requestId);
  });

  test('an Idempotency-Key replay is believed only when this process signed the first attempt', async () => {
    const first = await client.sign(
      key.keyId,
      { curve: 'ed25519', message: '01' },
      { idempotencyKey: 'k1' },
    );
    const again = await fresh().sign(
      key.keyId,
      { curve: 'ed25519', message: '01' },
      { idempotencyKey: 'k1' },
    );
    assert.equal(again.requestId, first.requestId);
    assert.equal(again.signature, first.signature);
    // A genuine answer to an earlier request of this process, replayed for another Idempotency-Key.
    await refused(
      () => first,
      (x) => x.sign(key.keyId, { curve: 'ed25519', message: '01' }, { idempotencyKey: 'k3' }),
      /the API says the request id is r[0-9a-f]{40}; this client signed r[0-9a-f]{40}/,
    );
    await refused(
      () => ({ ...first, requestId: undefined }),
      (x) => x.sign(key.keyId, { curve: 'ed25519', message: '01' }, { idempotencyKey: 'k4' }),
      /node0 attested request r[0-9a-f]{40}, not this client's request/,
    );
  });

  test('keygen: empty, partial, duplicated, outsider and failed attestations are refused', async () => {
    await refused(
      (a) => ({ ...a, attestations: [] }),
      keygen,
      /keygen key_\w+: no attestation from node0, node1, node2/,
    );
    await refused(
      (a) => ({ ...a, attestations: a.attestations.slice(0, 2) }),
      keygen,
      /no attestation from node2 \(every one of node0, node1, node2 must attest\)/,
    );
    await refused(
      (a) => ({ ...a, attestations: [a.attestations[0], ...a.attestations] }),
      keygen,
      /two attestations from node0/,
    );
    await refused(
      (a, c) => ({
        ...a,
        attestations: [
          ...a.attestations,
          c.as('node3', { requestId: c.requestId, ok: true, result: a.attestations[0].result }),
        ],
      }),
      keygen,
      /attestation from node3, which is not in the committee \(node0, node1, node2\)/,
    );
    await refused(
      (a, c) => ({
        ...a,
        attestations: [
          ...a.attestations.slice(0, 2),
          c.as('node2', {
            requestId: c.requestId,
            ok: false,
            error: { code: 'TIMEOUT', message: 'x', culprits: [] },
          }),
        ],
      }),
      keygen,
      /node2 attested a failure \(TIMEOUT\)/,
    );
  });

  test('keygen: an attestation for another request, forged attestation bytes, and another node key are refused', async () => {
    const other = `r${'ab'.repeat(20)}`;
    await refused(
      (a, c) => ({
        ...a,
        attestations: a.attestations.map((x: NodeResult) =>
          x.nodeId === 'node1'
            ? c.as('node1', { requestId: other, ok: true, result: x.result })
            : x,
        ),
      }),
      keygen,
      new RegExp(`node1 attested request ${other}, not this client's request r[0-9a-f]{40}`),
    );
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    await refused(
      (a) => ({
        ...a,
        attestations: a.attestations.map((x: NodeResult) =>
          x.nodeId === 'node2' ? { ...x, attestation: flip(x.attestation) } : x,
        ),
      }),
      keygen,
      /the attestation by node2 does not verify under its key in the manifest/,
    );
    // node3's genuine signature presented as node1's.
    await refused(
      (a, c) => ({
        ...a,
        attestations: a.attestations.map((x: NodeResult) =>
          x.nodeId === 'node1'
            ? {
                ...c.as('node3', { requestId: c.requestId, ok: true, result: x.result }),
                nodeId: 'node1',
              }
            : x,
        ),
      }),
      keygen,
      /the attestation by node1 does not verify/,
    );
  });

  test('keygen: genuine attestations of other content (public keys, threshold, parties, key id) and a forged answer body are refused', async () => {
    const forged = otherKeys();
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, publicKeys: forged }), 'node1'),
      keygen,
      /node1 attested publicKeys .* but node0 attested/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, threshold: 3 })),
      keygen,
      /node0 says threshold is 3, expected 2/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, parties: ['node0', 'node1'] })),
      keygen,
      /node0 says parties is \["node0","node1"\], expected \["node0","node1","node2"\]/,
    );
    await refused(
      (a, c) =>
        reattest({ ...a, keyId: 'key_chosen_by_the_api' }, c, (r) => ({
          ...r,
          keyId: 'key_chosen_by_the_api',
        })),
      keygen,
      /node0 says keyId is "key_chosen_by_the_api", expected "key_\w+"/,
    );
    await refused(
      (a) => ({ ...a, publicKeys: forged }),
      keygen,
      /the API says publicKeys is .*, expected/,
    );
    await refused(
      (a) => ({ ...a, requestId: `r${'cd'.repeat(20)}` }),
      keygen,
      /the API says the request id is rcdcd\w+; this client signed r[0-9a-f]{40}/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, publicKeys: { ed25519: r.publicKeys.ed25519 } })),
      keygen,
      /public keys are for ed25519, expected secp256k1, ed25519/,
    );
  });

  test('keys get: forged public keys, a shrunk committee, missing attestations and another key are refused', async () => {
    const get = (c: TesseraClient) => c.getKey(key.keyId);
    await refused(
      (a) => ({ ...a, publicKeys: otherKeys() }),
      get,
      /key record key_\w+: the API says publicKeys is/,
      'get',
    );
    await refused(
      (a) => ({ ...a, publicKeys: { ...a.publicKeys, secp256k1: otherKeys().secp256k1 } }),
      get,
      /the API says publicKeys is/,
      'get',
    );
    await refused(
      (a) => ({ ...a, attestations: [] }),
      get,
      /key record key_\w+: no attestation from node0, node1, node2/,
      'get',
    );
    await refused(
      (a) => ({ ...a, attestations: undefined }),
      get,
      /carries no attestation list/,
      'get',
    );
    await refused(
      (a) => ({ ...a, parties: ['node0', 'node1'], attestations: a.attestations.slice(0, 2) }),
      get,
      /node0 says parties is \["node0","node1","node2"\], expected \["node0","node1"\]/,
      'get',
    );
    await refused(
      (a) => ({ ...a, threshold: 3 }),
      get,
      /node0 says threshold is 2, expected 3/,
      'get',
    );
    await refused(
      (a) => ({ ...a, epoch: `r${'ef'.repeat(20)}` }),
      get,
      /node0 attested request r[0-9a-f]{40}, not the record's epoch ref/,
      'get',
    );
    await refused((a) => ({ ...a, epoch: undefined }), get, /names no epoch/, 'get');
    await refused(
      (a) => ({ ...a, keyId: 'key_other' }),
      get,
      /the API answered for key key_other/,
      'get',
    );
  });

  test("keys get by the parties' signed statements (kept as long as the key; results expire): threshold genuine ones verify without attestations; too few, another record, a forged or misattributed one are refused", async () => {
    const get = (c: TesseraClient) => c.getKey(key.keyId);
    const stated = (a: Json, signers: string[], change: (r: Json) => Json = (r) => r) => {
      const record = {
        keyId: a.keyId,
        threshold: a.threshold,
        parties: a.parties,
        curves: a.curves,
        publicKeys: a.publicKeys,
        chainCode: a.chainCode,
        epoch: a.epoch,
      };
      return signers.map((n) =>
        signStatement(ids.get(n)!, manifest.cluster, change(structuredClone(record)) as never),
      );
    };
    api.state.lie = (a, c) =>
      c.route === 'get' ? { ...a, attestations: [], statements: stated(a, ['node0', 'node2']) } : a;
    try {
      assert.deepEqual((await fresh().getKey(key.keyId)).publicKeys, key.publicKeys);
    } finally {
      api.state.lie = undefined;
    }
    await refused(
      (a) => ({ ...a, attestations: [], statements: stated(a, ['node1']) }),
      get,
      /only 1 of its parties stated it; the threshold is 2/,
      'get',
    );
    await refused(
      (a) => ({
        ...a,
        attestations: [],
        statements: stated(a, ['node0', 'node1'], (r) => ({ ...r, publicKeys: otherKeys() })),
      }),
      get,
      /node0 stated .*, the API answered/,
      'get',
    );
    await refused(
      (a) => {
        const pk = otherKeys();
        return {
          ...a,
          publicKeys: pk,
          attestations: [],
          statements: stated({ ...a, publicKeys: pk }, ['node0']).concat(
            stated(a, ['node1']).map((st) => ({ ...st, nodeId: 'node2' })),
          ),
        };
      },
      get,
      /the statement attributed to node2 does not verify/,
      'get',
    );
    await refused(
      (a) => ({
        ...a,
        attestations: [],
        statements: stated(a, ['node0', 'node1']).map((st) => ({
          ...st,
          sig: st.sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0')),
        })),
      }),
      get,
      /does not verify/,
      'get',
    );
  });

  test('sign: empty and partial attestations, an outsider, and fewer signers than the threshold are refused', async () => {
    const sign = (c: TesseraClient) => c.sign(key.keyId, { curve: 'ed25519', message: '0a' });
    await refused(
      (a) => ({ ...a, attestations: [] }),
      sign,
      /sign key_\w+: no attestation from node0, node1/,
    );
    await refused(
      (a) => ({ ...a, attestations: a.attestations.slice(1) }),
      sign,
      /no attestation from node0/,
    );
    await refused(
      (a, c) => ({
        ...a,
        attestations: [
          ...a.attestations,
          c.as('node2', { requestId: c.requestId, ok: true, result: a.attestations[0].result }),
        ],
      }),
      sign,
      /attestation from node2, which is not in the committee \(node0, node1\)/,
    );
    await refused(
      (a) => ({ ...a, signers: ['node0', 'node2'] }),
      sign,
      /the API names signers \["node0","node2"\], expected node0, node1/,
    );
    // One chosen signer (below the threshold of 2), attested as such by a genuine node key.
    await refused(
      (a, c) =>
        reattest(
          { ...a, signers: ['node0'], attestations: a.attestations.slice(0, 1) },
          c,
          (r) => ({ ...r, signers: ['node0'] }),
        ),
      (x) => x.sign(key.keyId, { curve: 'ed25519', message: '0a', signers: ['node0'] }),
      /1 signer\(s\) given; the threshold \(minimum number of signers\) is 2/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, signers: ['node0', 'node1', 'node2'] }), 'node1'),
      sign,
      /node1 attested signers \["node0","node1","node2"\], expected node0, node1/,
    );
  });

  test('sign: an attestation for another request, a different signature, forged signature bytes and a signature over another message are refused', async () => {
    const sign = (c: TesseraClient) =>
      c.sign(key.keyId, { curve: 'secp256k1', message: digest('pay bob') });
    const k = api.state.keys.get(key.keyId)!;
    const otherSig = bytesToHex(secp256k1.sign(digest('pay mallory'), k.ec, { prehash: false }));
    await refused(
      (a, c) => ({
        ...a,
        attestations: a.attestations.map((x: NodeResult) =>
          c.as(x.nodeId, { requestId: `r${'12'.repeat(20)}`, ok: true, result: x.result }),
        ),
      }),
      sign,
      /node0 attested request r1212\w+, not this client's request/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, signature: otherSig }), 'node1'),
      sign,
      /node1 attested signature .* but node0 attested/,
    );
    await refused(
      (a) => ({ ...a, signature: otherSig, r: otherSig.slice(0, 64), s: otherSig.slice(64) }),
      sign,
      /the API says signature is .*, expected/,
    );
    // Every signer attests (genuinely) a valid signature of the same key over another message.
    await refused(
      (a, c) =>
        reattest(
          { ...a, signature: otherSig, r: otherSig.slice(0, 64), s: otherSig.slice(64) },
          c,
          (r) => ({ ...r, signature: otherSig }),
        ),
      sign,
      /the signature does not verify \(@noble\) under the key's public key/,
    );
    const bad = otherSig.slice(0, 126) + (otherSig.endsWith('00') ? '01' : '00');
    await refused(
      (a, c) =>
        reattest({ ...a, signature: bad, r: bad.slice(0, 64), s: bad.slice(64) }, c, (r) => ({
          ...r,
          signature: bad,
        })),
      sign,
      /does not verify \(@noble\)/,
    );
  });

  test('sign: a public key other than the attested key (or its derived child) is refused', async () => {
    const forged = otherKeys().secp256k1;
    await refused(
      (a, c) => reattest({ ...a, publicKey: forged }, c, (r) => ({ ...r, publicKey: forged })),
      (x) => x.sign(key.keyId, { curve: 'secp256k1', message: digest('c') }),
      /node0 says publicKey is "[0-9a-f]+", expected "[0-9a-f]+"/,
    );
    // A signature by the parent key offered for a derivation path.
    await refused(
      (a, c) =>
        reattest({ ...a, publicKey: key.publicKeys.secp256k1 }, c, (r) => ({
          ...r,
          publicKey: key.publicKeys.secp256k1,
        })),
      (x) => x.sign(key.keyId, { curve: 'secp256k1', message: digest('d'), derivationPath: [7] }),
      /says publicKey is .*, expected/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, derivationPath: [8] })),
      (x) => x.sign(key.keyId, { curve: 'secp256k1', message: digest('d'), derivationPath: [7] }),
      /node0 says derivationPath is \[8\], expected \[7\]/,
    );
  });

  test('refresh and reshare: partial attestations (a departing party too), a replayed earlier epoch and changed public keys are refused', async () => {
    await refused(
      (a) => ({ ...a, attestations: a.attestations.slice(0, 2) }),
      (c) => c.refresh(key.keyId),
      /refresh key_\w+: no attestation from node2/,
    );
    const old = api.state.keys.get(key.keyId)!.results;
    await refused(
      (a) => ({ ...a, attestations: old }),
      (c) => c.refresh(key.keyId),
      /refresh key_\w+: node0 attested request r[0-9a-f]{40}, not this client's request/,
    );
    const forged = otherKeys();
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, publicKeys: forged })),
      (c) => c.refresh(key.keyId),
      /every party says publicKeys is/,
    );
    // 2-of-3 {0,1,2} → 2-of-3 {1,2,3}: node0 leaves, and must attest too.
    await refused(
      (a) => ({
        ...a,
        attestations: a.attestations.filter((x: NodeResult) => x.nodeId !== 'node0'),
      }),
      (c) => c.reshare(key.keyId, { threshold: 2, parties: ['node1', 'node2', 'node3'] }),
      /reshare key_\w+: no attestation from node0 \(every one of node0, node1, node2, node3 must attest\)/,
    );
    await refused(
      (a, c) => reattest(a, c, (r) => ({ ...r, threshold: 3 })),
      (c) => c.reshare(key.keyId, { threshold: 2, parties: ['node1', 'node2', 'node3'] }),
      /node0 says threshold is 3, expected 2/,
    );
    const r = await client.reshare(key.keyId, {
      threshold: 2,
      parties: ['node1', 'node2', 'node3'],
    });
    assert.deepEqual(r.parties, ['node1', 'node2', 'node3']);
    const s = await client.sign(key.keyId, { curve: 'ed25519', message: '0f' });
    assert.deepEqual(s.signers, ['node1', 'node2']);
  });

  test('a client with an outdated record (another client reshared) re-reads it once and verifies', async () => {
    const stale = fresh();
    await stale.getKey(key.keyId);
    await client.reshare(key.keyId, { threshold: 3, parties: NODES });
    const s = await stale.sign(key.keyId, { curve: 'ed25519', message: '10' });
    assert.deepEqual(s.signers, ['node0', 'node1', 'node2']);
  });

  test('the CLI prints what it verified for an honest answer, and REFUSED (exit 1, no "verified") for a lying one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-client-cli-'));
    // The fake API on a real port (an async child: the server answers in this process meanwhile).
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const r = await api.fetch(`http://fake${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'ops.initiator.key'), bytesToHex(ops.secretKey));
    const cli = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const [bin, ...pre] = cliArgv('node');
        const p = spawn(
          bin!,
          [
            ...pre,
            ...args,
            '--url',
            url,
            '--manifest',
            join(dir, 'cluster.json'),
            '--initiator-key',
            join(dir, 'ops.initiator.key'),
          ],
          { cwd: ROOT },
        );
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        p.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    try {
      const ok = await cli(['keygen', '--threshold', '2', '--parties', 'node0,node1,node2']);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(
        ok.stdout,
        /verified {3}key id, threshold, parties, public keys, chain code: attested by node0, node1, node2 \(request r[0-9a-f]{40}\)/,
      );
      const keyId = /key {8}(key_\w+)/.exec(ok.stdout)![1]!;
      const signed = await cli(['sign', '--key', keyId, '--curve', 'ed25519', '--message', '00']);
      assert.equal(signed.status, 0, signed.stderr);
      assert.match(
        signed.stdout,
        /verified {3}signature under the key's attested public key \(@noble\); attested by every signer \(node0, node1\)/,
      );
      api.state.lie = (a, c) => (c.route === 'sign' ? { ...a, attestations: [] } : a);
      const lied = await cli(['sign', '--key', keyId, '--curve', 'ed25519', '--message', '00']);
      assert.equal(lied.status, 1, lied.stderr);
      assert.match(
        lied.stderr,
        /tessera: sign REFUSED, the answer failed verification: sign key_\w+: no attestation from node0, node1/,
      );
      assert.doesNotMatch(lied.stdout + lied.stderr, /verified /);
    } finally {
      api.state.lie = undefined;
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an API error is a TesseraApiError, not a verification', async () => {
    await assert.rejects(
      fresh().sign('key_unknown', { curve: 'ed25519', message: '00' }),
      (e: Error) => e instanceof TesseraApiError && e.status === 404 && e.code === 'UNKNOWN_KEY',
    );
  });
});

describe('the CLI refuses to run without a readable manifest', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-client-'));
    writeFileSync(join(dir, 'ops.initiator.key'), bytesToHex(ed25519.utils.randomSecretKey()));
    writeFileSync(join(dir, 'broken.json'), '{"version":1,"cluster":"it","nodes":');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const [bin, ...pre] = cliArgv('node');
    const base = { ...process.env };
    delete base.TESSERA_MANIFEST;
    return spawnSync(
      bin!,
      [
        ...pre,
        'keys',
        'get',
        '--key',
        'key_x',
        '--url',
        'http://127.0.0.1:9',
        '--initiator-key',
        join(dir, 'ops.initiator.key'),
        ...args,
      ],
      { cwd: dir, encoding: 'utf8', env: { ...base, ...env } },
    );
  };

  test('a mistyped --manifest, a missing TESSERA_MANIFEST file and a broken manifest are refused, naming the path', () => {
    const missing = join(dir, 'clutser.json');
    let r = cli(['--manifest', missing]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`no readable cluster manifest at ${missing} (--manifest)`),
      r.stderr,
    );
    r = cli([], { TESSERA_MANIFEST: missing });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`no readable cluster manifest at ${missing} (TESSERA_MANIFEST)`),
      r.stderr,
    );
    r = cli(['--manifest', join(dir, 'broken.json')]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`${join(dir, 'broken.json')} (--manifest) is not a valid cluster manifest`),
      r.stderr,
    );
    assert.ok(!/verified/.test(r.stdout + r.stderr));
  });
});
