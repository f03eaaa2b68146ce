/**
 * A node's presignatures (DKLs23) and preprocessed nonces (FROST), the one owner of their records:
 * each is stored encrypted like a share, under its own name, and consumed exactly once: `take`
 * retires the record (a durable tombstone: a copy put back is refused as a rollback) before the
 * core sees the blob, so this node's share of a signature on it can never leave twice. Records
 * carry the key epoch and signer set they were made for; a presignature of another epoch, of a
 * banned peer or of a set that no longer exists is dropped, never used. Never in backups.
 * @module
 */
import { record } from '../names.ts';
import { RequestError } from '../requests/request.ts';
import type { EncryptedStore } from '../storage/storage.ts';

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
  onChange: (pool: string) => void = () => undefined;

  private constructor(private readonly store: EncryptedStore) {}

  /** Makes a signing that names `id` wait for `made` (its presign session and record write) first. */
  expect(id: string, made: Promise<void>): Promise<void> {
    const waiting = made
      .catch(() => undefined)
      .finally(() => {
        if (this.writing.get(id) === waiting) this.writing.delete(id);
      });
    this.writing.set(id, waiting);
    return made;
  }

  /** Loads the index of every presignature record in `store` (their metadata, not their secrets into memory for long). */
  static async open(store: EncryptedStore): Promise<PresignatureStore> {
    const s = new PresignatureStore(store);
    for (const { name } of await store.records()) {
      if (!name.startsWith(record.presignaturePrefix)) continue;
      const bytes = await store.get(name, 0).catch(() => undefined);
      if (!bytes) continue;
      const { meta, blob } = decode(bytes);
      blob.fill(0);
      s.index.set(meta.id, meta);
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
   * Consumes presignature `id` of (key, curve): retires its record durably, then returns it (wipe
   * the blob once the core has it; check its epoch and signers: one made for others is spent
   * anyway). PRESIGNATURE_UNAVAILABLE when it is not here or was used.
   */
  async take(
    id: string,
    want: { keyId: string; curve: string },
  ): Promise<{ meta: PresignatureMeta; blob: Uint8Array }> {
    await this.writing.get(id);
    const meta = this.index.get(id);
    if (!meta || meta.keyId !== want.keyId || meta.curve !== want.curve)
      throw new RequestError(
        'PRESIGNATURE_UNAVAILABLE',
        `presignature ${id.slice(0, 16)}… is not held by this node (used, dropped, or never made here); retry the signing`,
      );
    const name = record.presignature(meta.keyId, meta.curve, id);
    this.index.delete(id);
    this.onChange(poolOf(meta));
    const bytes = await this.store.get(name, 0);
    if (!bytes)
      throw new RequestError(
        'PRESIGNATURE_UNAVAILABLE',
        `presignature ${id.slice(0, 16)}… is gone`,
      );
    // Single use: the tombstone is on disk before the core sees the secret.
    try {
      await this.store.retire(name, 0);
    } catch (e) {
      bytes.fill(0);
      throw e;
    }
    const { blob } = decode(bytes);
    const out = blob.slice();
    bytes.fill(0);
    return { meta, blob: out };
  }

  /** Drops every presignature made with `nodeId` (it said it holds none: restored, or lost its records). */
  async dropWith(nodeId: string): Promise<number> {
    const gone = this.all().filter((m) => m.signers.includes(nodeId));
    for (const m of gone) await this.drop(m);
    return gone.length;
  }

  /** Drops a presignature unused (stale, orphaned, or abandoned by its claimant). */
  async drop(meta: PresignatureMeta): Promise<void> {
    this.index.delete(meta.id);
    this.onChange(poolOf(meta));
    await this.store
      .retire(record.presignature(meta.keyId, meta.curve, meta.id), 0)
      .catch(() => undefined);
  }
}
