/**
 * The store manifest: the encrypted index of an EncryptedStore. It maps each live record (by its
 * keyed-hash id) to its plaintext name, version and write counter, and keeps a tombstone (the
 * last counter) for each retired record, so a stored copy older than the manifest says, a listed
 * record that is missing and a retired record brought back are all told apart from a genuine
 * write. It lives in memory and is written as 256 sealed shards (by the id's first byte) plus a
 * sealed root holding each shard's sequence number: a write rewrites one small shard and the
 * root, and concurrent writes share one group commit.
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
}
interface ShardDoc {
  shard: number;
  seq: number;
  entries: [id: string, name: string, version: number, counter: number][];
  tombs: [id: string, counter: number][];
}

const SHARDS = 256;
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
    super(kind === 'tampered' ? `the store manifest (${part}) failed authentication or is missing` : `the store manifest (${part}) is older than the manifest root says (rolled back)`);
  }
}

/** The in-memory index and its group-committed persistence. */
export class StoreManifest {
  private readonly shards: Map<string, IndexEntry>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly tombs: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly byName = new Map<string, Set<number>>();
  private readonly shardSeq: number[] = new Array<number>(SHARDS).fill(0);
  private readonly dirty = new Set<number>();
  /** Shards written without fsync since the last durable commit (a durable root must not point past them). */
  private readonly unsynced = new Set<number>();
  private rootSeq = 0;
  private counter = 0;
  private batch?: { durable: boolean; done: Promise<void> };
  /** Called with the root's counter after each durable commit. */
  onDurable?: (counter: number) => void;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly storage: RawStorage,
    private readonly sealer: ManifestSealer,
    readonly existed: boolean,
  ) {}

  /** Loads the manifest (an empty one when the store has none yet). */
  static async load(storage: RawStorage, sealer: ManifestSealer, toBytes: (v: unknown) => Uint8Array): Promise<StoreManifest> {
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
    for (let i = 0; i < SHARDS; i++) {
      const want = root.shards[i] ?? 0;
      if (!want) continue;
      const raw = await storage.getItemRaw(shardKey(i));
      if (raw == null) throw new ManifestError(`shard ${i}`, 'tampered');
      let doc: ShardDoc;
      try {
        doc = dec<ShardDoc>(sealer.open(shardKey(i), toBytes(raw)));
      } catch {
        throw new ManifestError(`shard ${i}`, 'tampered');
      }
      if (doc.shard !== i) throw new ManifestError(`shard ${i}`, 'tampered');
      // A shard newer than the root is a crash between the shard write and the root write.
      if (doc.seq < want) throw new ManifestError(`shard ${i}`, 'rollback');
      m.shardSeq[i] = doc.seq;
      for (const [id, name, version, counter] of doc.entries) m.index(id, { name, version, counter });
      for (const [id, counter] of doc.tombs) m.tombs[i]!.set(id, counter);
    }
    for (const s of m.shards) for (const e of s.values()) m.counter = Math.max(m.counter, e.counter);
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

  versions(name: string): number[] {
    return [...(this.byName.get(name) ?? [])].sort((a, b) => a - b);
  }

  /** Every live record: (id, entry). */
  *all(): Generator<[string, IndexEntry]> {
    for (const s of this.shards) yield* s;
  }

  /**
   * Writes the changed shards, then the root (a crash between them leaves a shard newer than the
   * root, which loads). Calls that arrive while a commit is being written share the next one.
   */
  commit(durable: boolean): Promise<void> {
    if (this.batch) {
      this.batch.durable ||= durable;
      return this.batch.done;
    }
    const batch = { durable, done: Promise.resolve() };
    this.batch = batch;
    batch.done = this.writing
      .catch(() => undefined)
      .then(() => {
        this.batch = undefined;
        return this.write(batch.durable);
      });
    this.writing = batch.done;
    return batch.done;
  }

  private async write(durable: boolean): Promise<void> {
    const changed = [...new Set([...this.dirty, ...(durable ? this.unsynced : [])])];
    this.dirty.clear();
    if (!changed.length && !durable) return;
    // Snapshot synchronously: later changes belong to the next commit.
    const parts = changed.map((i) => {
      this.shardSeq[i]!++;
      const doc: ShardDoc = {
        shard: i,
        seq: this.shardSeq[i]!,
        entries: [...this.shards[i]!].map(([id, e]) => [id, e.name, e.version, e.counter]),
        tombs: [...this.tombs[i]!],
      };
      return [shardKey(i), this.sealer.seal(shardKey(i), enc(doc))] as const;
    });
    const root: RootDoc = { seq: ++this.rootSeq, counter: this.counter, shards: [...this.shardSeq] };
    const sealedRoot = this.sealer.seal(ROOT_KEY, enc(root));
    try {
      await Promise.all(parts.map(([k, v]) => this.storage.setItemRaw(k, v, { durable })));
      await this.storage.setItemRaw(ROOT_KEY, sealedRoot, { durable });
      if (durable) {
        this.unsynced.clear();
        this.onDurable?.(root.counter);
      }
      else for (const i of changed) this.unsynced.add(i);
    } catch (e) {
      for (const i of changed) this.dirty.add(i);
      throw e;
    }
  }
}
