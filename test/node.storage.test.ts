/**
 * Encrypted storage over unstorage drivers (memory, fs, and a real redis-server), key files,
 * age-encrypted identities and the hash-chained audit log.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStorage, type Storage } from 'unstorage';
import fsDriver from 'unstorage/drivers/fs';
import redisDriver from 'unstorage/drivers/redis';
import { AuditLog, verifyAuditLog } from '../src/node/audit.ts';
import { atomicFs } from '../src/node/fs-atomic.ts';
import { CorruptKeyFileError, generateIdentity, openPrivateIdentity, sealPrivateIdentity, WrongPassphraseError } from '../src/node/identity.ts';
import { EncryptedStore, MissingStorageKeyError, StorageTamperedError, WrongStorageKeyError, storageKeyFromFile, storageKeyFromPassphrase } from '../src/node/storage.ts';
import { connectNats, TransportConfigError } from '../src/node/transport.ts';
import { freePort } from './helpers/nats.ts';

const key = () => crypto.getRandomValues(new Uint8Array(32));
const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
let redis: ChildProcess | undefined;
let redisUrl = '';

before(async () => {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    redis!.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
    redis!.on('exit', (c) => reject(new Error(`redis-server exited ${c}: ${out}`)));
  });
  redisUrl = `redis://127.0.0.1:${port}`;
});

after(() => {
  redis?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const drivers: [string, () => Storage][] = [
  ['memory', () => createStorage()],
  ['fs', () => createStorage({ driver: fsDriver({ base: join(dir, `fs-${Math.random()}`) }) })],
  ['atomic fs', () => createStorage({ driver: atomicFs({ base: join(dir, `afs-${Math.random()}`) }) })],
  ['redis', () => createStorage({ driver: redisDriver({ url: redisUrl, base: `t${Math.random()}` }) })],
];

for (const [name, make] of drivers) {
  describe(`EncryptedStore over the ${name} driver`, () => {
    test('round-trips versioned records; tampered, swapped and rolled-back records fail to open', async () => {
      const raw = make();
      const k = key();
      const store = await EncryptedStore.open(raw, k);
      const share = crypto.getRandomValues(new Uint8Array(5000));
      await store.put('share:k1:secp256k1', 1, share);
      await store.put('share:k1:secp256k1', 2, share.map((b) => b ^ 1));
      await store.put('share:k2:secp256k1', 1, new Uint8Array([1, 2, 3]));
      assert.deepEqual(await store.get('share:k1:secp256k1', 1), share);
      assert.deepEqual(await store.versions('share:k1:secp256k1'), [1, 2]);
      assert.equal(await store.get('share:k1:secp256k1', 3), undefined);
      // Bytes never hold the plaintext.
      const sealed = (await raw.getItemRaw('share:k1:secp256k1@1')) as Uint8Array;
      assert.ok(!Buffer.from(sealed).includes(Buffer.from(share.slice(0, 64))));
      // Tampered: one flipped bit.
      const bad = Uint8Array.from(sealed);
      bad[40]! ^= 1;
      await raw.setItemRaw('share:k1:secp256k1@1', bad);
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Truncated.
      await raw.setItemRaw('share:k1:secp256k1@1', sealed.slice(0, 30));
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Swapped: another key's record under this name.
      await raw.setItemRaw('share:k1:secp256k1@1', await raw.getItemRaw('share:k2:secp256k1@1'));
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Rolled back: version 1's bytes presented as version 2.
      await raw.setItemRaw('share:k1:secp256k1@2', sealed);
      await assert.rejects(store.get('share:k1:secp256k1', 2), StorageTamperedError);
      // Only the damaged records are unavailable.
      assert.deepEqual(await store.get('share:k2:secp256k1', 1), new Uint8Array([1, 2, 3]));
      await store.retire('share:k2:secp256k1', 1);
      assert.equal(await store.get('share:k2:secp256k1', 1), undefined);
      // A wrong key is refused at open, before any record is read.
      await assert.rejects(EncryptedStore.open(raw, key()), WrongStorageKeyError);
      await store.close();
    });
  });
}

describe('storage keys, identities, transport policy and the audit log', () => {
  test('no storage key: the node refuses to start; key files and passphrases derive 32-byte keys', async () => {
    await assert.rejects(EncryptedStore.open(createStorage(), undefined), MissingStorageKeyError);
    assert.throws(() => storageKeyFromFile('abcd'), MissingStorageKeyError);
    assert.equal(storageKeyFromFile('ab'.repeat(32)).length, 32);
    const a = storageKeyFromPassphrase('correct horse battery staple', 'c/node0');
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, storageKeyFromPassphrase('correct horse battery staple', 'c/node1'));
  });

  test('an age-encrypted identity opens with its passphrase; a wrong passphrase and a corrupt file are told apart', async () => {
    const id = generateIdentity('node7');
    const sealed = await sealPrivateIdentity(id.private, 'a long passphrase 123', 10);
    assert.equal(new TextDecoder().decode(sealed.slice(0, 21)), 'age-encryption.org/v1');
    const opened = await openPrivateIdentity(sealed, 'a long passphrase 123');
    assert.deepEqual(opened.ed25519Secret, id.private.ed25519Secret);
    await assert.rejects(openPrivateIdentity(sealed, 'wrong passphrase'), WrongPassphraseError);
    await assert.rejects(openPrivateIdentity(sealed), WrongPassphraseError);
    const corrupt = Uint8Array.from(sealed);
    corrupt[corrupt.length - 10]! ^= 1;
    await assert.rejects(openPrivateIdentity(corrupt, 'a long passphrase 123'), CorruptKeyFileError);
    await assert.rejects(openPrivateIdentity(new TextEncoder().encode('{"nodeId":"x"}')), CorruptKeyFileError);
  });

  test('production mode refuses plaintext NATS URLs and missing certificates', async () => {
    await assert.rejects(connectNats({ servers: ['nats://127.0.0.1:4222'], production: true }), TransportConfigError);
    await assert.rejects(connectNats({ servers: ['tls://127.0.0.1:4222'], production: true }), TransportConfigError);
  });

  test('the audit log is hash-chained: edits, deletions and reordering are detected', () => {
    const path = join(dir, 'audit.jsonl');
    const log = new AuditLog(path);
    for (let i = 0; i < 5; i++) log.append({ event: 'request', requestId: `r${i}` });
    assert.deepEqual(verifyAuditLog(path), { ok: true, entries: 5 });
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    writeFileSync(path, lines.map((l, i) => (i === 2 ? l.replace('r2', 'rX') : l)).join('\n') + '\n');
    assert.equal(verifyAuditLog(path).ok, false);
    writeFileSync(path, [lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n') + '\n');
    assert.equal(verifyAuditLog(path).ok, false);
    writeFileSync(path, [lines[0], lines[1], lines[3], lines[4]].join('\n') + '\n');
    assert.deepEqual(verifyAuditLog(path), { ok: false, line: 3, reason: 'hash chain broken (edited, deleted or reordered entries)' });
    assert.ok(readdirSync(dir).length > 0);
  });
});
