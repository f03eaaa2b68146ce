/**
 * Where a session ledger's entries are made durable: the journal file (journal.ts) or store
 * segments (ledger.ts). Its own file, so the ledger and the journal both import it and not each other.
 * @module
 */

/** A recorded session (its id, or the medium's keyed tag of it) and when it was claimed (ms). */
export type Entry = [id: string, at: number];

/** Where a ledger's entries are made durable. */
export interface LedgerMedium {
  /** Every recorded entry, and the highest low-water mark written. */
  load(): Promise<{ entries: Entry[]; prunedBefore: number }>;
  /** What this medium records for a session id (the id itself, or a keyed tag that hides it). */
  keyOf(id: string): string;
  /** Makes `batch` durable; `live` lists every unexpired entry, for a medium that compacts. */
  append(batch: Entry[], low: number, live: () => Entry[]): Promise<void>;
  /** Settles once background work (merges, anchors) has finished. */
  settled(): Promise<void>;
  /** Finishes background work and releases any open file. */
  close(): Promise<void>;
}
