/**
 * Item 9 of shared/reliability/threats-and-faults.md as far as these machines allow: their
 * kernel has no netem, so the bad network is made at the message level on the real nats-server.
 * A chaos relay subscribes to every session subject and re-publishes each peer envelope again
 * after a random delay (duplicated and reordered), while node1 talks to NATS through a TCP proxy
 * that adds latency and jitter. Every signing completes or fails with a typed error, and
 * duplicates are never applied twice (nodes log them as REPLAYED or STALE_SESSION).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';
import { submitDraft, type Submitter } from './helpers/submit.ts';
import { readFileSync, writeFileSync } from 'node:fs';

const NODES = ['node0', 'node1', 'node2'];

/** A TCP proxy adding 20–40 ms of latency to every chunk, in order, without capping throughput. */
async function laggyProxy(target: number): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = tcpConnect(target, '127.0.0.1');
    sockets.push(client, upstream);
    const pipe = (from: Socket, to: Socket) => {
      // One queue per direction, drained in order: separate timers could fire out of order.
      const queue: { due: number; b: Buffer | string }[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drain = () => {
        timer = undefined;
        while (queue.length && queue[0]!.due <= performance.now()) {
          const { b } = queue.shift()!;
          if (!to.destroyed) to.write(b);
        }
        if (queue.length) timer = setTimeout(drain, queue[0]!.due - performance.now());
      };
      from.on('data', (b) => {
        const last = queue.length ? queue[queue.length - 1]!.due : 0;
        queue.push({ due: Math.max(last, performance.now() + 20 + Math.random() * 20), b });
        timer ??= setTimeout(drain, queue[0]!.due - performance.now());
      });
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, server };
}

describe('signing over a bad network (duplicated, reordered and delayed messages)', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let chaos: NatsConnection;
  let proxy: { port: number; server: Server };
  let manifest: Manifest;
  let initiator: Uint8Array;
  const nodes: NodeProcess[] = [];
  let duplicated = 0;
  const cluster = (): Submitter => ({ nc, manifest, initiator });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-chaos-'));
    server = await startNats(join(dir, 'nats'));
    proxy = await laggyProxy(server.port);
    let configs: string[];
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url));
    // node1 reaches NATS only through the laggy proxy.
    const cfg = JSON.parse(readFileSync(configs[1]!, 'utf8'));
    cfg.nats.servers = [`nats://127.0.0.1:${proxy.port}`];
    writeFileSync(configs[1]!, JSON.stringify(cfg));
    for (const c of configs) nodes.push(await startNode(c));
    nc = await connect({ servers: server.url });
    chaos = await connect({ servers: server.url });
    chaos.subscribe(`tessera.${manifest.cluster}.s.>`, {
      callback: (_e, m) => {
        if (m.headers?.get('chaos')) return;
        duplicated++;
        const data = m.data.slice();
        const h = headers();
        h.set('chaos', '1'); // the relay ignores its own copies
        setTimeout(() => chaos.publish(m.subject, data, { headers: h }), Math.random() * 60);
      },
    });
  });

  after(async () => {
    for (const p of nodes) await p.stop('SIGKILL');
    await chaos?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    proxy?.server.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('keygen and ten signings each complete or fail typed; duplicates are rejected, never applied', async () => {
    const keygen = await submitDraft(
      cluster(),
      {
        op: 'keygen',
        keyId: 'k1',
        threshold: 2,
        parties: NODES,
        curves: ['ed25519', 'secp256k1'],
      },
      NODES,
      120_000,
    );
    for (const r of keygen) assert.ok(r.ok || typeof r.error?.code === 'string', JSON.stringify(r));
    assert.ok(
      keygen.every((r) => r.ok),
      `keygen over the bad network: ${JSON.stringify(keygen.map((r) => r.error))} ${JSON.stringify(
        nodes
          .flatMap((p) => p.logs)
          .filter((l) => l.level !== 30)
          .slice(0, 6),
      )}`,
    );
    const pk = (keygen[0]!.result as { publicKeys: { ed25519: string } }).publicKeys.ed25519;
    let ok = 0;
    for (let i = 0; i < 10; i++) {
      const signers = i % 2 ? ['node0', 'node1'] : ['node1', 'node2'];
      const message = `0${i}`.padStart(4, '0');
      const out = await submitDraft(
        cluster(),
        { op: 'sign', keyId: 'k1', curve: 'ed25519', message, signers },
        signers,
        60_000,
      );
      for (const r of out) {
        if (r.ok)
          assert.ok(
            ed25519.verify(
              hexToBytes((r.result as { signature: string }).signature),
              hexToBytes(message),
              hexToBytes(pk),
            ),
          );
        else assert.match(r.error!.code, /^[A-Z_]+$/);
      }
      if (out.every((r) => r.ok)) ok++;
    }
    assert.ok(duplicated > 0, 'the relay duplicated traffic');
    assert.equal(ok, 10, 'duplicates and delay alone must not break a signing');
    const rejected = nodes.flatMap((p) => p.logs).filter((l) => l.event === 'message_rejected');
    assert.ok(rejected.length > 0, 'duplicates were seen and rejected');
    assert.ok(
      rejected.every((l) =>
        ['REPLAYED', 'STALE_SESSION', 'LATE', 'DUPLICATE_MESSAGE', 'UNKNOWN_SESSION'].includes(
          l.code as string,
        ),
      ),
      JSON.stringify(rejected.slice(0, 3)),
    );
  });
});
