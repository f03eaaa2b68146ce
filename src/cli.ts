#!/usr/bin/env node
/**
 * The `tessera` command line. Runs unchanged under `npx tsx`, `bun` and `deno run -A`.
 * @module
 */
import process from 'node:process';
import { UsageError } from './cli/args.ts';
import {
  auditVerify,
  cluster,
  identityGenerate,
  initiatorGenerate,
  nodeStart,
} from './cli/node.ts';
import { request } from './cli/request.ts';
import { apiCommand } from './cli/api.ts';
import { backup, restore } from './cli/backup.ts';
import { dev } from './cli/dev.ts';
import { benchCommand } from './cli/bench.ts';
import { describe, simulate, usage as simulateUsage } from './cli/simulate.ts';

const usage = `usage: tessera <command> [options]

commands:
  dev                 a local 3-node cluster with the HTTP API on 127.0.0.1:8080 (what npm start runs)
  keygen              create a key: --threshold T (the minimum number of signers) [--parties a,b,c]
  sign                sign: --key ID --curve secp256k1|ed25519 --message HEX [--path 0,5] [--signers a,b]
  reshare             move a key to new parties/threshold: --key ID --threshold T --parties a,b,c,d
  refresh             refresh every share of a key: --key ID
  keys get            a key's public record: --key ID
  backup | restore    age-encrypted node backups (stop the node first)
  bench               latency, throughput, bytes and memory of a real cluster (--runtime all)
  simulate            run key generation and one signing in-process (no network)
  node start          run a node: --config node0.yaml
  identity generate   create a node identity: --node node0 [--encrypt] [--out dir]
  initiator generate  create an initiator key: --id ops [--out dir]
  cluster init|add|add-initiator   build the cluster manifest
  cluster nats-config print nats-server's authorization block for the manifest (least privilege per node)
  audit verify        check a node's hash-chained audit log: --file node0.audit.jsonl
  request keygen|sign submit a signed request to a cluster over NATS directly (no HTTP)

Run "tessera <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return command ? 0 : 2;
  }
  if (command === 'simulate') {
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(simulateUsage);
      return 0;
    }
    const { result, json, parties, threshold } = simulate(rest);
    console.log(json ? JSON.stringify(result) : describe(result, parties, threshold));
    return 0;
  }
  const sub = rest[0];
  if (['keygen', 'sign', 'reshare', 'refresh', 'keys'].includes(command))
    return apiCommand(command, rest);
  if (command === 'dev') return dev(rest);
  if (command === 'bench') return benchCommand(rest);
  if (command === 'backup') return backup(rest);
  if (command === 'restore') return restore(rest);
  if (command === 'node' && sub === 'start') return nodeStart(rest.slice(1));
  if (command === 'identity' && sub === 'generate') return identityGenerate(rest.slice(1));
  if (command === 'initiator' && sub === 'generate') return initiatorGenerate(rest.slice(1));
  if (command === 'cluster') return cluster(rest);
  if (command === 'audit') return auditVerify(rest);
  if (command === 'request') return request(rest);
  throw new UsageError(
    `unknown command "${[command, sub].filter(Boolean).join(' ')}" (try "tessera --help")`,
  );
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`tessera: ${err.message}`);
    process.exitCode = 2;
  } else {
    const e = err as { name?: string; code?: string; message?: string };
    console.error(
      `tessera: ${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}`,
    );
    process.exitCode = 1;
  }
}
