/**
 * `tessera keygen | sign | reshare | refresh | keys get | keys promote`: the control API from the command line,
 * over the typed client. Human output by default, `--json` for scripts; progress on stderr.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { hexToBytes } from '@noble/curves/utils.js';
import type { InitiatorSecret } from '../auth/signed-http.ts';
import {
  TesseraApiError,
  TesseraClient,
  VerificationError,
  type KeyInfo,
  type PromotionReport,
  type SignatureResult,
} from '../client/http.ts';
import { validateManifest, type Manifest } from '../node/identity/manifest.ts';
import type { Curve } from '../node/requests/requests.ts';
import { intListOption, UsageError } from './args.ts';

/** Where the development cluster (`npm start`) keeps its files. */
export const DEV_DIR = '.tessera/dev';

export const usage = `usage: tessera keygen --threshold T [--parties a,b,c] [--curves secp256k1,ed25519]
       tessera sign --key ID --curve secp256k1|ed25519 --message HEX [--path 0,5] [--signers a,b]
       tessera reshare --key ID --threshold T --parties a,b,c,d
       tessera refresh --key ID
       tessera keys get --key ID
       tessera keys promote --key ID   (re-drive a pending promotion now; shows who it waits for)
  common: [--url http://127.0.0.1:8080] [--initiator-key FILE] [--initiator ID] [--manifest cluster.json]
          [--idempotency-key K] [--json]
  --threshold is the minimum number of signers (t+1). A secp256k1 --message is exactly a 32-byte digest.
  Defaults come from TESSERA_URL, TESSERA_INITIATOR_KEY, TESSERA_MANIFEST, else the local dev cluster (${DEV_DIR}).`;

/** Reads an initiator key file: JSON {id, kind, secretKey} or a bare Ed25519 secret in hex. */
export function loadInitiator(path: string, id?: string): InitiatorSecret {
  const text = readFileSync(path, 'utf8').trim();
  if (text.startsWith('{')) {
    const j = JSON.parse(text) as { id: string; kind?: 'ed25519' | 'p256'; secretKey: string };
    return { id: id ?? j.id, kind: j.kind ?? 'ed25519', secretKey: hexToBytes(j.secretKey) };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`${path} is not an initiator key`);
  return {
    id: id ?? basename(path).replace(/\.initiator\.key$|\.key$/, ''),
    kind: 'ed25519',
    secretKey: hexToBytes(text),
  };
}

function progress(label: string, json: boolean): () => void {
  const t0 = Date.now();
  if (json || !process.stderr.isTTY) {
    if (!json) process.stderr.write(`${label}…\n`);
    return () => undefined;
  }
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const t = setInterval(
    () =>
      process.stderr.write(
        `\r${frames[i++ % frames.length]} ${label} ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      ),
    100,
  );
  return () => {
    clearInterval(t);
    process.stderr.write(`\r✓ ${label} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };
}

function describeKey(k: KeyInfo): string {
  const lines = [
    `key        ${k.keyId}`,
    `threshold  ${k.threshold} of ${k.parties.length} (minimum number of signers)`,
    `parties    ${k.parties.join(', ')}`,
  ];
  for (const [c, pk] of Object.entries(k.publicKeys)) lines.push(`${c.padEnd(10)} ${pk}`);
  if (k.chainCode) lines.push(`chain code ${k.chainCode}`);
  // The client returns a record only once every party's attestation of exactly these fields verified.
  lines.push(
    `verified   key id, threshold, parties, public keys${k.chainCode ? ', chain code' : ''}: attested by ${k.attestations.map((a) => a.nodeId).join(', ')} (request ${k.epoch ?? k.requestId})`,
  );
  return lines.join('\n');
}

function describeSignature(s: SignatureResult): string {
  const under = s.derivationPath?.length
    ? `the public key derived at ${s.derivationPath.join('/')} from the attested key`
    : "the key's attested public key";
  return [
    `signature  ${s.signature}`,
    ...(s.recoveryId !== undefined ? [`recoveryId ${s.recoveryId}`] : []),
    `public key ${s.publicKey}`,
    `signers    ${s.signers.join(', ')}`,
    `verified   signature under ${under} (@noble); attested by every signer (${s.attestations.map((a) => a.nodeId).join(', ')})`,
  ].join('\n');
}

/** A node's own text as a terminal may show it (no control characters, bounded). */
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

function describePromotion(p: PromotionReport): string {
  const lines = [`key        ${p.keyId}`];
  for (const n of p.nodes) {
    if ('error' in n)
      lines.push(
        `${n.nodeId.padEnd(10)} failed: ${printable(n.error.code)} ${printable(n.error.message)}`,
      );
    else if (n.pending)
      lines.push(
        `${n.nodeId.padEnd(10)} pending ${printable(n.pending.requestId)}: ${n.pending.waitingFor.length ? `waiting for ${printable(n.pending.waitingFor.join(', '))}` : 'every party confirmed'}`,
      );
    else
      lines.push(
        `${n.nodeId.padEnd(10)} active at ${printable(n.epoch ?? '?')}${n.behind.length ? `; not yet stated by ${printable(n.behind.join(', '))}` : ''}`,
      );
  }
  if (p.unanswered.length) lines.push(`no answer ${p.unanswered.join(', ')} (down or unreachable)`);
  lines.push(`verified   each line is that node's own attestation of request ${p.requestId}`);
  return lines.join('\n');
}

/** The cluster manifest the client verifies against; refused (naming the path and where it came from) unless readable and valid. */
export function readManifest(path: string, from: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(
      `no readable cluster manifest at ${path} (${from}); answers cannot be verified without it, so nothing was sent`,
    );
  }
  try {
    return validateManifest(JSON.parse(text));
  } catch (e) {
    throw new UsageError(
      `${path} (${from}) is not a valid cluster manifest: ${(e as Error).message.slice(0, 200)}`,
    );
  }
}

/** Runs one API command. */
export async function apiCommand(command: string, argv: string[]): Promise<number> {
  const sub = command === 'keys' ? argv[0] : undefined;
  const args = command === 'keys' ? argv.slice(sub === 'get' || sub === 'promote' ? 1 : 0) : argv;
  if (
    command === 'keys' &&
    sub !== 'get' &&
    sub !== 'promote' &&
    !argv.includes('--help') &&
    !argv.includes('-h')
  )
    throw new UsageError(usage);
  let v;
  try {
    v = parseArgs({
      args,
      strict: true,
      options: {
        url: { type: 'string', default: process.env.TESSERA_URL ?? 'http://127.0.0.1:8080' },
        'initiator-key': {
          type: 'string',
          default: process.env.TESSERA_INITIATOR_KEY ?? `${DEV_DIR}/initiator.key`,
        },
        initiator: { type: 'string' },
        manifest: { type: 'string' },
        'idempotency-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        key: { type: 'string' },
        threshold: { type: 'string' },
        parties: { type: 'string' },
        curves: { type: 'string' },
        curve: { type: 'string' },
        message: { type: 'string' },
        path: { type: 'string' },
        signers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  if (v.help) {
    console.log(usage);
    return 0;
  }
  if (!existsSync(v['initiator-key']!))
    throw new UsageError(
      `no initiator key at ${v['initiator-key']} (start the dev cluster with "npm start", or pass --initiator-key)`,
    );
  const [manifestPath, from] =
    v.manifest !== undefined
      ? [v.manifest, '--manifest']
      : process.env.TESSERA_MANIFEST
        ? [process.env.TESSERA_MANIFEST, 'TESSERA_MANIFEST']
        : [
            `${DEV_DIR}/cluster.json`,
            'the dev cluster default; pass --manifest or set TESSERA_MANIFEST',
          ];
  const manifest = readManifest(manifestPath, from);
  const client = new TesseraClient({
    url: v.url!,
    initiator: loadInitiator(v['initiator-key']!, v.initiator),
    manifest,
  });
  const call = v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {};
  const list = (s?: string) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const needKey = () => {
    if (!v.key) throw new UsageError('--key is required');
    return v.key;
  };
  const threshold = () => {
    if (!v.threshold || !/^\d+$/.test(v.threshold))
      throw new UsageError('--threshold (the minimum number of signers) is required');
    return Number(v.threshold);
  };
  const done = progress(
    sub === 'promote'
      ? 're-driving the promotion'
      : command === 'keys'
        ? 'reading key'
        : `${command} running`,
    v.json!,
  );
  let out: KeyInfo | SignatureResult | PromotionReport;
  try {
    if (command === 'keygen')
      out = await client.createKey(
        {
          threshold: threshold(),
          ...(v.parties ? { parties: list(v.parties) } : {}),
          ...(v.curves ? { curves: list(v.curves) as Curve[] } : {}),
        },
        call,
      );
    else if (command === 'sign') {
      if (!v.curve || v.message === undefined)
        throw new UsageError('sign needs --curve and --message');
      const message = v.message.startsWith('0x') ? v.message.slice(2) : v.message;
      out = await client.sign(
        needKey(),
        {
          curve: v.curve as Curve,
          message,
          ...(v.path ? { derivationPath: intListOption('path', v.path) } : {}),
          ...(v.signers ? { signers: list(v.signers) } : {}),
        },
        call,
      );
    } else if (command === 'reshare')
      out = await client.reshare(
        needKey(),
        { threshold: threshold(), parties: list(v.parties) ?? [] },
        call,
      );
    else if (command === 'refresh') out = await client.refresh(needKey(), call);
    else if (sub === 'promote') out = await client.promote(needKey(), call);
    else out = await client.getKey(needKey());
  } catch (e) {
    done();
    if (e instanceof TesseraApiError) {
      if (v.json)
        console.log(
          JSON.stringify({
            error: { status: e.status, code: e.code, message: e.message, culprits: e.culprits },
          }),
        );
      else
        console.error(
          `tessera: ${command} failed: HTTP ${e.status} ${e.code}: ${e.message}${e.culprits.length ? ` (culprits: ${e.culprits.join(', ')})` : ''}`,
        );
      return 1;
    }
    if (e instanceof VerificationError) {
      if (v.json)
        console.log(JSON.stringify({ error: { code: 'VERIFICATION_FAILED', message: e.message } }));
      else
        console.error(`tessera: ${command} REFUSED, the answer failed verification: ${e.message}`);
      return 1;
    }
    throw e;
  }
  done();
  console.log(
    v.json
      ? JSON.stringify(out)
      : 'unanswered' in out
        ? describePromotion(out)
        : 'signature' in out
          ? describeSignature(out)
          : describeKey(out),
  );
  return 0;
}
