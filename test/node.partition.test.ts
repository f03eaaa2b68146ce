/**
 * Item 8 of shared/reliability/threats-and-faults.md for real: node1 runs in its own network
 * namespace behind a veth pair; taking the link down partitions it. A signing that needs it fails
 * with a typed UNREACHABLE naming node1; after the link heals, node1 reconnects and signs again.
 * (Item 9, netem, cannot be produced on these machines: the kernel has no netem qdisc.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { makeCluster, startNode, type NodeProcess } from './helpers/cluster.ts';
import { startNats, type NatsServer } from './helpers/nats.ts';
import { keygenOk, signOk, submitDraft, type Submitter } from './helpers/submit.ts';

const NODES = ['node0', 'node1', 'node2'];
const sh = (args: string[]) => {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
};
const tag = Math.random().toString(16).slice(2, 6);
const NS = `tsp${tag}`;
const A = `tsa${tag}`;
const B = `tsb${tag}`;
const octet = 1 + Math.floor(Math.random() * 250);
const HOST = `10.231.${octet}.1`;
const PEER = `10.231.${octet}.2`;
const canRun = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

describe(
  'a partitioned node (network namespace)',
  { skip: !canRun && 'needs root and iproute2' },
  () => {
    let dir: string;
    let server: NatsServer;
    let nc: NatsConnection;
    let manifest: Manifest;
    let initiator: Uint8Array;
    const nodes: NodeProcess[] = [];
    const cluster = (): Submitter => ({ nc, manifest, initiator });

    before(async () => {
      sh(['ip', 'netns', 'add', NS]);
      sh(['ip', 'link', 'add', A, 'type', 'veth', 'peer', 'name', B]);
      sh(['ip', 'link', 'set', B, 'netns', NS]);
      sh(['ip', 'addr', 'add', `${HOST}/30`, 'dev', A]);
      sh(['ip', 'link', 'set', A, 'up']);
      sh(['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${PEER}/30`, 'dev', B]);
      sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', B, 'up']);
      sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
      dir = mkdtempSync(join(tmpdir(), 'tessera-partition-'));
      server = await startNats(join(dir, 'nats'), undefined, undefined, HOST);
      let configs: string[];
      ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url));
      nodes.push(await startNode(configs[0]!));
      nodes.push(await startNode(configs[1]!, ['ip', 'netns', 'exec', NS]));
      nodes.push(await startNode(configs[2]!));
      nc = await connect({ servers: server.url });
      await keygenOk(cluster(), 'k1', NODES, ['ed25519']);
    });

    after(async () => {
      for (const p of nodes) await p.stop('SIGKILL');
      await nc?.close().catch(() => undefined);
      await server?.stop();
      spawnSync('ip', ['link', 'del', A]);
      spawnSync('ip', ['netns', 'del', NS]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('cut off, node1 is reported UNREACHABLE by name; healed, it signs again', async () => {
      sh(['ip', 'link', 'set', A, 'down']);
      const [res] = await submitDraft(
        cluster(),
        {
          op: 'sign',
          keyId: 'k1',
          curve: 'ed25519',
          message: '01',
          signers: ['node0', 'node1'],
        },
        ['node0'],
        60_000,
      );
      assert.equal(res!.ok, false);
      assert.ok(
        ['UNREACHABLE', 'PARTY_NOT_READY'].includes(res!.error!.code),
        JSON.stringify(res!.error),
      );
      assert.deepEqual(res!.error!.culprits, ['node1']);
      // Signers that do not need node1 are unaffected.
      await signOk(cluster(), 'k1', 'ed25519', '02', ['node0', 'node2']);
      sh(['ip', 'link', 'set', A, 'up']);
      let ok = false;
      for (let i = 0; i < 10 && !ok; i++) {
        await new Promise((r) => setTimeout(r, 1500));
        const out = await submitDraft(
          cluster(),
          {
            op: 'sign',
            keyId: 'k1',
            curve: 'ed25519',
            message: '03',
            signers: ['node0', 'node1'],
          },
          ['node0', 'node1'],
          30_000,
        ).catch(() => []);
        ok = out.length === 2 && out.every((r) => r.ok);
      }
      assert.ok(ok, 'node1 signs again after the partition heals');
    });
  },
);
