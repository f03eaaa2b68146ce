/**
 * `npm start` (`tessera dev`) on a fresh directory: with nats-server on PATH (one process per
 * node) and without it (the in-process bus), the local cluster becomes ready, and the CLI's
 * defaults reach it: keygen, then a signing with each curve verified by node:crypto.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { describe, test } from 'node:test';
import { hexToBytes } from '@noble/curves/utils.js';
import { cliArgv } from './helpers/cluster.ts';
import { digestOf, nodeCryptoVerify } from './helpers/ecdsa.ts';
import { freePort } from './helpers/nats.ts';
import { nodeCryptoVerify as edVerify } from './helpers/verify.ts';

const ROOT = new URL('../', import.meta.url).pathname;

async function devCluster(withNats: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dev-'));
  const port = await freePort();
  const [bin, ...pre] = cliArgv('node');
  let PATH = process.env.PATH!;
  if (!withNats) {
    // A PATH with node and nothing else: no nats-server.
    mkdirSync(join(dir, 'bin'));
    symlinkSync(bin!, join(dir, 'bin', 'node'));
    PATH = join(dir, 'bin');
  }
  const proc = spawn(
    bin!,
    [...pre, 'dev', '--dir', join(dir, '.tessera/dev'), '--port', String(port)],
    { cwd: ROOT, env: { ...process.env, PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  for (let i = 0; i < 600 && !out.includes('Try it'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.match(out, /DEVELOPMENT SETUP/);
  const env = {
    ...process.env,
    TESSERA_URL: `http://127.0.0.1:${port}`,
    TESSERA_INITIATOR_KEY: join(dir, '.tessera/dev/initiator.key'),
    TESSERA_MANIFEST: join(dir, '.tessera/dev/cluster.json'),
  };
  const cli = (args: string[]) => {
    const r = spawnSync(bin!, [...pre, ...args, '--json'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout);
  };
  return {
    out: () => out,
    cli,
    stop: async () => {
      proc.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const withNats of [true, false]) {
  describe(`npm start ${withNats ? 'with nats-server on PATH' : 'without nats-server (in-process bus)'}`, () => {
    test('starts ready, and the CLI generates a key and signs with both curves', async () => {
      const dev = await devCluster(withNats);
      try {
        if (!withNats) assert.match(dev.out(), /in-process bus/);
        const key = dev.cli(['keygen', '--threshold', '2']);
        const ed = dev.cli([
          'sign',
          '--key',
          key.keyId,
          '--curve',
          'ed25519',
          '--message',
          '68656c6c6f',
        ]);
        assert.ok(
          edVerify(
            hexToBytes(ed.signature),
            hexToBytes('68656c6c6f'),
            hexToBytes(key.publicKeys.ed25519),
          ),
        );
        const { message, digest } = digestOf('hello');
        const ec = dev.cli([
          'sign',
          '--key',
          key.keyId,
          '--curve',
          'secp256k1',
          '--message',
          Buffer.from(digest).toString('hex'),
        ]);
        assert.ok(
          nodeCryptoVerify(hexToBytes(ec.signature), message, hexToBytes(key.publicKeys.secp256k1)),
        );
      } finally {
        await dev.stop();
      }
    });
  });
}
