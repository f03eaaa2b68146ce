/**
 * Encrypted storage over any unstorage driver: each record is compressed, then sealed with
 * XChaCha20-Poly1305 under the node's storage key, with the record's name and version bound as
 * associated data, so a swapped, truncated or rolled-back record fails to open instead of being
 * read. The key comes from a passphrase (scrypt) or a 32-byte key file; there is no default.
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createStorage, type Storage } from 'unstorage';

const MAGIC = new TextEncoder().encode('TSE1');
const KEYCHECK = 'tessera:keycheck';

/** No storage key was configured: the node refuses to start. */
export class MissingStorageKeyError extends Error {
  override name = 'MissingStorageKeyError';
}
/** The storage key does not open this store (wrong passphrase or key file). */
export class WrongStorageKeyError extends Error {
  override name = 'WrongStorageKeyError';
}
/** A record failed authentication: tampered, truncated, swapped or rolled back. */
export class StorageTamperedError extends Error {
  override name = 'StorageTamperedError';
  constructor(readonly key: string) {
    super(`stored record "${key}" failed authentication (tampered, truncated, swapped or rolled back); it is not read`);
  }
}

/** Derives the 32-byte storage key from a passphrase (scrypt N=2^15, r=8, p=1, salt bound to the cluster and node). */
export function storageKeyFromPassphrase(passphrase: string, salt: string): Uint8Array {
  if (!passphrase) throw new MissingStorageKeyError('empty storage passphrase');
  return scrypt(new TextEncoder().encode(passphrase), sha256(new TextEncoder().encode(`tessera/storage/${salt}`)), { N: 2 ** 15, r: 8, p: 1, dkLen: 32 });
}

/** Parses a key file: 64 hex characters. */
export function storageKeyFromFile(text: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new MissingStorageKeyError('the storage key file must hold 64 hex characters');
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

function aad(name: string, version: number): Uint8Array {
  return new TextEncoder().encode(`tessera/store/v1\0${name}\0${version}`);
}

/** An encrypted, versioned record store. */
export class EncryptedStore {
  private constructor(private readonly storage: Storage, private readonly key: Uint8Array) {}

  /** Opens a store; refuses a missing key and a key that does not match the store's key check. */
  static async open(storage: Storage, key: Uint8Array | undefined): Promise<EncryptedStore> {
    if (!key || key.length !== 32) throw new MissingStorageKeyError('no storage key configured (set TESSERA_STORAGE_PASSPHRASE or storage.keyFile); refusing to start');
    const store = new EncryptedStore(storage, key);
    const check = await storage.getItemRaw<Uint8Array>(KEYCHECK);
    if (check == null) {
      await store.putRaw(KEYCHECK, 0, new TextEncoder().encode('tessera'));
    } else {
      try {
        store.open(KEYCHECK, 0, toBytes(check));
      } catch {
        throw new WrongStorageKeyError('the storage key does not open this store (wrong passphrase or key file)');
      }
    }
    return store;
  }

  /** An in-memory store (tests and the local demo). */
  static memory(key: Uint8Array): Promise<EncryptedStore> {
    return EncryptedStore.open(createStorage(), key);
  }

  private seal(name: string, version: number, plain: Uint8Array): Uint8Array {
    const nonce = crypto.getRandomValues(new Uint8Array(24));
    const ct = xchacha20poly1305(this.key, nonce, aad(name, version)).encrypt(deflateRawSync(plain));
    const out = new Uint8Array(MAGIC.length + 24 + ct.length);
    out.set(MAGIC);
    out.set(nonce, MAGIC.length);
    out.set(ct, MAGIC.length + 24);
    return out;
  }

  private open(name: string, version: number, sealed: Uint8Array): Uint8Array {
    if (sealed.length < MAGIC.length + 24 + 16 || MAGIC.some((b, i) => sealed[i] !== b)) throw new StorageTamperedError(`${name}@${version}`);
    try {
      const plain = xchacha20poly1305(this.key, sealed.slice(4, 28), aad(name, version)).decrypt(sealed.slice(28));
      return new Uint8Array(inflateRawSync(plain));
    } catch {
      throw new StorageTamperedError(`${name}@${version}`);
    }
  }

  private async putRaw(name: string, version: number, plain: Uint8Array): Promise<void> {
    await this.storage.setItemRaw(name, this.seal(name, version, plain));
  }

  /** Writes version `version` of record `name` (fsynced unless `durable: false`). */
  async put(name: string, version: number, plain: Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
    await this.storage.setItemRaw(recordKey(name, version), this.seal(name, version, plain), opts);
  }

  /** Reads version `version` of `name` (undefined when absent; StorageTamperedError when it fails to open). */
  async get(name: string, version: number): Promise<Uint8Array | undefined> {
    const raw = await this.storage.getItemRaw<Uint8Array>(recordKey(name, version));
    return raw == null ? undefined : this.open(name, version, toBytes(raw));
  }

  /** Removes a version (after its successor is confirmed cluster-wide). */
  async retire(name: string, version: number): Promise<void> {
    await this.storage.removeItem(recordKey(name, version));
  }

  /** Versions stored for `name`, ascending. */
  async versions(name: string): Promise<number[]> {
    // unstorage treats ":" as a path separator: list the parent, then match the name exactly.
    const parent = name.includes(':') ? name.slice(0, name.lastIndexOf(':')) : '';
    const keys = await this.storage.getKeys(parent);
    return keys
      .filter((k) => k.startsWith(`${name}@`))
      .map((k) => Number(k.slice(name.length + 1)))
      .filter(Number.isInteger)
      .sort((a, b) => a - b);
  }

  /** Every record as (name, version), for backups. */
  async records(): Promise<{ name: string; version: number }[]> {
    const keys = await this.storage.getKeys();
    return keys
      .filter((k) => k !== KEYCHECK && k.lastIndexOf('@') > 0)
      .map((k) => ({ name: k.slice(0, k.lastIndexOf('@')), version: Number(k.slice(k.lastIndexOf('@') + 1)) }))
      .filter((r) => Number.isInteger(r.version));
  }

  /** Writes a JSON document (metadata, not secrets). */
  async putJson(name: string, value: unknown, opts: { durable?: boolean } = {}): Promise<void> {
    await this.put(name, 0, new TextEncoder().encode(JSON.stringify(value)), opts);
  }

  /** Reads a JSON document. */
  async getJson<T>(name: string): Promise<T | undefined> {
    const b = await this.get(name, 0);
    return b === undefined ? undefined : (JSON.parse(new TextDecoder().decode(b)) as T);
  }

  /** Closes the underlying driver. */
  async close(): Promise<void> {
    await this.storage.dispose();
  }
}

function recordKey(name: string, version: number): string {
  return `${name}@${version}`;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Uint8Array.from(Buffer.from(v, 'base64'));
  if (v && typeof v === 'object' && 'data' in (v as object)) return Uint8Array.from((v as { data: number[] }).data);
  throw new TypeError('unexpected raw value from the storage driver');
}
