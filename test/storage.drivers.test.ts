/**
 * One contract for every storage driver a node runs on (unstorage's testDriver style): what
 * EncryptedStore relies on, run over memory, the atomic fs driver, redis and unstorage's fs
 * driver alike (test/helpers/drivers.ts). The store itself: node.storage.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Storage } from 'unstorage';
import { driversWithRedis } from './helpers/drivers.ts';

const table = driversWithRedis();

/** What a raw read returns, as bytes (a driver without raw support hands back what unstorage decoded). */
async function read(s: Storage, key: string): Promise<Uint8Array | null> {
  const v = await s.getItemRaw(key);
  return v == null ? null : new Uint8Array(v as ArrayLike<number>);
}

/** The key shapes the store writes: its key check, manifest root and shards, hashed records, old-layout names. */
const STORE_KEYS = [
  'tessera:keycheck',
  'm:root',
  'm:0a',
  `r:${'ab'.repeat(32)}`,
  'share:k1:secp256k1@3',
];

const every256 = Uint8Array.from({ length: 256 }, (_, i) => i);
const notUtf8 = Uint8Array.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0xed, 0xa0, 0x80]);

for (const row of table.rows) {
  describe(`storage driver contract: ${row.name}`, () => {
    test('a missing key reads null, is absent from the listing and removes without error', async () => {
      const { storage } = row.make();
      assert.equal(await read(storage, 'r:missing'), null);
      assert.equal(await storage.hasItem('r:missing'), false);
      await storage.removeItem('r:missing');
      assert.deepEqual(await storage.getKeys(), []);
      await storage.dispose();
    });

    test('binary values round-trip byte for byte: every byte value, invalid UTF-8, 1 byte, 1 MiB', async () => {
      const { storage } = row.make();
      const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 0xff);
      const values: [string, Uint8Array][] = [
        ['r:all', every256],
        ['r:utf8', notUtf8],
        ['r:one', Uint8Array.of(0)],
        ['r:big', big],
      ];
      for (const [k, v] of values) await storage.setItemRaw(k, v);
      for (const [k, v] of values) assert.deepEqual(await read(storage, k), v, k);
      await storage.dispose();
    });

    test("the store's key shapes list back exactly; set, replace and remove", async () => {
      const { storage } = row.make();
      for (const k of STORE_KEYS) await storage.setItemRaw(k, Uint8Array.of(1));
      assert.deepEqual((await storage.getKeys()).sort(), [...STORE_KEYS].sort());
      await storage.setItemRaw('m:root', Uint8Array.of(2, 2));
      assert.deepEqual(
        await read(storage, 'm:root'),
        Uint8Array.of(2, 2),
        'a replace reads the new value',
      );
      assert.equal(
        (await storage.getKeys()).filter((k) => k === 'm:root').length,
        1,
        'a replaced key is listed once',
      );
      await storage.removeItem('m:root');
      assert.equal(await read(storage, 'm:root'), null);
      assert.deepEqual(
        (await storage.getKeys()).sort(),
        STORE_KEYS.filter((k) => k !== 'm:root').sort(),
      );
      await storage.dispose();
    });

    test('a write with { durable: false } (unsynced) reads back like any other', async () => {
      const { storage } = row.make();
      await storage.setItemRaw('r:unsynced', every256, { durable: false });
      assert.deepEqual(await read(storage, 'r:unsynced'), every256);
      await storage.dispose();
    });

    test('concurrent writes: 64 keys at once all land; 32 writes to one key leave one whole value', async () => {
      const { storage } = row.make();
      await Promise.all(
        Array.from({ length: 64 }, (_, i) => storage.setItemRaw(`r:k${i}`, Uint8Array.of(i, i, i))),
      );
      assert.equal((await storage.getKeys()).length, 64);
      for (let i = 0; i < 64; i++)
        assert.deepEqual(await read(storage, `r:k${i}`), Uint8Array.of(i, i, i));
      await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          storage.setItemRaw('r:same', new Uint8Array(64 * 1024).fill(i + 1)),
        ),
      );
      const last = (await read(storage, 'r:same'))!;
      assert.equal(last.length, 64 * 1024);
      assert.ok(last[0]! >= 1 && last.every((b) => b === last[0]), 'one of the writes, whole');
      await storage.dispose();
    });

    test(
      row.atomicReplace
        ? 'a reader racing replaces sees the old value or the new one, never a mix'
        : 'a reader racing replaces (not atomic here: not checked)',
      { skip: !row.atomicReplace },
      async () => {
        const { storage } = row.make();
        const size = 256 * 1024;
        await storage.setItemRaw('r:raced', new Uint8Array(size).fill(1));
        let writing = true;
        const writer = (async () => {
          for (let i = 2; i < 40; i++)
            await storage.setItemRaw('r:raced', new Uint8Array(size).fill(i));
          writing = false;
        })();
        let reads = 0;
        while (writing) {
          const v = (await read(storage, 'r:raced'))!;
          assert.equal(v.length, size);
          assert.ok(
            v.every((b) => b === v[0]),
            `read ${reads} is whole`,
          );
          reads++;
        }
        await writer;
        assert.ok(reads > 0);
        await storage.dispose();
      },
    );

    test(
      row.persistent
        ? 'what was written is there for a new instance over the same namespace (a restart)'
        : 'memory keeps nothing past its instance (not checked)',
      { skip: !row.persistent },
      async () => {
        const ns = row.make();
        await ns.storage.setItemRaw('r:kept', every256);
        await ns.storage.setItemRaw('m:root', notUtf8);
        await ns.storage.dispose();
        const again = ns.again();
        assert.deepEqual(await read(again, 'r:kept'), every256);
        assert.deepEqual(await read(again, 'm:root'), notUtf8);
        assert.deepEqual((await again.getKeys()).sort(), ['m:root', 'r:kept']);
        await again.dispose();
      },
    );
  });
}
