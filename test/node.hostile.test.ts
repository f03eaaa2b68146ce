/**
 * Hostile peers against a real nats-server: node0 runs a signing session through its
 * SessionManager; the test plays node1 by hand and also sends forged, replayed, misrouted and
 * oversized envelopes. Each is rejected naming its culprit, and the honest session completes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startEcdsaSign, startFrostSign, type FrostKeyShare } from '../src/core/index.ts';
import { bytesToHex } from '@noble/curves/utils.js';
import { runEcdsaDkg, runFrostDkg } from '../src/protocol/local.ts';
import { bannedPeers, execute } from '../src/node/operations/index.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { sessionId, type OperationRequest } from '../src/node/requests/requests.ts';
import { KIND, seal } from '../src/node/transport/envelope.ts';
import { generateIdentity, type PrivateIdentity } from '../src/node/identity/identity.ts';
import { addNode, emptyManifest, type Manifest } from '../src/node/identity/manifest.ts';
import { SessionError, SessionManager } from '../src/protocol/session.ts';
import { PeerTransport } from '../src/node/transport/transport.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';

describe('peer transport and sessions over a real nats-server reject hostile peers', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let manifest: Manifest;
  let ids: PrivateIdentity[];
  let keys: FrostKeyShare[];
  let node0: SessionManager;
  let node1: PeerTransport;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'));
    server = await startNats(dir);
    nc = await connect({ servers: server.url });
    const made = ['node0', 'node1', 'node2'].map((n) => generateIdentity(n));
    manifest = made.reduce((m, id) => addNode(m, id.public), emptyManifest('hostile'));
    ids = made.map((m) => m.private);
    keys = runFrostDkg({ threshold: 2, parties: 3 });
    node0 = new SessionManager(new PeerTransport(nc, manifest, ids[0]!));
    node1 = new PeerTransport(nc, manifest, ids[1]!);
  });

  after(async () => {
    await nc?.drain();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until node0 has recorded a rejection matching `code`. */
  async function rejection(code: string): Promise<{ culprit?: string; reason: string }> {
    for (let i = 0; i < 100; i++) {
      const r = node0.rejections.find((x) => x.code === code);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`no ${code} rejection recorded; saw ${JSON.stringify(node0.rejections)}`);
  }

  /** A protocol message for node0 (party 1), sealed with `ids[signer]` under sender index `from`. */
  const toNode0 = (
    signer: number,
    from: number,
    m: { session: Uint8Array; round: number; seq: number; body: Uint8Array },
  ) => seal(manifest, ids[signer]!, from, { kind: KIND.protocol, to: 1, ...m });

  test('forged, misrouted, replayed, late, stale and oversized envelopes are rejected naming the culprit; the session completes', async () => {
    const message = new TextEncoder().encode('wire 5 ETH');
    const parties = ['node0', 'node1', 'node2'];
    const run = async (session: Uint8Array) => {
      // node0 (party 1) signs with node1 (party 2); the test drives node1's rounds by hand.
      const inbox: Uint8Array[] = [];
      node1.listen(
        (o) => inbox.push(o.body),
        () => undefined,
      );
      await nc.flush();
      const mine = node0.run<Uint8Array>({
        session,
        parties,
        members: [1, 2],
        start: () => startFrostSign({ key: keys[0]!, session, signers: [1, 2], message }),
        roundTimeoutMs: 10_000,
      });
      const r1 = startFrostSign({ key: keys[1]!, session, signers: [1, 2], message });
      return { mine, r1, inbox };
    };

    // An earlier, finished session whose messages will be replayed later.
    const old = crypto.getRandomValues(new Uint8Array(32));
    const first = await run(old);
    const oldR1 = toNode0(1, 2, {
      session: old,
      round: 1,
      seq: 1,
      body: first.r1.outgoing[0]!.bytes,
    });
    node1.sendRaw(old, 1, oldR1);
    while (first.inbox.length < 1) await new Promise((r) => setTimeout(r, 10));
    first.r1.receive(first.inbox.shift()!);
    const firstR2 = first.r1.advance();
    node1.sendRaw(
      old,
      1,
      toNode0(1, 2, { session: old, round: 2, seq: 2, body: firstR2.outgoing[0]!.bytes }),
    );
    assert.equal(
      (
        await first.mine.catch((e) => {
          throw new Error(`${e.message}; rejections: ${JSON.stringify(node0.rejections)}`);
        })
      ).length,
      64,
    );
    node1.close();

    const session = crypto.getRandomValues(new Uint8Array(32));
    const { mine, r1, inbox } = await run(session);
    const genuine = toNode0(1, 2, { session, round: 1, seq: 1, body: r1.outgoing[0]!.bytes });

    // 1. A forged envelope (one bit flipped) — and one sealed by node2 claiming to be node1.
    const forged = genuine.slice();
    forged[forged.length - 5]! ^= 1;
    node1.sendRaw(session, 1, forged);
    // It names no culprit: a tag that does not verify proves nothing about who sent it.
    assert.equal((await rejection('BAD_AUTH')).culprit, undefined);
    node1.sendRaw(
      session,
      1,
      toNode0(2, 2, { session, round: 1, seq: 1, body: r1.outgoing[0]!.bytes }),
    );
    // 2. A non-member (node2 is a party of the key but not a signer of this session).
    node1.sendRaw(
      session,
      1,
      toNode0(2, 3, { session, round: 1, seq: 1, body: r1.outgoing[0]!.bytes }),
    );
    assert.equal((await rejection('NOT_A_PARTY')).culprit, 'node2');
    // 3. A message replayed from the earlier session.
    node1.sendRaw(old, 1, oldR1);
    assert.equal((await rejection('STALE_SESSION')).culprit, 'node1');
    // 4. An oversized payload, dropped before parsing.
    node1.sendRaw(session, 1, new Uint8Array(300_000));
    await rejection('OVERSIZED');
    // 5. A message for another round (round 0 while node0 is in round 1).
    node1.sendRaw(
      session,
      1,
      toNode0(1, 2, { session, round: 0, seq: 1, body: r1.outgoing[0]!.bytes }),
    );
    assert.equal((await rejection('LATE')).culprit, 'node1');
    // 6. The genuine message, then the same bytes again (a replay within the session).
    node1.sendRaw(session, 1, genuine);
    node1.sendRaw(session, 1, genuine);
    assert.equal((await rejection('REPLAYED')).culprit, 'node1');

    // The honest session is unaffected: node1 finishes its side and both agree on a valid signature.
    while (inbox.length < 1) await new Promise((r) => setTimeout(r, 10));
    r1.receive(inbox.shift()!);
    const r2 = r1.advance();
    node1.sendRaw(
      session,
      1,
      toNode0(1, 2, { session, round: 2, seq: 2, body: r2.outgoing[0]!.bytes }),
    );
    const sig = await mine;
    assert.ok(ed25519.verify(sig, message, keys[0]!.publicKey));
    node1.close();
  });

  test('a party that stays silent fails the session within its round timeout, naming it', async () => {
    const session = crypto.getRandomValues(new Uint8Array(32));
    await assert.rejects(
      node0.run({
        session,
        parties: ['node0', 'node1', 'node2'],
        members: [1, 3],
        start: () =>
          startFrostSign({ key: keys[0]!, session, signers: [1, 3], message: new Uint8Array(1) }),
        roundTimeoutMs: 1500,
      }),
      (e: unknown) =>
        e instanceof SessionError &&
        e.code === 'TIMEOUT' &&
        e.culprits.includes('node2') &&
        e.round === 1,
    );
  });

  test('a failed ECDSA consistency check bans the culprit: the next signing with it is refused until a refresh', async () => {
    const ecdsa = runEcdsaDkg({ threshold: 2, parties: 3 });
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    await store.put('share:kb:secp256k1', 1, ecdsa[0]!.blob);
    await store.putJson('meta:kb', {
      keyId: 'kb',
      threshold: 2,
      parties: ['node0', 'node1', 'node2'],
      curves: ['secp256k1'],
      publicKeys: { secp256k1: bytesToHex(ecdsa[0]!.publicKey) },
      versions: { secp256k1: 1 },
    });
    const sign = (requestId: string): OperationRequest => ({
      op: 'sign',
      requestId,
      initiator: 'ops',
      timestamp: Date.now(),
      keyId: 'kb',
      curve: 'secp256k1',
      message: '11'.repeat(32),
      signers: ['node0', 'node1'],
    });
    const all = async () => true;
    // node1 (played by the test) sends node0 an OT-extension message with one flipped bit.
    const r = sign('ban-1');
    const session = sessionId(r.requestId, 'sign/secp256k1');
    const mine = execute(r, 'node0', store, node0, { roundMs: 5000 }, all);
    const evil = startEcdsaSign({
      key: ecdsa[1]!,
      session,
      signers: [1, 2],
      digest: new Uint8Array(32).fill(0x11),
    });
    const body = evil.outgoing[0]!.bytes.slice();
    body[39 + 96 + 10]! ^= 1; // inside u, after sign_id, the run nonce and Com(R_i)
    node1.sendRaw(
      session,
      1,
      seal(manifest, ids[1]!, 2, { kind: KIND.protocol, session, round: 1, to: 1, seq: 1, body }),
    );
    await assert.rejects(
      mine,
      (e: unknown) =>
        e instanceof SessionError &&
        e.code === 'CONSISTENCY_CHECK_FAILED' &&
        e.culprits.includes('node1'),
    );
    assert.deepEqual(await bannedPeers(store, 'kb'), ['node1']);
    // The next signing with node1 is refused before any session starts.
    await assert.rejects(
      execute(sign('ban-2'), 'node0', store, node0, {}, all),
      (e: unknown) => (e as { code?: string }).code === 'PEER_BANNED',
    );
  });
});
