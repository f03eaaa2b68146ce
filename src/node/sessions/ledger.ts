/**
 * The durable record of every protocol session id this node has started. A DKLs23 session run
 * twice under one id hands a co-signer the key (issue 11 item 1), so a node writes the id to disk
 * (fsynced) before it sends any round-one output, and refuses an id it has recorded before, also
 * after a crash or restart.
 *
 * Ids claimed while a write is in flight share the next write (group commit), so concurrent
 * sessions cost one durable write between them. Where it is written (the medium):
 * - a node on the fs driver: an append-only, MAC-chained journal file beside its records
 *   (`session-journal.ts`), one fdatasync per batch;
 * - any other store (Redis, memory): versions (slots) of one store record, `sessions`, each a
 *   segment of `[id, recordedAt]` pairs, in LEVELS levels of FANOUT slots. New batches go to
 *   level-0 slots; a full level merges, in the background, into one slot of the next (the top
 *   level merges into itself), dropping expired ids, and only once the merged segment is durable
 *   are its inputs free to be overwritten. Slots are reused, never retired, so the ledger occupies
 *   at most LEVELS × FANOUT records and leaves no tombstones.
 * @module
 */
import { SessionJournal } from './journal.ts';
import type { Entry, LedgerMedium } from './medium.ts';
import type { EncryptedStore } from '../storage/storage.ts';
import { record } from '../names.ts';
import { SessionReusedError } from '../../protocol/peer.ts';

// Declared beside the session driver, which refuses a reused id; re-exported for the node's readers.
export { SessionReusedError };
export type { Entry, LedgerMedium };

/**
 * How long a started session id is remembered. A session id derives from a signed request that
 * a node accepts only within ±60 s of its clock (REQUEST_WINDOW_MS), so after 120 s no replay can
 * reach the session layer; a finished request is also answered from its stored result, never
 * rerun. The ledger covers the window the result record may not survive (a crash before it is
 * written or fsynced). One hour is 30 times that span: it absorbs clock skew and a clock stepped
 * back by up to ~58 minutes, at a memory cost of one short entry per session started in the last
 * hour. A node clock stepped forward past the retention (then a merge or restart forgets ids)
 * and back again is covered by `prunedBefore`: the highest cutoff ever applied, kept in every
 * segment written, so the request layer refuses any request old enough to carry a forgotten id.
 */
export const SESSION_RETENTION_MS = 60 * 60_000;

interface Segment {
  entries: Entry[];
  /** The ledger's low-water mark when this segment was written (absent in older segments). */
  prunedBefore?: number;
}

const encode = (seg: Segment) => new TextEncoder().encode(JSON.stringify(seg));
const newest = (entries: Entry[]) => entries.reduce((m, e) => Math.max(m, e[1]), 0);

/** The started-session ledger of one node. */
export class SessionLedger {
  /** Recorded keys (see LedgerMedium.keyOf), oldest first, with their claim time. */
  private readonly seen = new Map<string, number>();
  private batch: { ids: Entry[]; done: Promise<void> } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private low = 0;

  private constructor(
    private readonly medium: LedgerMedium,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Opens the ledger of `store` and loads every recorded id (a restart sees the ids of the
   * previous run). With `journal` (a file path: the fs driver) the ids go to a journal file
   * there, anchored in `store`; ids a store-kept ledger of an earlier version holds move into it.
   */
  static async open(
    store: EncryptedStore,
    opts: { journal?: string; retentionMs?: number; now?: () => number } = {},
  ): Promise<SessionLedger> {
    const medium = opts.journal
      ? await SessionJournal.open(opts.journal, store)
      : new StoreSegments(store);
    const ledger = new SessionLedger(
      medium,
      opts.retentionMs ?? SESSION_RETENTION_MS,
      opts.now ?? Date.now,
    );
    const cutoff = ledger.prune();
    const { entries, prunedBefore } = await medium.load();
    ledger.low = Math.max(ledger.low, prunedBefore);
    // Oldest first, so expiry can prune from the front of the map.
    for (const [id, at] of entries.filter((e) => e[1] >= cutoff).sort((a, b) => a[1] - b[1])) {
      ledger.seen.delete(id);
      ledger.seen.set(id, at);
    }
    if (opts.journal) await ledger.adoptStoreSegments(store);
    return ledger;
  }

  /** Moves the unexpired ids of a store-kept ledger (an earlier version, or a changed driver) into this one. */
  private async adoptStoreSegments(store: EncryptedStore): Promise<void> {
    const old = await readSegments(store);
    if (!old.length) return;
    const cutoff = this.prune();
    for (const { segment } of old) this.low = Math.max(this.low, segment.prunedBefore ?? 0);
    const adopted = old
      .flatMap((s) => s.segment.entries)
      .filter((e) => e[1] >= cutoff && !this.has(e[0]));
    await Promise.all(adopted.map(([id]) => this.claim(id)));
    for (const { version } of old) await store.retire(RECORD, version);
  }

  /** How many times `id` is recorded on disk (for inspection: at most once). */
  static async recorded(
    store: EncryptedStore,
    id: string,
    opts: { journal?: string } = {},
  ): Promise<number> {
    const medium = opts.journal
      ? await SessionJournal.open(opts.journal, store, { readOnly: true })
      : new StoreSegments(store);
    const key = medium.keyOf(id);
    const n = (await medium.load()).entries.filter((e) => e[0] === key).length;
    await medium.close();
    return n;
  }

  /** The cutoff to apply now; it raises the low-water mark, which never goes down (a clock stepped back). */
  private prune(): number {
    const cutoff = this.now() - this.retentionMs;
    this.low = Math.max(this.low, cutoff);
    return cutoff;
  }

  /**
   * Every id claimed at or after this time (ms, this node's clock) is remembered; earlier ones may
   * be forgotten. It only rises, also across restarts and a clock stepped back.
   */
  get prunedBefore(): number {
    return this.low;
  }

  /** Whether `id` (session hex) was started before. */
  has(id: string): boolean {
    return this.seen.has(this.medium.keyOf(id));
  }

  /** Ids remembered now. */
  get size(): number {
    return this.seen.size;
  }

  /** Settles once every claimed id is on disk and background work has finished. */
  async settled(): Promise<void> {
    for (let w = this.writing; ; w = this.writing) {
      await (this.batch?.done.catch(() => undefined) ?? w);
      await w;
      await this.medium.settled();
      if (!this.batch && w === this.writing) return;
    }
  }

  /** Writes what is pending and releases the medium (at node stop). */
  async close(): Promise<void> {
    await this.settled();
    await this.medium.close();
  }

  /**
   * Claims a session id: throws SessionReusedError at once when it was started before, else
   * returns a promise that settles once the id is on disk (fsynced). Send nothing before it does.
   */
  claim(id: string): Promise<void> {
    const key = this.medium.keyOf(id);
    if (this.seen.has(key)) throw new SessionReusedError(id);
    const at = this.now();
    this.seen.set(key, at);
    if (!this.batch) {
      const batch: { ids: Entry[]; done: Promise<void> } = { ids: [], done: Promise.resolve() };
      // The batch is written once the write before it has finished; ids arriving meanwhile join it.
      batch.done = this.writing.then(() => {
        if (this.batch === batch) this.batch = undefined;
        return this.medium.append(batch.ids, this.expire(), () => [...this.seen]);
      });
      this.writing = batch.done.catch(() => undefined);
      this.batch = batch;
    }
    this.batch.ids.push([key, at]);
    return this.batch.done;
  }

  /** Forgets expired ids (the map is oldest first) and returns the low-water mark. */
  private expire(): number {
    const cutoff = this.prune();
    for (const [id, at] of this.seen) {
      if (at >= cutoff) break;
      this.seen.delete(id);
    }
    return this.low;
  }
}

/** Slots per level. */
const FANOUT = 16;
/** Levels; the top one merges into itself. */
const LEVELS = 4;
/** A level this full starts merging in the background (the remaining slots take new batches meanwhile). */
const MERGE_AT = FANOUT - 4;

const RECORD = record.sessions;
const versionOf = (level: number, slot: number) => level * FANOUT + slot + 1;

/** The ledger in versions of one store record (any driver; see the module comment). */
class StoreSegments implements LedgerMedium {
  /** Per level and slot: the newest id time of the segment there, or undefined when the slot is free. */
  private readonly slots: (number | undefined)[][] = Array.from({ length: LEVELS }, () =>
    new Array<number | undefined>(FANOUT).fill(undefined),
  );
  private merging: Promise<void> = Promise.resolve();
  private mergeRunning = false;
  private low = 0;

  constructor(private readonly store: EncryptedStore) {}

  keyOf(id: string): string {
    return id;
  }

  async load(): Promise<{ entries: Entry[]; prunedBefore: number }> {
    const entries: Entry[] = [];
    for (const { version, segment } of await readSegments(this.store)) {
      this.low = Math.max(this.low, segment.prunedBefore ?? 0);
      const level = Math.floor((version - 1) / FANOUT);
      if (level >= LEVELS || version < 1) continue;
      // A slot freed before a restart still holds ids that a merged segment also holds: reading
      // it again only repeats them.
      this.slots[level]![(version - 1) % FANOUT] = newest(segment.entries);
      entries.push(...segment.entries);
    }
    return { entries, prunedBefore: this.low };
  }

  async settled(): Promise<void> {
    for (let m = this.merging; ; m = this.merging) {
      await m;
      if (m === this.merging) return;
    }
  }

  close(): Promise<void> {
    return this.settled();
  }

  async append(ids: Entry[], low: number): Promise<void> {
    this.low = Math.max(this.low, low);
    let slot = this.freeSlot(0);
    while (slot === undefined) {
      // Every level-0 slot is taken: wait for (or run) the merge that frees them.
      await this.merge();
      slot = this.freeSlot(0);
    }
    await this.store.put(
      RECORD,
      versionOf(0, slot),
      encode({ entries: ids, prunedBefore: this.low }),
      { durable: true },
    );
    this.slots[0]![slot] = newest(ids);
    if (this.used(0) >= MERGE_AT && !this.mergeRunning) void this.merge().catch(() => undefined);
  }

  private freeSlot(level: number): number | undefined {
    const i = this.slots[level]!.indexOf(undefined);
    return i < 0 ? undefined : i;
  }

  private used(level: number): number {
    return this.slots[level]!.filter((s) => s !== undefined).length;
  }

  /** Merges level 0 (and any level that fills up) one level down; one merge at a time. */
  private merge(): Promise<void> {
    const run = this.merging.then(async () => {
      this.mergeRunning = true;
      try {
        await this.mergeLevel(0);
      } finally {
        this.mergeRunning = false;
      }
    });
    this.merging = run.catch(() => undefined);
    return run;
  }

  private async mergeLevel(level: number): Promise<void> {
    const cutoff = this.low;
    // Slots whose every id has expired are free already.
    for (const l of this.slots)
      l.forEach((t, i) => t !== undefined && t < cutoff && (l[i] = undefined));
    const inputs = this.slots[level]!.flatMap((t, i) => (t === undefined ? [] : [i]));
    if (!inputs.length) return;
    const top = level === LEVELS - 1;
    if (!top && this.freeSlot(level + 1) === undefined) await this.mergeLevel(level + 1);
    const merged = new Map<string, number>();
    for (const i of inputs)
      for (const [id, at] of (await readSegment(this.store, versionOf(level, i)))?.entries ?? [])
        if (at >= cutoff) merged.set(id, Math.max(at, merged.get(id) ?? 0));
    const entries = [...merged];
    // The top level merges into one of its own slots: the merged segment holds all it replaces.
    const [toLevel, toSlot] = top ? [level, inputs[0]!] : [level + 1, this.freeSlot(level + 1)!];
    await this.store.put(
      RECORD,
      versionOf(toLevel, toSlot),
      encode({ entries, prunedBefore: this.low }),
      { durable: true },
    );
    // Only now, with the merged segment durable, may the inputs be overwritten.
    for (const i of inputs) this.slots[level]![i] = undefined;
    this.slots[toLevel]![toSlot] = entries.length ? newest(entries) : undefined;
  }
}

async function readSegment(store: EncryptedStore, version: number): Promise<Segment | undefined> {
  const b = await store.get(RECORD, version);
  return b && (JSON.parse(new TextDecoder().decode(b)) as Segment);
}

async function readSegments(
  store: EncryptedStore,
): Promise<{ version: number; segment: Segment }[]> {
  const out: { version: number; segment: Segment }[] = [];
  for (const version of await store.versions(RECORD)) {
    const segment = await readSegment(store, version);
    if (segment) out.push({ version, segment });
  }
  return out;
}
