/**
 * Node configuration: a YAML or JSON file, with environment overrides
 * (TESSERA_NATS_URL, TESSERA_PASSPHRASE, TESSERA_STORAGE_PASSPHRASE, TESSERA_PRODUCTION), the
 * passphrase and storage-key sources, and the safeguards `production: true` demands.
 * @module
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { parse } from 'yaml';
import { isEncryptedIdentity } from './identity/identity.ts';
import { passphraseFromEnv, readPassphraseFile } from './storage/secret-file.ts';
import { storageKeyFromFile, storageKeyFromPassphrase } from './storage/storage.ts';
import { natsProductionProblems, type NatsOptions } from './transport/transport.ts';

/** A node's configuration. Paths are relative to the config file. */
export interface NodeConfig {
  nodeId: string;
  /** Cluster manifest (JSON). */
  manifest: string;
  /** Private identity file (`.key` or age-encrypted `.key.age`). */
  identity: string;
  /** File holding the identity passphrase (else TESSERA_PASSPHRASE). */
  passphraseFile?: string;
  nats: NatsOptions;
  storage: { driver: 'fs' | 'redis' | 'memory'; base?: string; url?: string; keyFile?: string };
  /** Audit log path. */
  audit: string;
  /** Per-round and overall session timeouts, ms. */
  timeouts?: { roundMs?: number; sessionMs?: number };
  /** Sessions run at once. */
  maxConcurrent?: number;
  /**
   * Presignatures kept ready per key, curve and signer set this node leads (the first signer of
   * the set; by default the key's first `threshold` parties). `pool: 0` (the default) makes none;
   * `budget` is the share of this node's time refills may take while other sessions run (default 0.5).
   */
  presign?: { pool?: number; budget?: number; concurrency?: number };
  /** How often pending promotions are re-driven, ms (default 10 s; `tessera keys promote` does it at once). */
  promotionSweepMs?: number;
  /**
   * Refuse to start without mutual TLS (tls:// URLs, CA, client certificate and key), NATS
   * credentials, an age-encrypted identity and persistent storage (fs or redis).
   */
  production?: boolean;
  /** Serve the HTTP control API (off when absent). */
  api?: {
    host?: string;
    port?: number;
    bodyBytes?: number;
    bodyTimeoutMs?: number;
    bodiesPerSource?: number;
    maxInflight?: number;
    operationTimeoutMs?: number;
  };
}

/** Reads a config file and applies environment overrides. */
export function loadConfig(path: string): NodeConfig {
  const text = readFileSync(path, 'utf8');
  const raw = (path.endsWith('.json') ? JSON.parse(text) : parse(text)) as NodeConfig;
  const base = dirname(resolve(path));
  const at = (p?: string) => (p ? resolve(base, p) : p);
  const env = process.env;
  const cfg: NodeConfig = {
    ...raw,
    manifest: at(raw.manifest)!,
    identity: at(raw.identity)!,
    passphraseFile: at(raw.passphraseFile),
    audit: at(raw.audit ?? `${raw.nodeId}.audit.jsonl`)!,
    storage: { ...raw.storage, base: at(raw.storage?.base), keyFile: at(raw.storage?.keyFile) },
    nats: {
      ...raw.nats,
      servers: env.TESSERA_NATS_URL
        ? env.TESSERA_NATS_URL.split(',')
        : (raw.nats?.servers ?? ['nats://127.0.0.1:4222']),
      tls: raw.nats?.tls && {
        caFile: at(raw.nats.tls.caFile),
        certFile: at(raw.nats.tls.certFile),
        keyFile: at(raw.nats.tls.keyFile),
      },
      credsFile: at(raw.nats?.credsFile),
      nkeySeedFile: at(raw.nats?.nkeySeedFile),
    },
    production: env.TESSERA_PRODUCTION ? env.TESSERA_PRODUCTION === '1' : (raw.production ?? false),
  };
  if (!cfg.nodeId) throw new RangeError('config: nodeId is required');
  if (!['fs', 'redis', 'memory'].includes(cfg.storage?.driver))
    throw new RangeError('config: storage.driver must be fs, redis or memory');
  return cfg;
}

/** A production configuration missing safeguards; `missing` names every one. */
export class ProductionConfigError extends Error {
  override name = 'ProductionConfigError';
  constructor(readonly missing: string[]) {
    super(`production mode refuses to start without: ${missing.join('; ')}`);
  }
}

function fileStart(path: string, n: number): Uint8Array | undefined {
  try {
    const fd = openSync(path, 'r');
    try {
      const b = new Uint8Array(n);
      return b.subarray(0, readSync(fd, b, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Everything `production: true` requires that `cfg` lacks (empty when it may start). */
export function productionProblems(cfg: NodeConfig): string[] {
  if (!cfg.production) return [];
  const problems = natsProductionProblems(cfg.nats);
  const head = fileStart(cfg.identity, 64);
  if (!head) problems.push(`a readable identity file (${cfg.identity})`);
  else if (!isEncryptedIdentity(head))
    problems.push(
      `an encrypted identity (${cfg.identity} is plaintext: create one with "tessera identity generate --encrypt")`,
    );
  else if (!cfg.passphraseFile && !process.env.TESSERA_PASSPHRASE)
    problems.push('an identity passphrase (passphraseFile or TESSERA_PASSPHRASE)');
  if (cfg.storage.driver !== 'fs' && cfg.storage.driver !== 'redis')
    problems.push(`persistent storage (storage.driver is ${cfg.storage.driver}: use fs or redis)`);
  if (!cfg.storage.keyFile && !process.env.TESSERA_STORAGE_PASSPHRASE)
    problems.push('a storage key (storage.keyFile or TESSERA_STORAGE_PASSPHRASE)');
  return problems;
}

/** Throws ProductionConfigError naming every missing safeguard when `cfg.production` is set. */
export function assertProductionReady(cfg: NodeConfig): void {
  const missing = productionProblems(cfg);
  if (missing.length) throw new ProductionConfigError(missing);
}

/** The identity passphrase: `passphraseFile`, else TESSERA_PASSPHRASE (each at least 12 characters), else none. */
export function identityPassphrase(cfg: NodeConfig): string | undefined {
  return cfg.passphraseFile
    ? readPassphraseFile(cfg.passphraseFile)
    : passphraseFromEnv('TESSERA_PASSPHRASE');
}

/** The storage key: `storage.keyFile`, else TESSERA_STORAGE_PASSPHRASE (scrypt, salted with cluster and node), else none. */
export function storageKey(cfg: NodeConfig, cluster: string): Uint8Array | undefined {
  if (cfg.storage.keyFile) return storageKeyFromFile(readFileSync(cfg.storage.keyFile, 'utf8'));
  const passphrase = passphraseFromEnv('TESSERA_STORAGE_PASSPHRASE');
  return passphrase === undefined
    ? undefined
    : storageKeyFromPassphrase(passphrase, `${cluster}/${cfg.nodeId}`);
}
