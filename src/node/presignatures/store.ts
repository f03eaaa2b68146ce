/**
 * A node's presignatures (DKLs23) and preprocessed nonces (FROST), the one owner of their records:
 * each is stored encrypted like a share, under its own name, and consumed exactly once. `take`
 * records its use in the session ledger (fsynced, group-committed with the signing's own session
 * id) before the core sees the blob, so this node's share of a signature on it can never leave
 * twice, and then removes the record without a tombstone (a store that consumes millions keeps
 * no trace of each). A copy put back on the disk is refused by the ledger while it remembers the
 * use, and by age after: a presignature older than MAX_AGE_MS (well inside the ledger's
 * retention) or than the ledger's low-water mark is never used. Records carry the key epoch and
 * signer set they were made for; another epoch, a banned peer or an unknown set is dropped, never
 * used. Never in backups.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { SessionReusedError, type StartedSessions } from '../../protocol/peer.ts';
import { record } from '../names.ts';
import { RequestError, sessionId } from '../requests/request.ts';
import { SESSION_RETENTION_MS } from '../sessions/ledger.ts';
import type { EncryptedStore } from '../storage/storage.ts';

/** How long a presignature may wait for its signing: half the ledger's memory, so its use is always remembered. */
export const MAX_AGE_MS = SESSION_RETENTION_MS / 2;

/** The ledger id that records a presignature's use (hex, like a session id). */
export const useOf = (id: string) => bytesToHex(sessionId(id, 'presignature-use'));

/** What a presignature record says beside the secret blob. */
export interface PresignatureMeta {
  id: string;
  keyId: string;
  curve: string;
  epoch: string;
  /** Node ids, in the key's party order. */
  signers: string[];
  createdAt: number;
}

/** The pool one presignature belongs to. */
export const poolOf = (m: Pick<PresignatureMeta, 'keyId' | 'curve' | 'signers'>) =>
  `${m.keyId}\n${m.curve}\n${m.signers.join(',')}`;

const utf8 = new TextEncoder();

function encode(meta: PresignatureMeta, blob: Uint8Array): Uint8Array {
  const m = utf8.encode(JSON.stringify(meta));
  const out = new Uint8Array(4 + m.length + blob.length);
  new DataView(out.buffer).setUint32(0, m.length);
  out.set(m, 4);
  out.set(blob, 4 + m.length);
  return out;
}

function decode(bytes: Uint8Array): { meta: PresignatureMeta; blob: Uint8Array } {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as PresignatureMeta;
  return { meta, blob: bytes.subarray(4 + len) };
}

export class PresignatureStore {
  private readonly index = new Map<string, PresignatureMeta>();
  /** Presignatures whose session finished but whose record is still being written. */
  private readonly writing = new Map<string, Promise<void>>();

  /** Told the pool of every presignature added, used or dropped (the leader republishes its list). */
  onChange: (pool: string, dropped?: boolean) => void = () => undefined;

  private constructor(
    private readonly store: EncryptedStore,
    private readonly ledger: Pick<StartedSessions, 'claim' | 'prunedBefore'> & {
      has(id: string): boolean;
    },
    private readonly now: () => number,
  ) {}

  /** Whether `m` may still be used: not used before, not older than MAX_AGE_MS or the ledger's memory. */
  private fresh(m: PresignatureMeta): boolean {
    const t = this.now();
    return (
      !this.ledger.has(useOf(m.id)) &&
      m.createdAt >= this.ledger.prunedBefore &&
      m.createdAt <= t &&
      t - m.createdAt < MAX_AGE_MS
    );
  }

  /** Makes a signing that names `id` wait for `made` (its presign session and record write) first. */
  expect(id: string, pool: string, made: Promise<void>): Promise<void> {
    this.making.set(pool, (this.making.get(pool) ?? 0) + 1);
    const waiting = made
      .catch(() => undefined)
      .finally(() => {
        if (this.writing.get(id) === waiting) this.writing.delete(id);
        this.making.set(pool, (this.making.get(pool) ?? 1) - 1);
      });
    this.writing.set(id, waiting);
    return made;
  }

  /** Presignatures being made per pool (their sessions run). */
  private readonly making = new Map<string, number>();

  /** Presignatures of `pool` still being made. */
  pending(pool: string): number {
    return this.making.get(pool) ?? 0;
  }

  /** Whether `id` is held or being made here (for any key). */
  knows(id: string): boolean {
    return this.index.has(id) || this.writing.has(id);
  }

  /**
   * Loads the index of every presignature record in `store` (metadata only); one used already (a
   * crash before its removal, or a copy put back) or too old is removed instead.
   */
  static async open(
    store: EncryptedStore,
    ledger: PresignatureStore['ledger'],
    now: () => number = Date.now,
  ): Promise<PresignatureStore> {
    const s = new PresignatureStore(store, ledger, now);
    for (const { name } of await store.records()) {
      if (!name.startsWith(record.presignaturePrefix)) continue;
      const bytes = await store.get(name, 0).catch(() => undefined);
      if (!bytes) continue;
      const { meta, blob } = decode(bytes);
      blob.fill(0);
      if (s.fresh(meta)) s.index.set(meta.id, meta);
      else await store.discard(name, 0).catch(() => undefined);
    }
    return s;
  }

  /** Presignatures of one pool, oldest first. */
  list(pool: string): PresignatureMeta[] {
    return [...this.index.values()].filter((m) => poolOf(m) === pool);
  }

  /** Every presignature held. */
  all(): PresignatureMeta[] {
    return [...this.index.values()];
  }

  get size(): number {
    return this.index.size;
  }

  /** Stores a new presignature (the blob is wiped once written). */
  add(meta: PresignatureMeta, blob: Uint8Array): Promise<void> {
    if (this.index.has(meta.id)) {
      blob.fill(0);
      return Promise.reject(new RangeError('a presignature with this id is held already'));
    }
    const plain = encode(meta, blob);
    blob.fill(0);
    const done = this.store
      .put(record.presignature(meta.keyId, meta.curve, meta.id), 0, plain, { durable: false })
      .then(() => {
        this.index.set(meta.id, meta);
        this.onChange(poolOf(meta));
      })
      .finally(() => plain.fill(0));
    return done;
  }

  /**
   * Consumes presignature `id` of (key, curve): its use durably in the ledger, then returns it (wipe
   * the blob once the core has it; check its epoch and signers: one made for others is spent
   * anyway). PRESIGNATURE_UNAVAILABLE when it is not here or was used.
   */
  async take(
    id: string,
    want: { keyId: string; curve: string },
  ): Promise<{ meta: PresignatureMeta; blob: Uint8Array }> {
    await this.writing.get(id);
    const meta = this.index.get(id);
    const unavailable = (why: string) =>
      new RequestError(
        'PRESIGNATURE_UNAVAILABLE',
        `presignature ${id.slice(0, 16)}… ${why}; retry the signing`,
      );
    if (!meta || meta.keyId !== want.keyId || meta.curve !== want.curve)
      throw unavailable('is not held by this node (used, dropped, or never made here)');
    const name = record.presignature(meta.keyId, meta.curve, id);
    this.index.delete(id);
    this.onChange(poolOf(meta));
    if (!this.fresh(meta)) {
      await this.store.discard(name, 0).catch(() => undefined);
      throw unavailable('expired');
    }
    // Single use: the use is claimed at once (a second take throws here) and is on disk before
    // the core sees the secret.
    let used: Promise<void>;
    try {
      used = this.ledger.claim(useOf(id));
    } catch (e) {
      if (e instanceof SessionReusedError) throw unavailable('was used already');
      throw e;
    }
    const bytes = await this.store.get(name, 0);
    try {
      await used;
    } catch (e) {
      bytes?.fill(0);
      throw e;
    }
    if (!bytes) throw unavailable('is gone');
    const { blob } = decode(bytes);
    const out = blob.slice();
    bytes.fill(0);
    void this.store.discard(name, 0).catch(() => undefined);
    return { meta, blob: out };
  }

  /** Drops every presignature of one pool (a co-signer said it holds none: restored, or lost its records). */
  async dropPool(p: Pick<PresignatureMeta, 'keyId' | 'curve' | 'signers'>): Promise<number> {
    const gone = this.list(poolOf(p));
    for (const m of gone) await this.drop(m);
    return gone.length;
  }

  /** Drops a presignature unused (stale, orphaned, or abandoned by its claimant). */
  async drop(meta: PresignatureMeta): Promise<void> {
    this.index.delete(meta.id);
    this.onChange(poolOf(meta), true);
    await this.store
      .discard(record.presignature(meta.keyId, meta.curve, meta.id), 0)
      .catch(() => undefined);
  }

  /** Presignatures past their age (reconcile drops them; the leader makes new ones). */
  expired(): PresignatureMeta[] {
    return this.all().filter((m) => !this.fresh(m));
  }
}
