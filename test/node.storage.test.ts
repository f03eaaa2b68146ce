/**
 * Encrypted storage over every driver of test/helpers/drivers.ts (memory, atomic fs, a real
 * redis-server, unstorage's fs), key files, age-encrypted identities and the hash-chained audit
 * log. What the drivers themselves must do: storage.drivers.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { createStorage, type Storage } from 'unstorage';
import { AuditLog, verifyAuditLog } from '../src/node/storage/audit.ts';
import {
  CorruptKeyFileError,
  generateIdentity,
  openPrivateIdentity,
  sealPrivateIdentity,
  WrongPassphraseError,
} from '../src/node/identity/identity.ts';
import {
  EncryptedStore,
  MissingStorageKeyError,
  StorageRollbackError,
  StorageTamperedError,
  WrongStorageKeyError,
  storageKeyFromFile,
  storageKeyFromPassphrase,
} from '../src/node/storage/storage.ts';
import { connectNats, TransportConfigError } from '../src/node/transport/transport.ts';
import { driversWithRedis } from './helpers/drivers.ts';

const key = () => crypto.getRandomValues(new Uint8Array(32));
const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
const table = driversWithRedis();

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const row of table.rows) {
  const make = () => row.make().storage;
  describe(`EncryptedStore over the ${row.name} driver`, () => {
    test('round-trips versioned records; tampered, swapped and rolled-back records fail to open', async () => {
      const raw = make();
      const k = key();
      const store = await EncryptedStore.open(raw, k);
      const share = crypto.getRandomValues(new Uint8Array(5000));
      await store.put('share:k1:secp256k1', 1, share);
      await store.put(
        'share:k1:secp256k1',
        2,
        share.map((b) => b ^ 1),
      );
      await store.put('share:k2:secp256k1', 1, new Uint8Array([1, 2, 3]));
      assert.deepEqual(await store.get('share:k1:secp256k1', 1), share);
      assert.deepEqual(await store.versions('share:k1:secp256k1'), [1, 2]);
      assert.equal(await store.get('share:k1:secp256k1', 3), undefined);
      const at = (n: string, v: number) => store.storageKeyOf(n, v);
      // Bytes never hold the plaintext; names are keyed hashes.
      const sealed = (await raw.getItemRaw(at('share:k1:secp256k1', 1))) as Uint8Array;
      assert.ok(!Buffer.from(sealed).includes(Buffer.from(share.slice(0, 64))));
      const listing = (await raw.getKeys()).join('\n');
      for (const leak of ['k1', 'k2', 'secp256k1', 'share', '@'])
        assert.ok(!listing.includes(leak), `listing shows "${leak}": ${listing}`);
      // Tampered: one flipped bit.
      const bad = Uint8Array.from(sealed);
      bad[40]! ^= 1;
      await raw.setItemRaw(at('share:k1:secp256k1', 1), bad);
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Truncated.
      await raw.setItemRaw(at('share:k1:secp256k1', 1), sealed.slice(0, 30));
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Swapped: another key's record under this name.
      await raw.setItemRaw(
        at('share:k1:secp256k1', 1),
        await raw.getItemRaw(at('share:k2:secp256k1', 1)),
      );
      await assert.rejects(store.get('share:k1:secp256k1', 1), StorageTamperedError);
      // Version 1's bytes presented as version 2.
      await raw.setItemRaw(at('share:k1:secp256k1', 2), sealed);
      await assert.rejects(store.get('share:k1:secp256k1', 2), StorageTamperedError);
      // Only the damaged records are unavailable.
      assert.deepEqual(await store.get('share:k2:secp256k1', 1), new Uint8Array([1, 2, 3]));
      await store.retire('share:k2:secp256k1', 1);
      assert.equal(await store.get('share:k2:secp256k1', 1), undefined);
      // A wrong key is refused at open, before any record is read.
      await assert.rejects(EncryptedStore.open(raw, key()), WrongStorageKeyError);
      await store.close();
    });

    test('rollback, deletion and replay are refused naming the record; a record newer than the manifest rolls forward', async () => {
      const raw = make();
      const k = key();
      let store = await EncryptedStore.open(raw, k);
      await store.putJson('ban:k1', { peers: ['node1'] });
      const oldBan = await raw.getItemRaw(store.storageKeyOf('ban:k1', 0));
      await store.putJson('ban:k1', { peers: ['node1', 'node2'] });
      await store.putJson('request:r1', { ok: true }, { durable: false });
      await store.put('share:k1:ed25519', 1, new Uint8Array([1]));
      const retired = await raw.getItemRaw(store.storageKeyOf('share:k1:ed25519', 1));
      await store.put('share:k1:ed25519', 2, new Uint8Array([2]));
      await store.retire('share:k1:ed25519', 1);
      // Rolled back: an older copy of the same record.
      await raw.setItemRaw(store.storageKeyOf('ban:k1', 0), oldBan as Uint8Array);
      await assert.rejects(
        store.getJson('ban:k1'),
        (e: StorageRollbackError) => e instanceof StorageRollbackError && e.key === 'ban:k1@0',
      );
      // Deleted.
      await raw.removeItem(store.storageKeyOf('request:r1', 0));
      await assert.rejects(
        store.getJson('request:r1'),
        (e: StorageTamperedError) =>
          e instanceof StorageTamperedError &&
          e.key === 'request:r1@0' &&
          /deleted/.test(e.message),
      );
      // Replayed: a retired record put back.
      await raw.setItemRaw(store.storageKeyOf('share:k1:ed25519', 1), retired as Uint8Array);
      await assert.rejects(store.get('share:k1:ed25519', 1), StorageRollbackError);
      assert.deepEqual(await store.versions('share:k1:ed25519'), [2]);
      // Reopened (the old instance is dropped, not closed: closing disposes the memory and redis drivers).
      // The deletion is reported, the replayed copy removed, the rollback still refused.
      store = await EncryptedStore.open(raw, k);
      assert.deepEqual(store.integrity.missing, ['request:r1@0']);
      assert.deepEqual(store.integrity.removedStale, ['share:k1:ed25519@1']);
      assert.equal(await store.get('share:k1:ed25519', 1), undefined);
      await assert.rejects(store.getJson('ban:k1'), StorageRollbackError);
      // A crash between a record write and its manifest update: the manifest is older than the record.
      const manifestKeys = (await raw.getKeys()).filter((x) => x.startsWith('m:'));
      const before = await Promise.all(
        manifestKeys.map(async (x) => [x, await raw.getItemRaw(x)] as const),
      );
      await store.putJson('meta:k1', { epoch: 'e2' });
      await store.flush();
      for (const x of await raw.getKeys())
        if (x.startsWith('m:') && !manifestKeys.includes(x)) await raw.removeItem(x);
      for (const [x, v] of before) await raw.setItemRaw(x, v as Uint8Array);
      store = await EncryptedStore.open(raw, k);
      assert.ok(store.integrity.rolledForward.includes('meta:k1@0'));
      assert.deepEqual(await store.getJson('meta:k1'), { epoch: 'e2' });
      await store.putJson('meta:k1', { epoch: 'e3' });
      assert.deepEqual(await store.getJson('meta:k1'), { epoch: 'e3' });
      // A manifest shard older than its root: the store refuses to open.
      const shard = `m:${store.storageKeyOf('meta:k1', 0).slice(2, 4)}`;
      const oldShard = await raw.getItemRaw(shard);
      await store.putJson('meta:k1', { epoch: 'e4' });
      await store.flush();
      await raw.setItemRaw(shard, oldShard as Uint8Array);
      await assert.rejects(
        EncryptedStore.open(raw, k),
        (e: StorageRollbackError) =>
          e instanceof StorageRollbackError && e.key === 'store manifest',
      );
      await store.close();
    });

    test('an old-layout store (plaintext names) migrates on open, also after a crash mid-migration', async () => {
      const raw = make();
      const k = key();
      await writeOldLayout(raw, k, [
        ['share:k1:secp256k1', 3, new Uint8Array([7, 7])],
        ['meta:k1', 0, new TextEncoder().encode('{"epoch":"e1"}')],
        ['request:abc', 0, new TextEncoder().encode('{"ok":true}')],
      ]);
      // A crash mid-migration (the second new record's write fails): some new records exist, the old names too.
      let written = 0;
      const crashing = new Proxy(raw, {
        get: (t, p) =>
          p === 'setItemRaw'
            ? (key: string, v: Uint8Array, o?: object) => {
                if (key.startsWith('r:') && ++written === 2) throw new Error('power loss');
                return t.setItemRaw(key, v, o);
              }
            : Reflect.get(t, p),
      });
      await assert.rejects(EncryptedStore.open(crashing, k), /power loss/);
      assert.equal((await raw.getKeys()).filter((x) => x.startsWith('r:')).length, 1);
      // The root said "migrating" before the first new record: the next open migrates again.
      let store = await EncryptedStore.open(raw, k);
      assert.equal(store.integrity.migrated, 3);
      assert.deepEqual(await store.get('share:k1:secp256k1', 3), new Uint8Array([7, 7]));
      assert.deepEqual(await store.versions('share:k1:secp256k1'), [3]);
      assert.deepEqual(await store.getJson('meta:k1'), { epoch: 'e1' });
      assert.deepEqual(await store.getJson('request:abc'), { ok: true });
      assert.deepEqual((await store.records()).map((r) => `${r.name}@${r.version}`).sort(), [
        'meta:k1@0',
        'request:abc@0',
        'share:k1:secp256k1@3',
      ]);
      const listing = (await raw.getKeys()).join('\n');
      assert.ok(!listing.includes('@') && !listing.includes('k1'), listing);
      // Migrated once: a later open migrates nothing.
      store = await EncryptedStore.open(raw, k);
      assert.equal(store.integrity.migrated, 0);
      await store.close();
    });
  });
}

describe('crash consistency of the store manifest', () => {
  test('a power loss after any write, keeping any subset of the unsynced writes: the store opens and the last durably written ledger slot reads', async () => {
    const k = key();
    // What survives a power loss: every fsynced write, and each unsynced one or not (a fixed pseudo-random choice).
    let seed = 7;
    const coin = () => (((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) & 1) === 1;
    const live = createStorage();
    const disk = new Map<string, Uint8Array>();
    const crashes: { disk: Map<string, Uint8Array>; ledger: number }[] = [];
    let ledgerDone = -1;
    const wrapped = new Proxy(live, {
      get: (t, p) => {
        if (p === 'setItemRaw')
          return async (x: string, v: Uint8Array, o?: { durable?: boolean }) => {
            await t.setItemRaw(x, v, o);
            if (x === 'm:root')
              assert.notEqual(o?.durable, false, 'the root is only written fsynced');
            if (o?.durable !== false || coin()) disk.set(x, v);
            crashes.push({ disk: new Map(disk), ledger: ledgerDone });
          };
        if (p === 'removeItem') return async (x: string) => (await t.removeItem(x), disk.delete(x));
        return Reflect.get(t, p);
      },
    });
    const store = await EncryptedStore.open(wrapped, k);
    const ledger = (i: number) => new TextEncoder().encode(`["s${i}"]`);
    for (let i = 0; i < 24; i++) {
      // A signing: its result and audit position unsynced, then the session ledger slot durably.
      await store.putJson(`request:r${i % 3}`, { i }, { durable: false });
      await store.putJson('audit:position', { entries: i }, { durable: false });
      // Their manifest commit runs alone (not merged into the ledger slot's durable one).
      await new Promise((r) => setImmediate(r));
      await store.put('sessions', i % 4, ledger(i));
      ledgerDone = i;
      if (i === 12) await store.retire('request:r0', 0);
    }
    await store.flush();
    assert.ok(crashes.length > 100);
    for (const [n, crash] of crashes.entries()) {
      const copy = createStorage();
      for (const [x, v] of crash.disk) await copy.setItemRaw(x, v);
      const after = await EncryptedStore.open(copy, k).catch((e: Error) =>
        assert.fail(`power loss after write ${n}: ${e.message}`),
      );
      if (crash.ledger >= 0)
        assert.deepEqual(
          await after.get('sessions', crash.ledger % 4),
          ledger(crash.ledger),
          `power loss after write ${n}`,
        );
    }
  });
});

/** Writes records the way the old layout did (plaintext names, AAD = name and version). */
async function writeOldLayout(
  raw: Storage,
  k: Uint8Array,
  records: [string, number, Uint8Array][],
): Promise<void> {
  const seal = (name: string, version: number, plain: Uint8Array) => {
    const nonce = crypto.getRandomValues(new Uint8Array(24));
    const ct = xchacha20poly1305(
      k,
      nonce,
      new TextEncoder().encode(`tessera/store/v1\0${name}\0${version}`),
    ).encrypt(deflateRawSync(plain));
    return Uint8Array.from([...new TextEncoder().encode('TSE1'), ...nonce, ...ct]);
  };
  await raw.setItemRaw(
    'tessera:keycheck',
    seal('tessera:keycheck', 0, new TextEncoder().encode('tessera')),
  );
  for (const [name, version, plain] of records)
    await raw.setItemRaw(`${name}@${version}`, seal(name, version, plain));
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
    await assert.rejects(
      openPrivateIdentity(corrupt, 'a long passphrase 123'),
      CorruptKeyFileError,
    );
    await assert.rejects(
      openPrivateIdentity(new TextEncoder().encode('{"nodeId":"x"}')),
      CorruptKeyFileError,
    );
  });

  test('production mode refuses plaintext NATS URLs and missing certificates', async () => {
    await assert.rejects(
      connectNats({ servers: ['nats://127.0.0.1:4222'], production: true }),
      TransportConfigError,
    );
    await assert.rejects(
      connectNats({ servers: ['tls://127.0.0.1:4222'], production: true }),
      TransportConfigError,
    );
  });

  test('the audit log is hash-chained: edits, deletions and reordering are detected; a reopened log continues the chain', () => {
    const logDir = mkdtempSync(join(dir, 'audit-'));
    const path = join(logDir, 'audit.jsonl');
    const log = new AuditLog(path);
    for (let i = 0; i < 5; i++) log.append({ event: 'request', requestId: `r${i}` });
    assert.deepEqual(verifyAuditLog(path), { ok: true, entries: 5 });
    // One file, one line per entry, readable by its owner only.
    assert.deepEqual(readdirSync(logDir), ['audit.jsonl']);
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId),
      ['r0', 'r1', 'r2', 'r3', 'r4'],
    );
    writeFileSync(
      path,
      lines.map((l, i) => (i === 2 ? l.replace('r2', 'rX') : l)).join('\n') + '\n',
    );
    assert.equal(verifyAuditLog(path).ok, false);
    writeFileSync(path, [lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n') + '\n');
    assert.equal(verifyAuditLog(path).ok, false);
    writeFileSync(path, [lines[0], lines[1], lines[3], lines[4]].join('\n') + '\n');
    assert.deepEqual(verifyAuditLog(path), {
      ok: false,
      line: 3,
      reason: 'hash chain broken (edited, deleted or reordered entries)',
    });
    // The intact log, reopened by a restarted node: its next entry chains onto the last line.
    writeFileSync(path, lines.join('\n') + '\n');
    new AuditLog(path).append({ event: 'request', requestId: 'r5' });
    assert.deepEqual(verifyAuditLog(path), { ok: true, entries: 6 });
  });
});
