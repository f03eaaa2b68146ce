/** A local cluster for integration tests: identities, manifest, configs (src/node/provision.ts) and node processes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/curves/utils.js';
import { createStorage } from 'unstorage';
import { openPrivateIdentity } from '../../src/node/identity/identity.ts';
import type { Manifest } from '../../src/node/identity/manifest.ts';
import { provisionCluster } from '../../src/node/provision.ts';
import type { OperationRequest } from '../../src/node/requests/requests.ts';
import { atomicFs } from '../../src/node/storage/fs-atomic.ts';
import { EncryptedStore } from '../../src/node/storage/storage.ts';
import {
  spawnNode,
  type NodeProcess as RuntimeNodeProcess,
} from '../../src/runtime/node-process.ts';
import { cliArgv as cliArgvOf, ROOT, type Runtime } from '../../src/runtime/runtimes.ts';
import type { makeCerts } from './nats.ts';

/** A request before the fields every submission fills in. */
export type Draft = OperationRequest extends infer T
  ? T extends unknown
    ? Omit<T, 'requestId' | 'initiator' | 'timestamp'>
    : never
  : never;

let counter = 0;
/** Completes a draft request as the test initiator `ops` would (optionally with clock skew). */
export function request(r: Draft, skewMs = 0): OperationRequest {
  return {
    ...r,
    requestId: `t-${Date.now()}-${counter++}`,
    initiator: 'ops',
    timestamp: Date.now() + skewMs,
  } as OperationRequest;
}

/**
 * Makes cluster `it` in `dir` (identities sealed under passphrase files, as a service reads them;
 * initiator `ops`) and one config per node.
 */
export async function makeCluster(
  dir: string,
  nodes: string[],
  natsUrl: string,
  certs?: ReturnType<typeof makeCerts>,
  opts: {
    apiPorts?: number[];
    timeouts?: { roundMs: number; sessionMs: number };
    operationTimeoutMs?: number;
    promotionSweepMs?: number;
    presign?: { pool?: number; budget?: number; concurrency?: number };
  } = {},
): Promise<{ manifest: Manifest; initiator: Uint8Array; configs: string[] }> {
  const cluster = await provisionCluster(dir, {
    cluster: 'it',
    nodes,
    initiator: 'ops',
    sealed: { logN: 10 },
  });
  const configs = nodes.map((nodeId, i) =>
    cluster.configure(nodeId, {
      nats: {
        servers: [natsUrl],
        tls: certs
          ? { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey }
          : undefined,
        nkeySeedFile: certs?.nkeySeed,
      },
      timeouts: opts.timeouts ?? { roundMs: 8000, sessionMs: 60000 },
      production: Boolean(certs),
      ...(opts.promotionSweepMs ? { promotionSweepMs: opts.promotionSweepMs } : {}),
      ...(opts.presign ? { presign: opts.presign } : {}),
      ...(opts.apiPorts
        ? {
            api: {
              host: '127.0.0.1',
              port: opts.apiPorts[i],
              operationTimeoutMs: opts.operationTimeoutMs ?? 30_000,
              bodyTimeoutMs: 2_000,
            },
          }
        : {}),
    }),
  );
  return { manifest: cluster.manifest, initiator: cluster.initiator.secretKey, configs };
}

/** Every line any node process printed (stdout and stderr), for the secrets scan. */
export const allNodeOutput: string[] = [];

/** A node process and its JSON log lines. */
export interface NodeProcess extends RuntimeNodeProcess {
  logs: Record<string, unknown>[];
}

/** The command line that runs the CLI under a runtime (default Node, whichever runtime runs the suite). */
export const cliArgv = (runtime: Runtime = 'node'): string[] => cliArgvOf(runtime);

/** Starts `tessera node start --config <path>` (under Node unless `runtime`) and waits for its node_started log. */
export async function startNode(
  config: string,
  wrap: string[] = [],
  runtime: Runtime = 'node',
): Promise<NodeProcess> {
  const logs: Record<string, unknown>[] = [];
  const onLine = (line: string) => {
    allNodeOutput.push(line);
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* not a log line */
    }
  };
  const node = spawnNode(config, {
    runtime,
    wrap,
    cwd: ROOT,
    onLine,
    onStderr: (text) => void allNodeOutput.push(text),
  });
  await node.started(30_000);
  return { ...node, logs };
}

/**
 * Fails if any node's log text holds a secret: its storage key, identity keys or passphrase, or
 * any key share stored for `keyIds` (read back from its encrypted store with its key).
 */
export async function assertNoSecrets(
  dir: string,
  nodes: string[],
  logText: string,
  keyIds: string[],
): Promise<void> {
  const text = logText.toLowerCase();
  const hits: string[] = [];
  const check = (what: string, secretHex: string) => {
    const b64 = Buffer.from(secretHex, 'hex').toString('base64').toLowerCase();
    if (text.includes(secretHex.toLowerCase()) || text.includes(b64)) hits.push(what);
  };
  for (const id of nodes) {
    const storageKey = readFileSync(join(dir, `${id}.storage.key`), 'utf8').trim();
    check(`${id} storage key`, storageKey);
    const passphrase = readFileSync(join(dir, `${id}.pass`), 'utf8');
    if (text.includes(passphrase.toLowerCase())) hits.push(`${id} passphrase`);
    const identity = await openPrivateIdentity(
      new Uint8Array(readFileSync(join(dir, `${id}.key.age`))),
      passphrase,
    );
    check(`${id} ed25519 identity key`, bytesToHex(identity.ed25519Secret));
    check(`${id} x25519 identity key`, bytesToHex(identity.x25519Secret));
    const store = await EncryptedStore.open(
      createStorage({ driver: atomicFs({ base: join(dir, 'data', id) }) }),
      Uint8Array.from(Buffer.from(storageKey, 'hex')),
    );
    // Share scalars sit at fixed offsets of the postcard blobs: FROST after 5 header bytes,
    // DKLs23 after 5 header bytes and the 32-byte epoch.
    for (const keyId of keyIds) {
      for (const [curve, offset] of [
        ['ed25519', 5],
        ['secp256k1', 37],
      ] as const) {
        for (const v of await store.versions(`share:${keyId}:${curve}`)) {
          const blob = await store.get(`share:${keyId}:${curve}`, v);
          if (blob)
            check(
              `${id} ${keyId}/${curve} share v${v}`,
              bytesToHex(blob.slice(offset, offset + 32)),
            );
        }
      }
    }
    await store.close();
  }
  if (hits.length) throw new Error(`secrets found in node output: ${hits.join(', ')}`);
}
