/**
 * A disk attacker against a node's fs store (a real directory, files copied back with cp as an
 * attacker would, the store reopened as a restarted node does): rollback, deletion and replay of
 * every record kind (share, meta, ban, request, audit position, session ledger) is refused with a
 * typed error naming the record; a deleted manifest root is refused; an old manifest or whole
 * store is refused by the signed anchor in NATS; a crash between a record and its manifest update
 * rolls forward.
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createStorage } from 'unstorage';
import { AuditLog, AuditRollbackError } from '../src/node/storage/audit.ts';
import { atomicFs } from '../src/node/storage/fs-atomic.ts';
import { bannedPeers } from '../src/node/operations/index.ts';
import { natsBus } from '../src/node/bus/bus.ts';
import { generateIdentity } from '../src/node/identity/identity.ts';
import {
  EncryptedStore,
  RESTORED_MARK,
  StorageRollbackError,
  StorageTamperedError,
} from '../src/node/storage/storage.ts';
import { anchorStore } from '../src/node/storage/store-anchor.ts';
import { connectNats } from '../src/node/transport/transport.ts';
import { startNats } from './helpers/nats.ts';

const root = mkdtempSync(join(tmpdir(), 'tessera-rollback-'));
after(() => rmSync(root, { recursive: true, force: true }));

const key = crypto.getRandomValues(new Uint8Array(32));
const open = (dir: string) =>
  EncryptedStore.open(createStorage({ driver: atomicFs({ base: dir }) }), key);
/** The on-disk path of a record (what an attacker would find by comparing snapshots). */
const fileOf = (store: EncryptedStore, dir: string, name: string, version: number) =>
  join(dir, ...store.storageKeyOf(name, version).split(':'));
const te = (s: string) => new TextEncoder().encode(s);
const named =
  (Err: typeof StorageRollbackError | typeof StorageTamperedError, label: string) =>
  (e: Error & { key?: string }) =>
    e instanceof Err && e.key === label && !e.message.includes('/');

/** Every record kind a node writes, at two points in time; returns the directory and a snapshot of the first. */
async function twoEpochs(name: string): Promise<{ dir: string; old: string }> {
  const dir = join(root, name);
  const old = join(root, `${name}-old`);
  const s = await open(dir);
  await s.put('share:k1:secp256k1', 1, te('share v1'));
  await s.putJson('meta:k1', { versions: { secp256k1: 1 } });
  await s.putJson('ban:k1', { peers: ['node2'] });
  await s.putJson('request:r1', { ok: true }, { durable: false });
  await s.put('sessions', 1, te('["s1"]'));
  await s.flush();
  cpSync(dir, old, { recursive: true });
  // Later: a refresh (share v2 promoted, v1 retired), a second ban, more requests and sessions.
  await s.put('share:k1:secp256k1', 2, te('share v2'));
  await s.putJson('meta:k1', { versions: { secp256k1: 2 } });
  await s.retire('share:k1:secp256k1', 1);
  await s.putJson('ban:k1', { peers: ['node1', 'node2'] });
  await s.putJson('request:r2', { ok: true }, { durable: false });
  await s.put('sessions', 2, te('["s2"]'));
  await s.close();
  return { dir, old };
}

describe('a disk attacker against the fs store', () => {
  test('rolled-back meta, ban and session records are refused, naming the record; bannedPeers refuses to answer', async () => {
    const { dir, old } = await twoEpochs('rollback');
    let s = await open(dir);
    // The ban rolled back to the version that did not name node1 (a rollback re-admitted a banned peer).
    cpSync(fileOf(s, old, 'ban:k1', 0), fileOf(s, dir, 'ban:k1', 0));
    s = await open(dir);
    await assert.rejects(bannedPeers(s, 'k1', 'e1'), named(StorageRollbackError, 'ban:k1@0'));
    cpSync(fileOf(s, old, 'meta:k1', 0), fileOf(s, dir, 'meta:k1', 0));
    s = await open(dir);
    await assert.rejects(s.getJson('meta:k1'), named(StorageRollbackError, 'meta:k1@0'));
    await assert.rejects(bannedPeers(s, 'k1'), named(StorageRollbackError, 'meta:k1@0'));
    // The untouched records still read.
    assert.deepEqual(await s.get('share:k1:secp256k1', 2), te('share v2'));
    await s.close();
  });

  test('deleted share, ban, request and session records are refused and reported at open', async () => {
    const { dir } = await twoEpochs('deletion');
    let s = await open(dir);
    const gone = [
      ['share:k1:secp256k1', 2],
      ['ban:k1', 0],
      ['request:r2', 0],
      ['sessions', 2],
    ] as const;
    for (const [name, version] of gone) rmSync(fileOf(s, dir, name, version));
    s = await open(dir);
    assert.deepEqual([...s.integrity.missing].sort(), gone.map(([n, v]) => `${n}@${v}`).sort());
    await assert.rejects(
      s.get('share:k1:secp256k1', 2),
      named(StorageTamperedError, 'share:k1:secp256k1@2'),
    );
    await assert.rejects(bannedPeers(s, 'k1', 'e1'), named(StorageTamperedError, 'ban:k1@0'));
    // A deleted request record would let a redelivered request run again: it is refused instead.
    await assert.rejects(s.getJson('request:r2'), named(StorageTamperedError, 'request:r2@0'));
    await assert.rejects(s.get('sessions', 2), named(StorageTamperedError, 'sessions@2'));
    assert.deepEqual(await s.versions('sessions'), [1, 2]);
    await s.close();
  });

  test('a retired share put back is not used; a record copied under another name fails to open', async () => {
    const { dir, old } = await twoEpochs('replay');
    let s = await open(dir);
    // Replay: the retired share v1 copied back.
    cpSync(fileOf(s, old, 'share:k1:secp256k1', 1), fileOf(s, dir, 'share:k1:secp256k1', 1));
    // Copy under another name: request r1's record presented as r2's, ban's as meta's.
    cpSync(fileOf(s, dir, 'request:r1', 0), fileOf(s, dir, 'request:r2', 0));
    cpSync(fileOf(s, dir, 'ban:k1', 0), fileOf(s, dir, 'meta:k1', 0));
    s = await open(dir);
    assert.deepEqual(s.integrity.removedStale, ['share:k1:secp256k1@1']);
    assert.deepEqual(await s.versions('share:k1:secp256k1'), [2]);
    assert.equal(await s.get('share:k1:secp256k1', 1), undefined);
    await assert.rejects(s.getJson('request:r2'), named(StorageTamperedError, 'request:r2@0'));
    await assert.rejects(s.getJson('meta:k1'), named(StorageTamperedError, 'meta:k1@0'));
    // Put back while the node runs: refused on read.
    cpSync(fileOf(s, old, 'share:k1:secp256k1', 1), fileOf(s, dir, 'share:k1:secp256k1', 1));
    await assert.rejects(
      s.get('share:k1:secp256k1', 1),
      named(StorageRollbackError, 'share:k1:secp256k1@1'),
    );
    await s.close();
  });

  test('the manifest root deleted (alone or with every shard): the store refuses to open instead of adopting every record', async () => {
    const { dir } = await twoEpochs('rootless');
    // Adopting the records would lose the tombstones: the retired share v1 put back would be live again.
    rmSync(join(dir, 'm', 'root'));
    await assert.rejects(open(dir), named(StorageTamperedError, 'store manifest'));
    rmSync(join(dir, 'm'), { recursive: true });
    await assert.rejects(open(dir), named(StorageTamperedError, 'store manifest'));
  });

  test('one manifest shard copied back alone, or the root garbled: the store refuses to open', async () => {
    const { dir, old } = await twoEpochs('manifest');
    const shards = readdirSync(join(dir, 'm')).filter(
      (f) =>
        f !== 'root' &&
        existsSync(join(old, 'm', f)) &&
        !readFileSync(join(dir, 'm', f)).equals(readFileSync(join(old, 'm', f))),
    );
    assert.ok(shards.length > 0);
    cpSync(join(old, 'm', shards[0]!), join(dir, 'm', shards[0]!));
    await assert.rejects(open(dir), named(StorageRollbackError, 'store manifest'));
    writeFileSync(join(dir, 'm', 'root'), 'garbage');
    await assert.rejects(open(dir), named(StorageTamperedError, 'store manifest'));
  });

  test('the audit log: a cut tail or a rolled-back position anchor is refused at start', async () => {
    const dir = join(root, 'audit');
    const logPath = join(root, 'audit.jsonl');
    let s = await open(dir);
    let log = new AuditLog(logPath);
    await log.anchor(s);
    for (let i = 0; i < 3; i++) log.append({ event: 'request', requestId: `r${i}` });
    await log.settled();
    await s.flush();
    const oldStore = join(root, 'audit-old');
    cpSync(dir, oldStore, { recursive: true });
    const oldLog = readFileSync(logPath, 'utf8');
    for (let i = 3; i < 6; i++) log.append({ event: 'request', requestId: `r${i}` });
    await log.settled();
    await s.close();
    // A restart with the log intact (and the log ahead of its anchor, as after a crash) is fine.
    appendFileSync(logPath, '');
    s = await open(dir);
    log = new AuditLog(logPath);
    await log.anchor(s);
    // The tail cut (the chain of what is left still verifies): refused.
    writeFileSync(logPath, oldLog);
    s = await open(dir);
    await assert.rejects(new AuditLog(logPath).anchor(s), AuditRollbackError);
    // Cut the log and roll its anchor back too: the anchor record is refused.
    const anchor = fileOf(s, dir, 'audit:position', 0);
    cpSync(fileOf(s, oldStore, 'audit:position', 0), anchor);
    s = await open(dir);
    await assert.rejects(
      new AuditLog(logPath).anchor(s),
      named(StorageRollbackError, 'audit:position@0'),
    );
    await s.close();
  });

  test('the manifest (or its root alone) copied back over newer records is refused by the signed anchor in NATS; a crash before the manifest update still starts', async () => {
    const server = await startNats(join(root, 'nats-m'));
    const bus = natsBus(await connectNats({ servers: [server.url], name: 'anchor-manifest-test' }));
    try {
      const id = generateIdentity('node0');
      const warnings: string[] = [];
      const anchor = (s: EncryptedStore) =>
        anchorStore(bus, 'anchm', id.private, id.public.ed25519, s, (m) => warnings.push(m));
      const dir = join(root, 'mcopy');
      const snapshot = (tag: string) => {
        rmSync(join(root, `mcopy-${tag}`), { recursive: true, force: true });
        cpSync(join(dir, 'm'), join(root, `mcopy-${tag}`), { recursive: true });
      };
      const putBack = (tag: string, only?: string) => {
        if (only) return cpSync(join(root, `mcopy-${tag}`, only), join(dir, 'm', only));
        rmSync(join(dir, 'm'), { recursive: true });
        cpSync(join(root, `mcopy-${tag}`), join(dir, 'm'), { recursive: true });
      };
      let s = await open(dir);
      let stop = await anchor(s);
      await s.putJson('ban:k1', { peers: ['node2'] });
      await s.put('share:k1:secp256k1', 1, te('v1'));
      await s.put('sessions', 1, te('["s1"]'));
      await stop();
      snapshot('old');
      // Later: a second ban, share v2 promoted and v1 retired, a new session ledger slot.
      await s.putJson('ban:k1', { peers: ['node1', 'node2'] });
      await s.put('share:k1:secp256k1', 2, te('v2'));
      await s.retire('share:k1:secp256k1', 1);
      await s.put('sessions', 2, te('["s2"]'));
      await stop();
      await s.close();
      snapshot('new');
      // The old manifest over the newer records: locally it looks like a crash (the records roll forward)...
      putBack('old');
      s = await open(dir);
      assert.ok(
        s.integrity.rolledForward.includes('sessions@2'),
        String(s.integrity.rolledForward),
      );
      // ...but the generation its root held is below the anchor, compared before the roll-forward.
      assert.ok(s.generation > s.loadedGeneration);
      // As a node does before the check: its audit position written (unsynced).
      await s.putJson('audit:position', { entries: 1, head: 'x' }, { durable: false });
      await assert.rejects(anchor(s), named(StorageRollbackError, 'store'));
      await s.close();
      // The refused start wrote no root (not even at close): the next start is refused too.
      s = await open(dir);
      await assert.rejects(anchor(s), named(StorageRollbackError, 'store'));
      // Only the old root over the current shards (which load: they are newer than it).
      putBack('new');
      putBack('old', 'root');
      s = await open(dir);
      await assert.rejects(anchor(s), named(StorageRollbackError, 'store'));
      // An honest crash between a durable record write and its manifest update starts (no anchor runs ahead of a fsynced root).
      putBack('new');
      s = await open(dir);
      await (
        await anchor(s)
      )();
      await s.close();
      snapshot('crash');
      s = await open(dir);
      await s.put('sessions', 3, te('["s3"]'));
      await s.close();
      putBack('crash');
      s = await open(dir);
      assert.ok(
        s.integrity.rolledForward.includes('sessions@3'),
        String(s.integrity.rolledForward),
      );
      stop = await anchor(s);
      assert.deepEqual(await s.get('sessions', 3), te('["s3"]'));
      await stop();
      await s.close();
      assert.deepEqual(warnings, []);
    } finally {
      await bus.close();
      await server.stop();
    }
  });

  test('the whole store copied back (every file consistently old) is refused at start by its signed anchor in NATS; a marked restore is accepted once', async () => {
    const server = await startNats(join(root, 'nats'));
    const bus = natsBus(await connectNats({ servers: [server.url], name: 'anchor-test' }));
    try {
      const id = generateIdentity('node0');
      const warnings: string[] = [];
      const events: (string | undefined)[] = [];
      const anchor = (s: EncryptedStore) =>
        anchorStore(
          bus,
          'anch',
          id.private,
          id.public.ed25519,
          s,
          (m, e) => void (warnings.push(m), events.push(e)),
        );
      const dir = join(root, 'whole');
      const old = join(root, 'whole-old');
      let s = await open(dir);
      let stop = await anchor(s);
      await s.putJson('ban:k1', { peers: ['node2'] });
      await stop();
      cpSync(dir, old, { recursive: true });
      await s.putJson('ban:k1', { peers: ['node1', 'node2'] });
      await s.put('share:k1:secp256k1', 2, te('v2'));
      await stop();
      await s.close();
      // Locally consistent: every file from the old snapshot.
      rmSync(dir, { recursive: true });
      cpSync(old, dir, { recursive: true });
      s = await open(dir);
      assert.deepEqual(
        await s.getJson('ban:k1'),
        { peers: ['node2'] },
        'no local check can see it',
      );
      await assert.rejects(anchor(s), named(StorageRollbackError, 'store'));
      // The refused store writes nothing more (a manifest root now would make the rollback look consistent).
      await assert.rejects(
        s.putJson('ban:k1', { peers: [] }),
        named(StorageRollbackError, 'store'),
      );
      // A deliberate restore (tessera restore) marks the store: accepted once, then re-anchored at the restored generation.
      s = await open(dir);
      await s.putJson(RESTORED_MARK, { at: 'now' });
      stop = await anchor(s);
      await stop();
      assert.equal(await s.getJson(RESTORED_MARK), undefined);
      s = await open(dir);
      await (
        await anchor(s)
      )();
      assert.deepEqual(warnings, []);
      // The anchor deleted in NATS: not a refusal (NATS alone cannot brick a node), but a warning.
      await (await bus.kv('tessera_anch_anchors', {})).delete('node0');
      await (
        await anchor(s)
      )();
      assert.deepEqual(events, ['store_anchor_missing']);
      warnings.length = 0;
      await s.close();
      // An empty store (a re-provisioned node) is accepted, with a warning.
      const fresh = await open(join(root, 'whole-fresh'));
      await (
        await anchor(fresh)
      )();
      assert.equal(warnings.length, 1);
      await fresh.close();
    } finally {
      await bus.close();
      await server.stop();
    }
  });
});
