/**
 * Node configuration: a YAML or JSON file, with environment overrides
 * (TESSERA_NATS_URL, TESSERA_PASSPHRASE, TESSERA_STORAGE_PASSPHRASE, TESSERA_PRODUCTION).
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { parse } from 'yaml';
import type { NatsOptions } from './transport.ts';

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
  /** Refuse plaintext NATS and missing certificates. */
  production?: boolean;
  /** Serve the HTTP control API (off when absent). */
  api?: { host?: string; port?: number; bodyBytes?: number; bodyTimeoutMs?: number; maxInflight?: number; operationTimeoutMs?: number };
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
    nats: { ...raw.nats, servers: env.TESSERA_NATS_URL ? env.TESSERA_NATS_URL.split(',') : raw.nats?.servers ?? ['nats://127.0.0.1:4222'], tls: raw.nats?.tls && { caFile: at(raw.nats.tls.caFile), certFile: at(raw.nats.tls.certFile), keyFile: at(raw.nats.tls.keyFile) } },
    production: env.TESSERA_PRODUCTION ? env.TESSERA_PRODUCTION === '1' : raw.production ?? false,
  };
  if (!cfg.nodeId) throw new RangeError('config: nodeId is required');
  if (!['fs', 'redis', 'memory'].includes(cfg.storage?.driver)) throw new RangeError('config: storage.driver must be fs, redis or memory');
  return cfg;
}
