/**
 * End to end over a real nats-server with mutual TLS: three node processes, keygen for both
 * curves, signing with each, every signature verified independently and every result's
 * attestation checked; a node killed mid-session fails that session for the others, and the
 * next request succeeds once it is back.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { submit } from '../src/client/nats.ts';
import { verifyAuditLog } from '../src/node/storage/audit.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { signRequest } from '../src/node/requests/requests.ts';
import { names } from '../src/node/cluster/state.ts';
import {
  allNodeOutput,
  assertNoSecrets,
  makeCluster,
  request,
  startNode,
  type Draft,
  type NodeProcess,
} from './helpers/cluster.ts';
import { keygenOk, signOk, submitDraft, submitOk, type Submitter } from './helpers/submit.ts';
import { makeCerts, startNats, type NatsServer } from './helpers/nats.ts';
import { deriveChild, nodeCryptoVerify } from './helpers/ecdsa.ts';
import { nodeCryptoVerify as edNodeCryptoVerify } from './helpers/verify.ts';

const NODES = ['node0', 'node1', 'node2'];

describe('three node processes over nats-server with mutual TLS', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let manifest: Manifest;
  let initiator: Uint8Array;
  let configs: string[];
  const nodes = new Map<string, NodeProcess>();
  const req = (r: Draft) => request(r);
  const cluster = (): Submitter => ({ nc, manifest, initiator });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-it-'));
    const certs = makeCerts(join(dir, 'certs'));
    server = await startNats(join(dir, 'nats'), certs);
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url, certs));
    for (const [i, id] of NODES.entries()) nodes.set(id, await startNode(configs[i]!));
    nc = await connect({
      servers: server.url,
      tls: {
        ca: readFileSync(certs.ca, 'utf8'),
        cert: readFileSync(certs.clientCert, 'utf8'),
        key: readFileSync(certs.clientKey, 'utf8'),
      },
      authenticator: nkeyAuthenticator(
        new TextEncoder().encode(readFileSync(certs.nkeySeed, 'utf8').trim()),
      ),
    });
  });

  after(async () => {
    await nc?.drain().catch(() => undefined);
    for (const p of nodes.values()) await p.stop('SIGKILL');
    await assertNoSecrets(dir, NODES, allNodeOutput.join('\n'), ['k1', 'k2']);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let pk: { secp256k1: string; ed25519: string };
  let chainCode: string;

  test('keygen for both curves: every node reports the same public keys, attested', async () => {
    const results = await keygenOk(cluster(), 'k1', NODES, ['secp256k1', 'ed25519']);
    const keys = results.map(
      (r) => r.result as { publicKeys: { secp256k1: string; ed25519: string }; chainCode: string },
    );
    for (const k of keys) assert.deepEqual(k.publicKeys, keys[0]!.publicKeys);
    pk = keys[0]!.publicKeys;
    chainCode = keys[0]!.chainCode;
    assert.equal(pk.secp256k1.length, 66);
    assert.equal(pk.ed25519.length, 64);
  });

  test('Ed25519 signing by node0 and node2 verifies under noble and node:crypto', async () => {
    const message = new TextEncoder().encode('hello over NATS');
    const results = await signOk(cluster(), 'k1', 'ed25519', bytesToHex(message), [
      'node0',
      'node2',
    ]);
    const sig = hexToBytes((results[0]!.result as { signature: string }).signature);
    assert.ok(ed25519.verify(sig, message, hexToBytes(pk.ed25519)));
    assert.ok(edNodeCryptoVerify(sig, message, hexToBytes(pk.ed25519)));
  });

  test('ECDSA signing, master and derived key, verifies under noble and node:crypto', async () => {
    const message = new TextEncoder().encode('send 1 BTC');
    const digest = sha256(message);
    const results = await signOk(cluster(), 'k1', 'secp256k1', bytesToHex(digest), [
      'node1',
      'node2',
    ]);
    const out = results[0]!.result as { signature: string; recoveryId: number; publicKey: string };
    assert.equal(out.publicKey, pk.secp256k1);
    assert.ok(
      secp256k1.verify(hexToBytes(out.signature), digest, hexToBytes(pk.secp256k1), {
        prehash: false,
      }),
    );
    assert.ok(nodeCryptoVerify(hexToBytes(out.signature), message, hexToBytes(pk.secp256k1)));

    const child = deriveChild(hexToBytes(pk.secp256k1), hexToBytes(chainCode), [0, 5]);
    const derived = await submit(
      nc,
      manifest,
      req({
        op: 'sign',
        keyId: 'k1',
        curve: 'secp256k1',
        message: bytesToHex(digest),
        signers: ['node0', 'node1'],
        derivationPath: [0, 5],
      }),
      initiator,
      ['node0', 'node1'],
    );
    const d = derived[0]!.result as { signature: string; publicKey: string };
    assert.equal(d.publicKey, bytesToHex(child.publicKey));
    assert.ok(
      secp256k1.verify(hexToBytes(d.signature), digest, child.publicKey, { prehash: false }),
    );
  });

  test('refresh re-randomises every share (ECDSA complete refresh, Ed25519 by resharing to the same committee) under the same public keys; signing continues on the new version', async () => {
    const results = await submitOk(cluster(), { op: 'refresh', keyId: 'k1' }, NODES);
    for (const r of results) assert.deepEqual((r.result as { publicKeys: unknown }).publicKeys, pk);
    // Every node switches to version 2 (and retires version 1) once all three confirmed.
    for (const id of NODES) {
      const logs = nodes.get(id)!.logs;
      for (
        let i = 0;
        i < 100 &&
        !logs.some(
          (l) =>
            l.event === 'share_version_active' &&
            (l.versions as { secp256k1?: number })?.secp256k1 === 2,
        );
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        logs.filter((l) => l.event === 'share_version_active').at(-1)?.versions,
        { secp256k1: 2, ed25519: 2 },
        id,
      );
    }
    const digest = sha256(new TextEncoder().encode('after refresh'));
    const signed = await signOk(cluster(), 'k1', 'secp256k1', bytesToHex(digest), [
      'node0',
      'node2',
    ]);
    assert.ok(
      secp256k1.verify(
        hexToBytes((signed[0]!.result as { signature: string }).signature),
        digest,
        hexToBytes(pk.secp256k1),
        { prehash: false },
      ),
    );
  });

  test('a resubmitted signing returns the first result: the signers refuse to run its session again, and a node that is no signer does nothing', async () => {
    const r = req({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '00',
      signers: ['node0', 'node1'],
    });
    const first = await submit(nc, manifest, r, initiator, ['node0', 'node1']);
    // The stream de-duplicates by request id; the same signed bytes published again on the
    // signing subject (as a duplicate delivery or anyone on the bus would) reach every node.
    nc.publish(
      names(manifest.cluster).fast,
      JSON.stringify(signRequest(r, initiator, manifest.cluster)),
    );
    const again = await submit(nc, manifest, r, initiator, ['node0', 'node1']);
    assert.deepEqual(again, first);
    const finished = (id: string) =>
      nodes
        .get(id)!
        .logs.filter((l) => l.event === 'request_finished' && l.requestId === r.requestId);
    for (const id of ['node0', 'node1']) {
      for (let i = 0; i < 50 && finished(id).length < 2; i++)
        await new Promise((res) => setTimeout(res, 100));
      const [run, rerun] = finished(id) as { ok: boolean; error?: { code: string } }[];
      assert.ok(run?.ok, id);
      assert.equal(rerun?.error?.code, 'SESSION_REUSED', `${id}: ${JSON.stringify(finished(id))}`);
    }
    assert.ok(
      !nodes.get('node2')!.logs.some((l) => l.requestId === r.requestId),
      'node2 is no signer: it neither logs nor audits the request',
    );
    assert.ok(!readFileSync(join(dir, 'node2.audit.jsonl'), 'utf8').includes(r.requestId));
  });

  test('unknown keys, forged initiator signatures and too few signers are refused', async () => {
    const unknown = await submitDraft(
      cluster(),
      {
        op: 'sign',
        keyId: 'nope',
        curve: 'ed25519',
        message: '00',
        signers: ['node0', 'node1'],
      },
      ['node0'],
    );
    assert.equal(unknown[0]!.error?.code, 'UNKNOWN_KEY');
    const few = await submitDraft(
      cluster(),
      { op: 'sign', keyId: 'k1', curve: 'ed25519', message: '00', signers: ['node0'] },
      ['node0'],
    );
    assert.equal(few[0]!.error?.code, 'NOT_ENOUGH_SIGNERS');
    // A request signed by a key that is not the manifest's initiator gets no result at all.
    const forged = req({
      op: 'sign',
      keyId: 'k1',
      curve: 'ed25519',
      message: '01',
      signers: ['node0', 'node1'],
    });
    await assert.rejects(
      submit(nc, manifest, forged, ed25519.utils.randomSecretKey(), ['node0'], 3000),
      /timed out/,
    );
    const node0 = nodes.get('node0')!;
    assert.ok(
      node0.logs.some(
        (l) =>
          l.event === 'request_rejected' &&
          l.code === 'BAD_SIGNATURE' &&
          l.requestId === forged.requestId,
      ),
    );
  });

  test('a node killed mid-keygen fails the session for the others within the timeout; after it restarts the next request succeeds', async () => {
    const r = req({
      op: 'keygen',
      keyId: 'k2',
      threshold: 2,
      parties: NODES,
      curves: ['secp256k1'],
    });
    const pending = submit(nc, manifest, r, initiator, ['node0', 'node2'], 60_000);
    await new Promise((res) => setTimeout(res, 700));
    await nodes.get('node1')!.stop('SIGKILL');
    const results = await pending;
    for (const x of results) {
      assert.equal(x.ok, false);
      assert.ok(
        ['UNREACHABLE', 'TIMEOUT', 'ABORTED_BY_PEER'].includes(x.error!.code),
        JSON.stringify(x.error),
      );
      // A node's own timeout names node1; a peer's abort is only a claim ("node0 says node1"), never a culprit.
      if (x.error!.code === 'ABORTED_BY_PEER')
        assert.ok(
          x.error!.culprits.length === 0 && /says node1/.test(x.error!.message),
          JSON.stringify(x.error),
        );
      else assert.ok(x.error!.culprits.includes('node1'), JSON.stringify(x.error));
    }
    nodes.set('node1', await startNode(configs[1]!));
    await signOk(cluster(), 'k1', 'ed25519', 'ab', ['node0', 'node1']);
  });

  test('SIGTERM shuts a node down cleanly, and its audit log verifies', async () => {
    const node2 = nodes.get('node2')!;
    const code = await node2.stop('SIGTERM');
    for (let i = 0; i < 100 && !node2.logs.some((l) => l.event === 'node_stopped'); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      node2.logs.some((l) => l.event === 'node_stopped'),
      'the node ran its graceful shutdown',
    );
    // Deno's child_process reports a signalled child's exit code as null; Node and Bun report 0.
    if (!('Deno' in globalThis)) assert.equal(code, 0);
    const audit = verifyAuditLog(join(dir, 'node2.audit.jsonl'));
    assert.ok(audit.ok && audit.entries > 4, JSON.stringify(audit));
    assert.ok(
      !readFileSync(join(dir, 'node2.audit.jsonl'), 'utf8').includes(
        readFileSync(join(dir, 'node2.storage.key'), 'utf8'),
      ),
    );
  });
});
