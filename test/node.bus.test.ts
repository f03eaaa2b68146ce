/**
 * The NATS bus at start, against a real nats-server that answers late: the server is paused
 * (SIGSTOP) past the JetStream API timeout while a node opens a bucket, as a busy server does
 * when nodes set up their buckets together. The node retries the timed-out call and the bucket
 * opens; without the retry the first TimeoutError ended the node's start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsBus } from '../src/node/bus/bus.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';

describe('the bus when nats-server answers late (real nats-server, paused)', () => {
  let dir: string;
  let nats: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-bus-'));
    nats = await startNats(dir);
    nc = await connect({ servers: nats.url, timeout: 20_000, pingInterval: 60_000 });
  });
  after(async () => {
    await nc?.close().catch(() => undefined);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a bucket whose create times out (server paused 7 s) opens on the retry and works', async () => {
    const bus = natsBus(nc);
    nats.proc.kill('SIGSTOP');
    const resume = setTimeout(() => nats.proc.kill('SIGCONT'), 7_000);
    const started = Date.now();
    try {
      const kv = await bus.kv('late-bucket', {});
      assert.ok(Date.now() - started > 5_000, 'the first attempt waited out its timeout');
      await kv.put('k', 'v');
      assert.equal((await kv.get('k'))?.string(), 'v');
    } finally {
      clearTimeout(resume);
      nats.proc.kill('SIGCONT');
    }
  });
});
