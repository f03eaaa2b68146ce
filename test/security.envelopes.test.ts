/**
 * Garbage envelopes claiming an honest node's index, published on a real nats-server to a real
 * node process: they name no culprit, ban nobody, and their log lines are rate-limited (one per
 * code per window, with the suppressed count); the honest node still signs with the node it
 * names. The rate limiter itself is checked against an injected clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { bytesToHex } from '@noble/curves/utils.js';
import { signHttp, type InitiatorSecret } from '../src/auth/signed-http.ts';
import { PeerTransport } from '../src/node/transport/transport.ts';
import { makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';

const NODES = ['node0', 'node1', 'node2'];
const WINDOW_MS = 10_000;
const HEADER = 74;

/** An envelope-shaped buffer claiming to come from manifest index `from` to `to`, with a random body and tag. */
function garbage(from: number, to: number, lengthOk = true): Uint8Array {
  const b = crypto.getRandomValues(new Uint8Array(HEADER + 64));
  b.set([0x54, 0x53, 0x52, 0x32]);
  b[4] = 1;
  const v = new DataView(b.buffer);
  v.setUint16(38, from);
  v.setUint16(40, to);
  v.setUint32(70, lengthOk ? 64 : 9999);
  return b;
}

describe('security: unauthenticated envelopes', () => {
  let dir: string;
  let server: NatsServer;
  let port: number;
  let ops: InitiatorSecret;
  const nodes: NodeProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sec-env-'));
    server = await startNats(join(dir, 'nats'));
    port = await freePort();
    const made = await makeCluster(dir, NODES, server.url, undefined, {
      apiPorts: [port, await freePort(), await freePort()],
    });
    ops = { id: 'ops', kind: 'ed25519', secretKey: made.initiator };
    for (const c of made.configs) nodes.push(await startNode(c));
  });

  after(async () => {
    for (const n of nodes) await n.stop('SIGKILL');
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(path: string, body: string) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { ...signHttp(ops, 'it', 'POST', path, body), 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  test('900 garbage envelopes claiming node1: no culprit, bounded log lines, no ban; node0 still signs with node1', async () => {
    const t0 = Date.now();
    const nc = await connect({ servers: server.url });
    const session = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const subject = `tessera.it.s.${session}.1.2`;
    for (let i = 0; i < 300; i++) {
      nc.publish(subject, garbage(2, 1)); // BAD_AUTH
      nc.publish(subject, garbage(2, 1, false)); // MALFORMED (length)
      nc.publish(subject, garbage(2, 3)); // NOT_FOR_ME
    }
    // Last, one oversized payload: core NATS keeps one publisher's order, so once it is logged every garbage envelope was handled.
    nc.publish(subject, new Uint8Array(300_000));
    await nc.flush();
    const rejected = () => nodes[0]!.logs.filter((l) => l.event === 'message_rejected');
    for (let i = 0; i < 300 && !rejected().some((l) => l.code === 'OVERSIZED'); i++)
      await new Promise((r) => setTimeout(r, 50));
    const elapsed = Date.now() - t0;
    const lines = rejected();
    const codes = ['BAD_AUTH', 'MALFORMED', 'NOT_FOR_ME'];
    for (const code of codes) {
      const n = lines.filter((l) => l.code === code).length;
      assert.ok(n >= 1, `${code} logged`);
      assert.ok(n <= Math.ceil(elapsed / WINDOW_MS) + 1, `${n} ${code} lines in ${elapsed} ms`);
    }
    for (const l of lines) {
      assert.equal(l.culprit, undefined, JSON.stringify(l));
      assert.doesNotMatch(
        String(l.reason),
        /node1/,
        'the reason names an index claim, never a node as sender',
      );
    }
    await nc.drain();

    // Nobody was banned (a ban refuses signing with that peer): a key made now signs with node0 and node1 on both curves.
    const made = await send('/v1/keys', JSON.stringify({ threshold: 2 }));
    assert.equal(made.status, 201, JSON.stringify(made.json));
    for (const curve of ['ed25519', 'secp256k1']) {
      const s = await send(
        `/v1/keys/${made.json.keyId}/sign`,
        JSON.stringify({ curve, message: '11'.repeat(32), signers: ['node0', 'node1'] }),
      );
      assert.equal(s.status, 200, JSON.stringify(s.json));
    }
  });

  test('the rate limiter: one line per code and culprit per window, the next one carrying the suppressed count', () => {
    let now = 0;
    const out: [string, string | undefined, number][] = [];
    const log = PeerTransport.rateLimited<{ code: string; culprit?: string }>(
      (r, suppressed) => out.push([r.code, r.culprit, suppressed]),
      1000,
      () => now,
    );
    for (let i = 0; i < 50; i++) log({ code: 'BAD_AUTH' });
    log({ code: 'REPLAYED', culprit: 'node1' });
    log({ code: 'REPLAYED', culprit: 'node2' });
    log({ code: 'REPLAYED', culprit: 'node1' });
    now = 999;
    log({ code: 'BAD_AUTH' });
    now = 1000;
    log({ code: 'BAD_AUTH' });
    log({ code: 'REPLAYED', culprit: 'node1' });
    assert.deepEqual(out, [
      ['BAD_AUTH', undefined, 0],
      ['REPLAYED', 'node1', 0],
      ['REPLAYED', 'node2', 0],
      ['BAD_AUTH', undefined, 50],
      ['REPLAYED', 'node1', 1],
    ]);
  });
});
