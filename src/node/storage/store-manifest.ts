/**
 * The store manifest: the encrypted index of an EncryptedStore. It maps each live record (by its
 * keyed-hash id) to its plaintext name, version and write counter, and keeps a tombstone (the
 * last counter) for each retired record, so a stored copy older than the manifest says, a listed
 * record that is missing and a retired record brought back are all told apart from a genuine
 * write. It lives in memory and is written as 256 sealed shards (by the id's first byte) plus a
 * sealed root holding each shard's last durable sequence number and the store's durable
 * generation. Crash consistency: a shard on disk is never older than the root says, because the
 * root is written only after the shards it counts are fsynced, and only by durable commits (a
 * non-durable commit rewrites shards alone, so a power loss can never keep a root that points
 * past a shard). A shard newer than the root is a commit the root has not caught up with, and
 * loads. A durable commit returns once its shards are fsynced; the root follows in the
 * background, coalesced (at most one root write in flight).
 * @module
 */

/** A live record. */
export interface IndexEntry {
  name: string;
  version: number;
  counter: number;
}

/** Seals and opens manifest parts (same AEAD as records, bound to the part's storage key). */
export interface ManifestSealer {
  seal(storageKey: string, plain: Uint8Array): Uint8Array;
  /** Throws when the part fails authentication. */
  open(storageKey: string, sealed: Uint8Array): Uint8Array;
}

interface RootDoc {
  seq: number;
  counter: number;
  shards: number[];
  /** An old-layout migration is under way (its records may exist before its final commit). */
  migrating?: boolean;
}
interface ShardDoc {
  shard: number;
  seq: number;
  entries: [id: string, name: string, version: number, counter: number][];
  tombs: [id: string, counter: number][];
}

const SHARDS = 256;
/** Background root writes are at most this often (a flush writes one at once). */
const ROOT_EVERY_MS = 50;
export const ROOT_KEY = 'm:root';
const shardKey = (i: number) => `m:${i.toString(16).padStart(2, '0')}`;
const shardOf = (id: string) => parseInt(id.slice(0, 2), 16);
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = <T>(b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as T;

/** Raw access to the driver (what the manifest needs of it). */
export interface RawStorage {
  getItemRaw(key: string): Promise<unknown>;
  setItemRaw(key: string, value: Uint8Array, opts?: { durable?: boolean }): Promise<void>;
}

/** Why a manifest part does not load: the store refuses to open. */
export class ManifestError extends Error {
  constructor(
    readonly part: string,
    readonly kind: 'tampered' | 'rollback',
  ) {
    super(
      kind === 'tampered'
        ? `the store manifest (${part}) failed authentication or is missing`
        : `the store manifest (${part}) is older than the manifest root says (rolled back)`,
    );
  }
}

/** How far a commit goes: shards written (no fsync); shards fsynced; everything so far fsynced and a root counting it. */
export type CommitLevel = 'shards' | 'durable' | 'flush';
const LEVEL: Record<CommitLevel, number> = { shards: 0, durable: 1, flush: 2 };

/** The in-memory index and its group-committed persistence. */
export class StoreManifest {
  private readonly shards: Map<string, IndexEntry>[] = Array.from(
    { length: SHARDS },
    () => new Map(),
  );
  private readonly tombs: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly byName = new Map<string, Set<number>>();
  private readonly shardSeq: number[] = new Array<number>(SHARDS).fill(0);
  /** Each shard's last fsynced sequence number: what a root may count. */
  private readonly durableSeq: number[] = new Array<number>(SHARDS).fill(0);
  private readonly dirty = new Set<number>();
  /** Shards written without fsync (a flush makes them durable). */
  private readonly unsynced = new Set<number>();
  private rootSeq = 0;
  private counter = 0;
  /** The root's counter as loaded: the generation this store had durably, before any roll-forward. */
  readonly loadedGeneration: number = 0;
  /** An old-layout migration is under way (stored in the root). */
  migrating = false;
  private batch?: { level: number; done: Promise<void> };
  /** Called with the root's counter after each root write (it is fsynced). */
  onDurable?: (counter: number) => void;
  private writing: Promise<void> = Promise.resolve();
  private rootWanted = false;
  private rooting?: Promise<void>;
  private lastRootAt = 0;
  private rootUrgent = false;
  /** Ends the wait before the next background root write (a flush is waiting). */
  private wakeRoot?: () => void;
  /** A background root write that failed: the next commit reports it (fail closed). */
  private rootFailure: unknown;
  /** Set once the store is refused: nothing more is written (a root now would adopt what was refused). */
  private frozen?: Error;

  private constructor(
    private readonly storage: RawStorage,
    private readonly sealer: ManifestSealer,
    readonly existed: boolean,
  ) {}

  /** Loads the manifest (an empty one when the store has none yet). */
  static async load(
    storage: RawStorage,
    sealer: ManifestSealer,
    toBytes: (v: unknown) => Uint8Array,
  ): Promise<StoreManifest> {
    const rootRaw = await storage.getItemRaw(ROOT_KEY);
    const m = new StoreManifest(storage, sealer, rootRaw != null);
    if (rootRaw == null) return m;
    let root: RootDoc;
    try {
      root = dec<RootDoc>(sealer.open(ROOT_KEY, toBytes(rootRaw)));
    } catch {
      throw new ManifestError('root', 'tampered');
    }
    m.rootSeq = root.seq;
    m.counter = root.counter;
    (m as { loadedGeneration: number }).loadedGeneration = root.counter;
    m.migrating = root.migrating === true;
    for (let i = 0; i < SHARDS; i++) {
      const want = root.shards[i] ?? 0;
      const raw = await storage.getItemRaw(shardKey(i));
      // A shard the root does not count yet (written without fsync since) still loads.
      if (raw == null) {
        if (want) throw new ManifestError(`shard ${i}`, 'tampered');
        continue;
      }
      let doc: ShardDoc;
      try {
        doc = dec<ShardDoc>(sealer.open(shardKey(i), toBytes(raw)));
      } catch {
        throw new ManifestError(`shard ${i}`, 'tampered');
      }
      if (doc.shard !== i) throw new ManifestError(`shard ${i}`, 'tampered');
      // A shard newer than the root is a commit the root has not caught up with.
      if (doc.seq < want) throw new ManifestError(`shard ${i}`, 'rollback');
      m.shardSeq[i] = doc.seq;
      m.durableSeq[i] = want;
      // Not known to be fsynced: the next flush rewrites it durably.
      if (doc.seq > want) m.unsynced.add(i);
      for (const [id, name, version, counter] of doc.entries)
        m.index(id, { name, version, counter });
      for (const [id, counter] of doc.tombs) m.tombs[i]!.set(id, counter);
    }
    for (const s of m.shards)
      for (const e of s.values()) m.counter = Math.max(m.counter, e.counter);
    for (const t of m.tombs) for (const c of t.values()) m.counter = Math.max(m.counter, c);
    return m;
  }

  private index(id: string, e: IndexEntry): void {
    this.shards[shardOf(id)]!.set(id, e);
    let vs = this.byName.get(e.name);
    if (!vs) this.byName.set(e.name, (vs = new Set()));
    vs.add(e.version);
  }

  /** The highest counter this store has used (its generation). */
  get generation(): number {
    return this.counter;
  }

  /** The next write counter (strictly above every counter this store has used). */
  next(): number {
    return ++this.counter;
  }

  /** Raises the counter past one found on disk (a record adopted at open). */
  observe(counter: number): void {
    this.counter = Math.max(this.counter, counter);
  }

  entry(id: string): IndexEntry | undefined {
    return this.shards[shardOf(id)]!.get(id);
  }

  tomb(id: string): number | undefined {
    return this.tombs[shardOf(id)]!.get(id);
  }

  /** Refuses every later commit with `why`. */
  freeze(why: Error): void {
    this.frozen = why;
    this.rootWanted = false;
  }

  /** Records a landed write (a later counter always wins). */
  set(id: string, e: IndexEntry): void {
    const cur = this.entry(id);
    if (cur && cur.counter >= e.counter) return;
    this.index(id, e);
    this.tombs[shardOf(id)]!.delete(id);
    this.dirty.add(shardOf(id));
  }

  /** Retires a record: it leaves the index and its last counter stays as a tombstone. */
  retire(id: string): void {
    const i = shardOf(id);
    const cur = this.shards[i]!.get(id);
    if (!cur) return;
    this.shards[i]!.delete(id);
    const vs = this.byName.get(cur.name);
    vs?.delete(cur.version);
    if (vs && !vs.size) this.byName.delete(cur.name);
    this.tombs[i]!.set(id, cur.counter);
    this.dirty.add(i);
  }

  /** Forgets a record without a tombstone (one whose replay its owner refuses by other means). */
  forget(id: string): void {
    const i = shardOf(id);
    const cur = this.shards[i]!.get(id);
    if (!cur) return;
    this.shards[i]!.delete(id);
    const vs = this.byName.get(cur.name);
    vs?.delete(cur.version);
    if (vs && !vs.size) this.byName.delete(cur.name);
    this.dirty.add(i);
  }

  versions(name: string): number[] {
    return [...(this.byName.get(name) ?? [])].sort((a, b) => a - b);
  }

  /** Every live record: (id, entry). */
  *all(): Generator<[string, IndexEntry]> {
    for (const s of this.shards) yield* s;
  }

  /**
   * Writes the changed shards (`shards`: without fsync; `durable`: fsynced, the root follows in
   * the background; `flush`: every shard written so far fsynced, then a root counting them).
   * Calls that arrive while a commit is being written share the next one.
   */
  commit(level: CommitLevel): Promise<void> {
    if (this.frozen) return Promise.reject(this.frozen);
    if (this.rootFailure) {
      const e = this.rootFailure;
      this.rootFailure = undefined;
      return Promise.reject(e);
    }
    if (this.batch) {
      this.batch.level = Math.max(this.batch.level, LEVEL[level]);
      return this.batch.done;
    }
    const batch = { level: LEVEL[level], done: Promise.resolve() };
    this.batch = batch;
    batch.done = this.writing
      .catch(() => undefined)
      .then(() => {
        this.batch = undefined;
        return this.write(batch.level);
      });
    this.writing = batch.done;
    return batch.done;
  }

  private async write(level: number): Promise<void> {
    const changed = [...new Set([...this.dirty, ...(level === 2 ? this.unsynced : [])])];
    this.dirty.clear();
    // Snapshot synchronously: later changes belong to the next commit.
    const parts = changed.map((i) => {
      const seq = ++this.shardSeq[i]!;
      const doc: ShardDoc = {
        shard: i,
        seq,
        entries: [...this.shards[i]!].map(([id, e]) => [id, e.name, e.version, e.counter]),
        tombs: [...this.tombs[i]!],
      };
      // A shard's first file is always fsynced: only a rename over an existing file is safe
      // without fsync (a new file could come back empty after a power loss, and fail to open).
      const first = !this.durableSeq[i] && !this.unsynced.has(i);
      return {
        i,
        seq,
        durable: level > 0 || first,
        key: shardKey(i),
        sealed: this.sealer.seal(shardKey(i), enc(doc)),
      };
    });
    try {
      await Promise.all(
        parts.map((p) => this.storage.setItemRaw(p.key, p.sealed, { durable: p.durable })),
      );
    } catch (e) {
      for (const i of changed) this.dirty.add(i);
      throw e;
    }
    for (const p of parts) {
      if (!p.durable) this.unsynced.add(p.i);
      else {
        this.unsynced.delete(p.i);
        this.durableSeq[p.i] = p.seq;
      }
    }
    if (level === 0) return;
    const root = this.writeRoot(level === 2);
    if (level < 2) return void root.catch(() => undefined);
    try {
      await root;
    } catch (e) {
      this.rootFailure = undefined; // reported here
      throw e;
    }
  }

  /**
   * Writes the root (fsynced) counting the shards fsynced so far: coalesced, one write in flight,
   * in the background at most one per ROOT_EVERY_MS (the anchor it feeds is published at most
   * every 250 ms anyway), at once for a flush.
   */
  private writeRoot(now: boolean): Promise<void> {
    this.rootWanted = true;
    if (now) {
      this.rootUrgent = true;
      this.wakeRoot?.();
    }
    this.rooting ??= (async () => {
      try {
        while (this.rootWanted && !this.frozen) {
          const wait = this.lastRootAt + ROOT_EVERY_MS - Date.now();
          if (!this.rootUrgent && wait > 0)
            await new Promise<void>((r) => ((this.wakeRoot = r), setTimeout(r, wait)));
          this.wakeRoot = undefined;
          this.rootUrgent = false;
          this.rootWanted = false;
          this.lastRootAt = Date.now();
          const root: RootDoc = {
            seq: ++this.rootSeq,
            counter: this.counter,
            shards: [...this.durableSeq],
            ...(this.migrating ? { migrating: true } : {}),
          };
          try {
            await this.storage.setItemRaw(ROOT_KEY, this.sealer.seal(ROOT_KEY, enc(root)), {
              durable: true,
            });
          } catch (e) {
            this.rootFailure = e;
            throw e;
          }
          this.onDurable?.(root.counter);
        }
      } finally {
        this.rooting = undefined;
      }
    })();
    return this.rooting;
  }
}
