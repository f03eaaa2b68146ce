/**
 * `tessera request keygen|sign`: submits a signed operation request to a cluster over NATS and
 * prints the nodes' attested results (each attestation verified against the manifest).
 * @module
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { needsApprovals } from '../auth/signed-http.ts';
import { submit } from '../client/nats.ts';
import { validateManifest } from '../node/identity/manifest.ts';
import type { Curve, OperationRequest } from '../node/requests/requests.ts';
import { connectNats } from '../node/transport/transport.ts';
import { loadInitiator } from './api.ts';
import { intListOption, UsageError } from './args.ts';

export const usage = `usage: tessera request keygen --key-id ID [--threshold T] [--parties a,b,c] [--curves secp256k1,ed25519]
       tessera request sign --key-id ID --curve C --message HEX [--signers a,b] [--path 0,5]
       tessera request refresh --key-id ID [--parties a,b,c]
  common: --manifest cluster.json --initiator-key ops.initiator.key [--initiator ops]
          [--approver-key alice.key ...] (an authorizer's approval, for the manifest's m-of-k policy)
          --nats URL [--nkey-seed FILE] [--ca ca.pem --cert client.pem --key client.key] [--json]
  --threshold is the minimum number of signers; secp256k1 --message is a 32-byte digest.`;

/** Runs `tessera request …`. */
export async function request(argv: string[]): Promise<number> {
  const [op, ...rest] = argv;
  if (op !== 'keygen' && op !== 'sign' && op !== 'refresh') throw new UsageError(usage);
  let v;
  try {
    v = parseArgs({
      args: rest,
      strict: true,
      options: {
        manifest: { type: 'string', default: 'cluster.json' },
        'initiator-key': { type: 'string' },
        'approver-key': { type: 'string', multiple: true },
        initiator: { type: 'string', default: 'ops' },
        nats: { type: 'string', default: process.env.TESSERA_NATS_URL ?? 'nats://127.0.0.1:4222' },
        ca: { type: 'string' },
        'nkey-seed': { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'key-id': { type: 'string' },
        threshold: { type: 'string' },
        parties: { type: 'string' },
        curves: { type: 'string', default: 'secp256k1,ed25519' },
        curve: { type: 'string' },
        message: { type: 'string' },
        signers: { type: 'string' },
        path: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  if (!v['initiator-key']) throw new UsageError('--initiator-key is required');
  if (!v['key-id']) throw new UsageError('--key-id is required');
  const manifest = validateManifest(JSON.parse(readFileSync(v.manifest!, 'utf8')));
  const initiator = loadInitiator(v['initiator-key'], v.initiator);
  const approvers = (v['approver-key'] ?? []).map((path) => loadInitiator(path));
  const base = {
    requestId: `req-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    initiator: initiator.id,
    timestamp: Date.now(),
    keyId: v['key-id'],
  };
  let req: OperationRequest;
  let expect: string[];
  if (op === 'keygen') {
    const parties = v.parties ? v.parties.split(',') : manifest.nodes.map((n) => n.nodeId);
    const threshold = v.threshold ? Number(v.threshold) : 2;
    req = { ...base, op, threshold, parties, curves: v.curves!.split(',') as Curve[] };
    expect = parties;
  } else if (op === 'refresh') {
    req = { ...base, op };
    expect = v.parties ? v.parties.split(',') : manifest.nodes.map((n) => n.nodeId);
  } else {
    if (!v.curve || !v.message) throw new UsageError('sign needs --curve and --message');
    const signers = v.signers ? v.signers.split(',') : [];
    if (!signers.length)
      throw new UsageError('sign needs --signers (node ids, at least the threshold)');
    req = {
      ...base,
      op,
      curve: v.curve as Curve,
      message: v.message.toLowerCase(),
      signers,
      ...(v.path ? { derivationPath: intListOption('path', v.path) } : {}),
    };
    expect = signers;
  }
  // Nodes drop a request short of approvals without a result: say so now instead of timing out.
  const policy = manifest.approvals;
  if (needsApprovals(policy, op) && approvers.length < policy.required)
    throw new UsageError(
      `${op} needs ${policy.required} authorizer approval(s) under the manifest's policy; pass --approver-key for each (${approvers.length} given)`,
    );
  // An authorized server knows an Ed25519 initiator by the nkey of its key (tessera cluster nats-config), or by --nkey-seed.
  const nc = await connectNats({
    servers: [v.nats!],
    tls: v.ca ? { caFile: v.ca, certFile: v.cert, keyFile: v.key } : undefined,
    ...(v['nkey-seed']
      ? { nkeySeedFile: v['nkey-seed'] }
      : initiator.kind === 'ed25519'
        ? { identitySecret: initiator.secretKey }
        : {}),
  });
  process.stderr.write(`[request] ${op} ${req.requestId}: waiting for ${expect.join(', ')}\n`);
  try {
    const results = await submit(nc, manifest, req, initiator, expect, 120_000, approvers);
    if (v.json) console.log(JSON.stringify(results));
    else
      for (const r of results)
        console.log(
          `${r.nodeId}: ${r.ok ? 'ok' : 'FAILED'} (attestation verified) ${JSON.stringify(r.ok ? r.result : r.error)}`,
        );
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await nc.drain();
  }
}
