/**
 * Making a cluster on disk, as `tessera dev`, the bench and the integration tests need one: an
 * identity and a storage key per node, an initiator, the manifest (`cluster.json`), one config per
 * node, and nats-server's authorization block with an admin. File names are fixed here, so the
 * three agree and a test can read what a node was given.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { nkeys } from '@nats-io/transport-node';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import type { NodeConfig } from './config.ts';
import { generateIdentity, sealPrivateIdentity, SCRYPT_LOG_N } from './identity/identity.ts';
import { addInitiator, addNode, emptyManifest, type Manifest } from './identity/manifest.ts';
import { natsAuthorization } from './transport/nats-auth.ts';

/** What to make. */
export interface ClusterPlan {
  /** The manifest's cluster name. */
  cluster: string;
  nodes: string[];
  /** The initiator the manifest admits (an Ed25519 key made here). */
  initiator: string;
  /** Seal each identity under a passphrase kept in `<node>.pass` (scrypt cost 2^logN), as a service reads it; else unencrypted. */
  sealed?: { logN?: number };
  /** Write the initiator's secret key to `initiator.key`, where `tessera` reads it. */
  initiatorKeyFile?: boolean;
}

/** A cluster made in `dir`. */
export interface Provisioned {
  dir: string;
  manifest: Manifest;
  initiator: InitiatorSecret;
  /** Writes `<node>.json` (the fields every node has, plus `fields`) and returns its path. */
  configure(nodeId: string, fields: ConfigFields): string;
}

/** What a config says beyond the files made here. */
export type ConfigFields = Omit<
  NodeConfig,
  'nodeId' | 'manifest' | 'identity' | 'passphraseFile' | 'storage' | 'audit'
> & { storage?: NodeConfig['storage'] };

/** The files of a node in a provisioned directory (relative to it, as its config names them). */
export function nodeFiles(nodeId: string, sealed = false) {
  return {
    identity: sealed ? `${nodeId}.key.age` : `${nodeId}.key`,
    passphraseFile: sealed ? `${nodeId}.pass` : undefined,
    storageKey: `${nodeId}.storage.key`,
    data: `data/${nodeId}`,
    audit: `${nodeId}.audit.jsonl`,
    config: `${nodeId}.json`,
  };
}

const secret = { mode: 0o600, flag: 'wx' } as const; // never over an existing key
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** Makes the identities, storage keys, initiator and manifest of `plan` in `dir`. */
export async function provisionCluster(dir: string, plan: ClusterPlan): Promise<Provisioned> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sealed = Boolean(plan.sealed);
  let manifest = emptyManifest(plan.cluster);
  for (const nodeId of plan.nodes) {
    const id = generateIdentity(nodeId);
    manifest = addNode(manifest, id.public);
    const f = nodeFiles(nodeId, sealed);
    const passphrase = sealed ? `passphrase-for-${nodeId}` : undefined;
    if (passphrase) writeFileSync(join(dir, f.passphraseFile!), passphrase, secret);
    writeFileSync(
      join(dir, f.identity),
      await sealPrivateIdentity(id.private, passphrase, plan.sealed?.logN ?? SCRYPT_LOG_N),
      secret,
    );
    writeFileSync(
      join(dir, f.storageKey),
      bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
      secret,
    );
  }
  const initiator: InitiatorSecret = {
    id: plan.initiator,
    kind: 'ed25519',
    secretKey: ed25519.utils.randomSecretKey(),
  };
  if (plan.initiatorKeyFile)
    writeFileSync(
      join(dir, 'initiator.key'),
      JSON.stringify({
        id: initiator.id,
        kind: initiator.kind,
        secretKey: bytesToHex(initiator.secretKey),
      }) + '\n',
      secret,
    );
  manifest = addInitiator(manifest, {
    id: initiator.id,
    ed25519: bytesToHex(ed25519.getPublicKey(initiator.secretKey)),
  });
  writeFileSync(join(dir, 'cluster.json'), json(manifest));
  return {
    dir,
    manifest,
    initiator,
    configure: (nodeId, fields) => writeNodeConfig(dir, nodeId, fields, sealed),
  };
}

/** Writes the config of `nodeId` in a provisioned `dir` and returns its path. */
export function writeNodeConfig(
  dir: string,
  nodeId: string,
  fields: ConfigFields,
  sealed = false,
): string {
  const f = nodeFiles(nodeId, sealed);
  const config = {
    nodeId,
    manifest: 'cluster.json',
    identity: f.identity,
    passphraseFile: f.passphraseFile,
    ...fields,
    storage: fields.storage ?? { driver: 'fs', base: f.data, keyFile: f.storageKey },
    audit: f.audit,
  };
  const path = join(dir, f.config);
  writeFileSync(path, json(config));
  return path;
}

/**
 * nats-server's authorization block for the cluster in `dir`: each node by its identity nkey,
 * the initiators, and an admin whose seed is made once into `nats.admin.nk` (mode 0600; e.g. for
 * `nats --nkey`), as `tessera cluster nats-config` generates it.
 */
export function natsAuthorizationOf(dir: string, manifest: Manifest): string {
  const seedFile = join(dir, 'nats.admin.nk');
  if (!existsSync(seedFile))
    writeFileSync(seedFile, new TextDecoder().decode(nkeys.createUser().getSeed()) + '\n', secret);
  const adminNkey = nkeys
    .fromSeed(new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim()))
    .getPublicKey();
  return natsAuthorization(manifest, { adminNkey });
}
