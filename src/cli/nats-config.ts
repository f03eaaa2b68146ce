/**
 * `tessera cluster nats-config --manifest cluster.json [--admin-nkey U…] [--initiator-nkey U…]`:
 * prints nats-server's `authorization {}` block for the cluster (see src/node/transport/nats-auth.ts).
 * @module
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { validateManifest } from '../node/identity/manifest.ts';
import { natsAuthorization } from '../node/transport/nats-auth.ts';
import { options, UsageError } from './args.ts';

export const usage = `usage: tessera cluster nats-config [--manifest cluster.json] [--admin-nkey U…] [--initiator-nkey U… ...] [--node-nkey node0=U… ...]
  Prints nats-server's authorization block: each node as the nkey of its identity key (or the
  --node-nkey given for it, when it connects with nats.nkeySeedFile), each
  Ed25519 initiator of the manifest (and each --initiator-nkey) allowed only to publish requests
  and read results, and the admin (nsc or "nk -gen user") the only user that may delete, purge or
  update streams and consumers. Include it in nats-server.conf; anonymous clients are refused.`;

/** Runs `tessera cluster nats-config`. */
export function natsConfig(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const v = options(argv, {
    manifest: { type: 'string', default: 'cluster.json' },
    'admin-nkey': { type: 'string' },
    'initiator-nkey': { type: 'string', multiple: true },
    'node-nkey': { type: 'string', multiple: true },
  });
  const nodeNkeys: Record<string, string> = {};
  for (const pair of (v['node-nkey'] as string[] | undefined) ?? []) {
    const [id, key, ...more] = pair.split('=');
    if (!id || !key || more.length)
      throw new UsageError(`--node-nkey takes node=U…, got "${pair.slice(0, 80)}"`);
    nodeNkeys[id] = key;
  }
  const path = v.manifest as string;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`no readable cluster manifest at ${path} (pass --manifest)`);
  }
  const manifest = validateManifest(JSON.parse(text));
  try {
    process.stdout.write(
      natsAuthorization(manifest, {
        adminNkey: v['admin-nkey'] as string | undefined,
        initiatorNkeys: v['initiator-nkey'] as string[] | undefined,
        nodeNkeys,
      }),
    );
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  return 0;
}
