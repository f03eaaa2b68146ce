/**
 * Encrypted storage over any unstorage driver. Stored names are keyed hashes (HMAC-SHA256 under a
 * key derived from the storage key), so a listing shows no key id, curve, version or request id;
 * the plaintext name, version and a monotonic write counter live only inside the sealed record
 * (XChaCha20-Poly1305, compressed and padded to a power-of-two size, bound to its hashed name).
 * A sealed store manifest (store-manifest.ts) maps each live record to its counter, so a
 * tampered, swapped, rolled-back, deleted or replayed record is refused with a typed error naming
 * it. A record newer than the manifest can only come from a genuine write (a crash between the
 * record and the manifest update) and is rolled forward; a missing manifest root while records
 * exist is tampering (its tombstones would be lost) and the store refuses to open. What a local
 * check cannot see: the whole manifest or store consistently rolled back; the signed anchor in
 * NATS (store-anchor.ts, compared with the generation as loaded, before any roll-forward) and
 * the cluster's attested key epoch (operations.ts STALE_SHARE) catch that. Stores in the old
 * layout (plaintext names) migrate on open. The key comes from a passphrase (scrypt) or a
 * 32-byte key file.
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createStorage, type Storage } from 'unstorage';
import { ManifestError, ROOT_KEY, StoreManifest, type ManifestSealer } from './store-manifest.ts';

const MAGIC_V1 = new TextEncoder().encode('TSE1');
const MAGIC = new TextEncoder().encode('TSE2');
const KEYCHECK = 'tessera:keycheck';
const RECORD = 'r:';
const utf8 = (s: string) => new TextEncoder().encode(s);

/** The record `tessera restore` writes: the next start accepts the restored (lower) store generation once (store-anchor.ts). */
export const RESTORED_MARK = 'anchor:restored';

/** No storage key was configured: the node refuses to start. */
export class MissingStorageKeyError extends Error {
  override name = 'MissingStorageKeyError';
}
/** The storage key does not open this store (wrong passphrase or key file). */
export class WrongStorageKeyError extends Error {
  override name = 'WrongStorageKeyError';
}
/** A record failed authentication, was copied under another name, or is missing although the manifest lists it. */
export class StorageTamperedError extends Error {
  override name = 'StorageTamperedError';
  readonly code = 'STORAGE_TAMPERED';
  constructor(
    readonly key: string,
    why = 'failed authentication (tampered, truncated or swapped)',
  ) {
    super(`stored record "${key}" ${why}; it is not read`);
  }
}
/** A record is older than the store manifest says (rolled back), or a retired record was put back (replayed). */
export class StorageRollbackError extends Error {
  override name = 'StorageRollbackError';
  readonly code = 'STORAGE_ROLLBACK';
  constructor(
    readonly key: string,
    why = 'is older than the store manifest says (rolled back)',
  ) {
    super(`stored record "${key}" ${why}; it is not read`);
  }
}

/** What opening the store found and repaired (record names for the operator's log, never paths). */
export interface StoreIntegrity {
  /** Records newer than the manifest (a crash before the manifest update): adopted. */
  rolledForward: string[];
  /** Listed in the manifest but missing (deleted): reading them fails. */
  missing: string[];
  /** Retired records found on disk again (a crash during retire, or copies put back): removed. */
  removedStale: string[];
  /** Old-layout records migrated to hashed names (this open). */
  migrated: number;
}

/** Derives the 32-byte storage key from a passphrase (scrypt N=2^15, r=8, p=1, salt bound to the cluster and node). */
export function storageKeyFromPassphrase(passphrase: string, salt: string): Uint8Array {
  if (!passphrase) throw new MissingStorageKeyError('empty storage passphrase');
  return scrypt(utf8(passphrase), sha256(utf8(`tessera/storage/${salt}`)), {
    N: 2 ** 15,
    r: 8,
    p: 1,
    dkLen: 32,
  });
}

/** Parses a key file: 64 hex characters. */
export function storageKeyFromFile(text: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new MissingStorageKeyError('the storage key file must hold 64 hex characters');
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

const aadV1 = (name: string, version: number) => utf8(`tessera/store/v1\0${name}\0${version}`);

/** Compresses, then pads to a power of two (≥ 256 bytes) so sizes say little about contents. */
function frame(plain: Uint8Array): Uint8Array {
  const z = deflateRawSync(plain);
  let size = 256;
  while (size < z.length + 4) size *= 2;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, z.length);
  out.set(z, 4);
  z.fill(0);
  return out;
}

/** Decompresses a frame into a fresh array and wipes zlib's output (it may sit in Buffer's shared pool). */
function unframe(padded: Uint8Array): Uint8Array {
  const n = new DataView(padded.buffer, padded.byteOffset).getUint32(0);
  if (n > padded.length - 4) throw new RangeError('bad frame');
  return copyAndWipe(inflateRawSync(padded.subarray(4, 4 + n)));
}

function copyAndWipe(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  b.fill(0);
  return out;
}

/** A record's sealed contents: its plaintext identity and counter, then the data. */
function encodeRecord(
  head: { name: string; version: number; counter: number },
  data: Uint8Array,
): Uint8Array {
  const h = utf8(JSON.stringify([head.name, head.version, head.counter]));
  const out = new Uint8Array(4 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length);
  out.set(h, 4);
  out.set(data, 4 + h.length);
  return out;
}

function decodeRecord(b: Uint8Array): {
  name: string;
  version: number;
  counter: number;
  data: Uint8Array;
} {
  const n = new DataView(b.buffer, b.byteOffset).getUint32(0);
  const [name, version, counter] = JSON.parse(new TextDecoder().decode(b.subarray(4, 4 + n))) as [
    string,
    number,
    number,
  ];
  return { name, version, counter, data: b.slice(4 + n) };
}

/** An encrypted, versioned record store with an encrypted index. */
export class EncryptedStore {
  private readonly dataKey: Uint8Array;
  private readonly nameKey: Uint8Array;
  private manifest!: StoreManifest;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readOnly = false;
  /** Whether this instance wrote (close and flush commit only then: a reader never rewrites a running node's manifest). */
  private wrote = false;
  /** A background manifest commit that failed: the next put reports it (fail closed). */
  private commitFailure: unknown;
  /** Set by refuse(): every later write throws it. */
  private frozen?: Error;
  /** The store was created by this open (no key check, no record): a new or wiped node. */
  openedEmpty = false;
  /** What the last open found (log it). */
  integrity: StoreIntegrity = { rolledForward: [], missing: [], removedStale: [], migrated: 0 };

  private constructor(
    private readonly storage: Storage,
    private readonly key: Uint8Array,
  ) {
    this.dataKey = hkdf(sha256, key, undefined, utf8('tessera/store/v2/records'), 32);
    this.nameKey = hkdf(sha256, key, undefined, utf8('tessera/store/v2/names'), 32);
  }

  /**
   * Opens a store; refuses a missing key and a key that does not match the store's key check;
   * migrates and checks the index. `readOnly` (another process owns the store, e.g. a running
   * node): nothing is written, migrated or repaired, and writes throw.
   */
  static async open(
    storage: Storage,
    key: Uint8Array | undefined,
    opts: { readOnly?: boolean } = {},
  ): Promise<EncryptedStore> {
    if (!key || key.length !== 32)
      throw new MissingStorageKeyError(
        'no storage key configured (set TESSERA_STORAGE_PASSPHRASE or storage.keyFile); refusing to start',
      );
    const store = new EncryptedStore(storage, key);
    store.readOnly = opts.readOnly === true;
    const check = await storage.getItemRaw<Uint8Array>(KEYCHECK);
    if (check == null && store.readOnly) throw new RangeError('no store here to open read-only');
    if (check == null) {
      await storage.setItemRaw(KEYCHECK, store.sealV1(KEYCHECK, 0, utf8('tessera')));
    } else {
      try {
        store.openV1(KEYCHECK, 0, toBytes(check));
      } catch {
        throw new WrongStorageKeyError(
          'the storage key does not open this store (wrong passphrase or key file)',
        );
      }
    }
    try {
      store.manifest = await StoreManifest.load(storage, store.sealer(), toBytes);
    } catch (e) {
      if (e instanceof ManifestError)
        throw e.kind === 'rollback'
          ? new StorageRollbackError(
              'store manifest',
              `(${e.part}) is older than the manifest root says (rolled back)`,
            )
          : new StorageTamperedError(
              'store manifest',
              `(${e.part}) failed authentication or is missing`,
            );
      throw e;
    }
    await store.reconcile();
    store.openedEmpty = check == null && store.manifest.generation === 0;
    return store;
  }

  /** A key for `purpose`, derived from the storage key (for a file kept beside the store, e.g. the session journal). */
  subkey(purpose: string): Uint8Array {
    return hkdf(sha256, this.key, undefined, utf8(`tessera/store/v2/${purpose}`), 32);
  }

  /** An in-memory store (tests and the local demo). */
  static memory(key: Uint8Array): Promise<EncryptedStore> {
    return EncryptedStore.open(createStorage(), key);
  }

  private sealWith(
    aad: Uint8Array,
    framed: Uint8Array,
    magic: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    const nonce = crypto.getRandomValues(new Uint8Array(24));
    const ct = xchacha20poly1305(key, nonce, aad).encrypt(framed);
    const out = new Uint8Array(magic.length + 24 + ct.length);
    out.set(magic);
    out.set(nonce, magic.length);
    out.set(ct, magic.length + 24);
    return out;
  }

  /** Opens a sealed value; throws (any error) when it does not authenticate. */
  private openWith(
    aad: Uint8Array,
    sealed: Uint8Array,
    magic: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    if (sealed.length < magic.length + 24 + 16 || magic.some((b, i) => sealed[i] !== b))
      throw new RangeError('not a sealed value');
    return xchacha20poly1305(key, sealed.subarray(4, 28), aad).decrypt(sealed.subarray(28));
  }

  private sealV1(name: string, version: number, plain: Uint8Array): Uint8Array {
    const z = deflateRawSync(plain);
    try {
      return this.sealWith(aadV1(name, version), z, MAGIC_V1, this.key);
    } finally {
      z.fill(0);
    }
  }

  private openV1(name: string, version: number, sealed: Uint8Array): Uint8Array {
    const z = this.openWith(aadV1(name, version), sealed, MAGIC_V1, this.key);
    try {
      return copyAndWipe(inflateRawSync(z));
    } finally {
      z.fill(0);
    }
  }

  private sealer(): ManifestSealer {
    const aad = (k: string) => utf8(`tessera/store/v2/manifest\0${k}`);
    return {
      seal: (k, plain) => this.sealWith(aad(k), frame(plain), MAGIC, this.dataKey),
      open: (k, sealed) => {
        const padded = this.openWith(aad(k), sealed, MAGIC, this.dataKey);
        try {
          return unframe(padded);
        } finally {
          padded.fill(0);
        }
      },
    };
  }

  /** The hashed id of (name, version): what the driver sees. */
  private idOf(name: string, version: number): string {
    return bytesToHex(hmac(sha256, this.nameKey, utf8(`${name}\0${version}`)));
  }

  // Intermediate plaintext copies are wiped once used (zlib's internal buffers cannot be).
  private sealRecord(
    id: string,
    head: { name: string; version: number; counter: number },
    plain: Uint8Array,
  ): Uint8Array {
    const inner = encodeRecord(head, plain);
    const framed = frame(inner);
    inner.fill(0);
    try {
      return this.sealWith(utf8(`tessera/store/v2/record\0${id}`), framed, MAGIC, this.dataKey);
    } finally {
      framed.fill(0);
    }
  }

  /** Opens a record; undefined when it does not authenticate under `id`. */
  private openRecord(id: string, sealed: Uint8Array): ReturnType<typeof decodeRecord> | undefined {
    let padded: Uint8Array | undefined;
    let inner: Uint8Array | undefined;
    try {
      padded = this.openWith(utf8(`tessera/store/v2/record\0${id}`), sealed, MAGIC, this.dataKey);
      inner = unframe(padded);
      return decodeRecord(inner);
    } catch {
      return undefined;
    } finally {
      padded?.fill(0);
      inner?.fill(0);
    }
  }

  /** One write at a time per record, so counters land in order. */
  private async serial<T>(id: string, f: () => Promise<T>): Promise<T> {
    const p = (this.locks.get(id) ?? Promise.resolve()).catch(() => undefined).then(f);
    this.locks.set(id, p);
    try {
      return await p;
    } finally {
      if (this.locks.get(id) === p) this.locks.delete(id);
    }
  }

  /**
   * At open: migrates old-layout records, adopts records newer than the manifest, removes
   * retired records found again and notes listed records that are missing.
   */
  private async reconcile(): Promise<void> {
    const keys = await this.storage.getKeys();
    const present = new Set<string>();
    const legacy: string[] = [];
    let migrated = false;
    for (const k of keys) {
      if (k.startsWith(RECORD)) present.add(k.slice(RECORD.length));
      else if (k !== KEYCHECK && k !== ROOT_KEY && !/^m:[0-9a-f]{2}$/.test(k) && /@\d+$/.test(k))
        legacy.push(k);
    }
    // A store writes its root before its first record (also before migrating), so records
    // without a root mean the root was deleted: adopting them would lose every tombstone.
    if (!this.manifest.existed && present.size)
      throw new StorageTamperedError(
        'store manifest',
        '(root) is missing although the store holds records (deleted)',
      );
    for (const id of present) {
      if (this.manifest.entry(id)) continue;
      const raw = await this.storage.getItemRaw(RECORD + id);
      const rec = raw == null ? undefined : this.openRecord(id, toBytes(raw));
      if (!rec) continue; // unreadable and unlisted: a get() of its name reports it
      const tomb = this.manifest.tomb(id);
      const label = `${rec.name}@${rec.version}`;
      if (tomb !== undefined && rec.counter <= tomb) {
        if (!this.readOnly) await this.storage.removeItem(RECORD + id);
        this.integrity.removedStale.push(label);
        continue;
      }
      this.manifest.observe(rec.counter);
      this.manifest.set(id, { name: rec.name, version: rec.version, counter: rec.counter });
      this.integrity.rolledForward.push(label);
    }
    for (const [id, e] of this.manifest.all())
      if (!present.has(id)) this.integrity.missing.push(`${e.name}@${e.version}`);
    // Old layout: re-seal under hashed names (durably), commit the manifest, then drop the old names.
    // A crash before the commit leaves the old names, which migrate again; after it, they are only removed.
    if (this.readOnly) return;
    if (legacy.length && (!this.manifest.existed || this.manifest.migrating)) {
      // The root says "migrating" first, so a crash mid-migration migrates again on open.
      this.manifest.migrating = true;
      await this.manifest.commit('flush');
      for (const k of legacy) {
        const at = k.lastIndexOf('@');
        const name = k.slice(0, at);
        const version = Number(k.slice(at + 1));
        const raw = await this.storage.getItemRaw(k);
        let plain: Uint8Array;
        try {
          plain = this.openV1(name, version, toBytes(raw));
        } catch {
          throw new StorageTamperedError(
            `${name}@${version}`,
            'failed authentication during migration (tampered, truncated or swapped)',
          );
        }
        await this.write(name, version, plain, true);
        plain.fill(0);
        this.integrity.migrated++;
      }
      this.manifest.migrating = false;
      migrated = true;
    }
    // Adopted records join the next commit; opening a consistent store writes nothing, so a
    // tool may open a running node's store to read it.
    if (migrated || !this.manifest.existed) await this.manifest.commit('flush');
    for (const k of legacy) await this.storage.removeItem(k);
  }

  private async write(
    name: string,
    version: number,
    plain: Uint8Array,
    durable: boolean,
  ): Promise<void> {
    if (this.readOnly) throw new RangeError('this store was opened read-only');
    if (this.frozen) throw this.frozen;
    this.wrote = true;
    const id = this.idOf(name, version);
    await this.serial(id, async () => {
      const counter = this.manifest.next();
      await this.storage.setItemRaw(
        RECORD + id,
        this.sealRecord(id, { name, version, counter }, plain),
        { durable },
      );
      this.manifest.set(id, { name, version, counter });
    });
  }

  /**
   * Writes version `version` of record `name`. Durable (the default): the record and then its
   * manifest shard are fsynced before this returns (the manifest root, which only advances the
   * anchored generation, follows in the background). `durable: false` (a signing's result): the
   * record is written atomically and its manifest entry joins the next group commit in the
   * background; a crash before that commit rolls the record forward at the next open.
   */
  async put(
    name: string,
    version: number,
    plain: Uint8Array,
    opts: { durable?: boolean } = {},
  ): Promise<void> {
    if (this.commitFailure) {
      const e = this.commitFailure;
      this.commitFailure = undefined;
      throw e;
    }
    const durable = opts.durable !== false;
    await this.write(name, version, plain, durable);
    if (durable) await this.manifest.commit('durable');
    else this.manifest.commit('shards').catch((e: unknown) => void (this.commitFailure = e));
  }

  /**
   * Reads version `version` of `name`: undefined when absent; StorageTamperedError when it fails
   * to open, is another record's copy or is missing although the manifest lists it;
   * StorageRollbackError when it is older than the manifest says or a retired copy.
   */
  async get(name: string, version: number): Promise<Uint8Array | undefined> {
    const id = this.idOf(name, version);
    const label = `${name}@${version}`;
    // Read the index before the record: a write lands on disk before it updates the index.
    const entry = this.manifest.entry(id);
    const tomb = this.manifest.tomb(id);
    // The index of a writable store lists every record on disk (open rolled any others forward),
    // so a name it does not know, and never retired, is absent without a disk read (a signing
    // looks up several absent ones, and each read queues behind fsyncs in the file thread pool).
    if (!this.readOnly && !entry && tomb === undefined) return undefined;
    const raw = await this.storage.getItemRaw(RECORD + id);
    if (raw == null) {
      if (entry && this.manifest.entry(id))
        throw new StorageTamperedError(
          label,
          'is missing although the store manifest lists it (deleted)',
        );
      return undefined;
    }
    const rec = this.openRecord(id, toBytes(raw));
    if (!rec || rec.name !== name || rec.version !== version) throw new StorageTamperedError(label);
    if (entry && rec.counter < entry.counter) throw new StorageRollbackError(label);
    if (!entry && tomb !== undefined && rec.counter <= tomb)
      throw new StorageRollbackError(label, 'was retired and has been put back (replayed)');
    return rec.data;
  }

  /** Removes a version (after its successor is confirmed cluster-wide): tombstone first, then the record. */
  async retire(name: string, version: number): Promise<void> {
    if (this.readOnly) throw new RangeError('this store was opened read-only');
    if (this.frozen) throw this.frozen;
    this.wrote = true;
    const id = this.idOf(name, version);
    await this.serial(id, async () => {
      this.manifest.retire(id);
      await this.manifest.commit('durable');
      await this.storage.removeItem(RECORD + id);
    });
  }

  /**
   * Removes a version without a tombstone and without waiting for the disk: for records whose
   * owner refuses a put-back copy itself (a presignature: the session ledger holds its use), so
   * that a store consuming many keeps no trace of each.
   */
  async discard(name: string, version: number): Promise<void> {
    if (this.readOnly) throw new RangeError('this store was opened read-only');
    if (this.frozen) throw this.frozen;
    this.wrote = true;
    const id = this.idOf(name, version);
    // Unlisted first, in the next group commit (discards arriving together share it), then the
    // file: a crash in between leaves an unlisted copy (adopted at open, then refused by its
    // owner), never a listed record that is missing.
    this.manifest.forget(id);
    await this.manifest.commit('shards');
    await this.serial(id, () => this.storage.removeItem(RECORD + id));
  }

  /** The driver key a record is stored under (for tests and tooling: it is the keyed hash, not the name). */
  storageKeyOf(name: string, version: number): string {
    return RECORD + this.idOf(name, version);
  }

  /** Versions stored for `name`, ascending (from the encrypted index). */
  async versions(name: string): Promise<number[]> {
    return this.manifest.versions(name);
  }

  /** Every record as (name, version), for backups. */
  async records(): Promise<{ name: string; version: number }[]> {
    return [...this.manifest.all()].map(([, e]) => ({ name: e.name, version: e.version }));
  }

  /** Writes a JSON document (metadata, not secrets). */
  async putJson(name: string, value: unknown, opts: { durable?: boolean } = {}): Promise<void> {
    await this.put(name, 0, utf8(JSON.stringify(value)), opts);
  }

  /** Reads a JSON document. */
  async getJson<T>(name: string): Promise<T | undefined> {
    const b = await this.get(name, 0);
    return b === undefined ? undefined : (JSON.parse(new TextDecoder().decode(b)) as T);
  }

  /** The store's generation: the highest write counter it holds (it only grows). */
  get generation(): number {
    return this.manifest.generation;
  }

  /**
   * The generation the manifest root held durably when this store was opened, before any record
   * was rolled forward: what to compare with an anchor (an anchor is published only after a
   * root holding at least its generation is fsynced, so an honest crash never falls below it).
   */
  get loadedGeneration(): number {
    return this.manifest.loadedGeneration;
  }

  /**
   * Refuses every later write with `why` (the store failed a check at start, e.g. its anchor): a
   * manifest root written now would fold what was refused into a store that looks consistent.
   */
  refuse(why: Error): void {
    this.frozen = why;
    this.manifest.freeze(why);
  }

  /** Calls `f` with the generation after each durable manifest root write (to anchor it off the disk). */
  onDurableCommit(f: (generation: number) => void): void {
    this.manifest.onDurable = f;
  }

  /** Settles once every manifest change so far is on disk (fsynced), with a root counting it. */
  async flush(): Promise<void> {
    if (this.wrote) await this.manifest.commit('flush');
  }

  /** Waits for pending manifest writes, then closes the underlying driver. */
  async close(): Promise<void> {
    if (this.wrote) await this.manifest?.commit('flush').catch(() => undefined);
    await this.storage.dispose();
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Uint8Array.from(Buffer.from(v, 'base64'));
  if (v && typeof v === 'object' && 'data' in (v as object))
    return Uint8Array.from((v as { data: number[] }).data);
  throw new TypeError('unexpected raw value from the storage driver');
}
