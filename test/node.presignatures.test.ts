/**
 * A node's presignature store on its own (no network), over a real fs store and session journal:
 * used once, also across a restart, a crash before the record was removed, and a copy of the
 * record put back on the disk; the use is on disk before the blob is handed out; concurrent takes;
 * age; and a signing that names a presignature still being made waits for it.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createStorage } from 'unstorage';
import { record } from '../src/node/names.ts';
import {
  MAX_AGE_MS,
  PresignatureStore,
  useOf,
  type PresignatureMeta,
} from '../src/node/presignatures/store.ts';
import { SessionLedger, SessionReusedError } from '../src/node/sessions/ledger.ts';
import { atomicFs } from '../src/node/storage/fs-atomic.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';

const KEY = crypto.getRandomValues(new Uint8Array(32));
const hex = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
const meta = (over: Partial<PresignatureMeta> = {}): PresignatureMeta => ({
  id: hex(),
  keyId: 'k1',
  curve: 'secp256k1',
  epoch: 'e1',
  signers: ['node0', 'node1'],
  createdAt: Date.now(),
  ...over,
});
const secret = () => Uint8Array.from({ length: 96 }, (_, i) => (i * 7 + 1) & 0xff);

/** A node's store and ledger in `dir`, opened as a (re)started node opens them. */
async function open(dir: string) {
  const store = await EncryptedStore.open(createStorage({ driver: atomicFs({ base: dir }) }), KEY);
  const ledger = await SessionLedger.open(store, { journal: join(dir, 'sessions.journal') });
  const held = await PresignatureStore.open(store, ledger);
  return { store, ledger, held };
}

async function close(n: Awaited<ReturnType<typeof open>>) {
  await n.ledger.close();
  await n.store.close();
}

describe('presignature store: single use on one node', () => {
  test('a presignature is handed out once; after a restart it is gone, and its use stays recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presig-'));
    try {
      let n = await open(dir);
      const m = meta();
      await n.held.add(m, secret());
      const got = await n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' });
      assert.deepEqual(got.blob, secret());
      assert.equal(got.meta.id, m.id);
      await assert.rejects(n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      await n.store.flush();
      await close(n);
      n = await open(dir);
      assert.equal(n.held.size, 0);
      assert.ok(n.ledger.has(useOf(m.id)), 'the use is in the ledger after a restart');
      await assert.rejects(n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      await close(n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a copy of the record put back on the disk after its use is refused (the ledger remembers the use)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presig-'));
    const saved = mkdtempSync(join(tmpdir(), 'presig-copy-'));
    try {
      let n = await open(dir);
      const m = meta();
      await n.held.add(m, secret());
      await n.store.flush();
      // The attacker's copy of the store as it stood with the presignature unused.
      cpSync(dir, saved, { recursive: true });
      await n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' });
      await n.store.flush();
      await close(n);
      // The record file comes back (the rest of the store, journal included, is current).
      const raw = createStorage({ driver: atomicFs({ base: saved }) });
      const store0 = await EncryptedStore.open(raw, KEY, { readOnly: true });
      const file = store0.storageKeyOf(record.presignature('k1', 'secp256k1', m.id), 0);
      const copy = await raw.getItemRaw(file);
      assert.ok(copy, 'the copy holds the record');
      await createStorage({ driver: atomicFs({ base: dir }) }).setItemRaw(file, copy);
      n = await open(dir);
      assert.equal(n.held.size, 0, 'the put-back presignature is not offered');
      await assert.rejects(n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      await close(n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });

  test('the use is durable before the blob is handed out, and two takes at once give it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presig-'));
    try {
      const store = await EncryptedStore.open(
        createStorage({ driver: atomicFs({ base: dir }) }),
        KEY,
      );
      let release: () => void = () => undefined;
      const claims: string[] = [];
      const ledger = {
        prunedBefore: 0,
        has: (id: string) => claims.includes(id),
        claim(id: string) {
          if (claims.includes(id)) throw new SessionReusedError(id);
          claims.push(id);
          return new Promise<void>((r) => (release = r));
        },
      };
      const held = await PresignatureStore.open(store, ledger);
      const m = meta();
      await held.add(m, secret());
      let done = false;
      const first = held.take(m.id, { keyId: 'k1', curve: 'secp256k1' }).then((x) => {
        done = true;
        return x;
      });
      const second = held.take(m.id, { keyId: 'k1', curve: 'secp256k1' });
      await assert.rejects(second, { code: 'PRESIGNATURE_UNAVAILABLE' });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(done, false, 'nothing is handed out while the use is not on disk');
      assert.deepEqual(claims, [useOf(m.id)]);
      release();
      assert.deepEqual((await first).blob, secret());
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('too old, another key or curve, or still being made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presig-'));
    try {
      const n = await open(dir);
      const old = meta({ createdAt: Date.now() - MAX_AGE_MS - 1 });
      await n.held.add(old, secret());
      await assert.rejects(n.held.take(old.id, { keyId: 'k1', curve: 'secp256k1' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      assert.equal(n.ledger.has(useOf(old.id)), false, 'an expired one is dropped, not used');
      const m = meta();
      await n.held.add(m, secret());
      await assert.rejects(n.held.take(m.id, { keyId: 'k2', curve: 'secp256k1' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      await assert.rejects(n.held.take(m.id, { keyId: 'k1', curve: 'ed25519' }), {
        code: 'PRESIGNATURE_UNAVAILABLE',
      });
      // Still usable by its own key (the refusals above did not spend it).
      assert.ok(await n.held.take(m.id, { keyId: 'k1', curve: 'secp256k1' }));
      // A signing that names one being made waits for it.
      const later = meta();
      let finish: () => void = () => undefined;
      const made = new Promise<void>((r) => (finish = r)).then(() => n.held.add(later, secret()));
      void n.held.expect(later.id, 'pool', made);
      assert.equal(n.held.knows(later.id), true);
      const taking = n.held.take(later.id, { keyId: 'k1', curve: 'secp256k1' });
      finish();
      assert.deepEqual((await taking).blob, secret());
      await close(n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
