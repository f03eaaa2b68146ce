/**
 * `tessera simulate`: DKG plus one signing, all parties in this process, no network.
 * @module
 */
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { runEcdsaDkg, runEcdsaSign, runFrostDkg, runFrostSign } from '../protocol/local.ts';
import { hexOption, intListOption, intOption, UsageError } from './args.ts';

export const usage = `usage: tessera simulate [--curve ed25519|secp256k1] [--parties N] [--threshold T] [--signers 1,3]
                         [--message HEX] [--path 0,5] [--json]
  Runs a dealerless key generation among N in-process parties and one signing by the chosen
  signers. --threshold is the minimum number of signers (the "t+1" of threshold schemes).
  ed25519 (FROST, RFC 9591) signs the message bytes; secp256k1 (DKLs23 ECDSA) signs a 32-byte
  digest given as --message, optionally under the BIP32 child key at --path.
  Defaults: --curve ed25519 --parties 3 --threshold 2 --signers 1..T
  --message 68656c6c6f ("hello") for ed25519, 32 bytes of 0x11 for secp256k1.`;

/** Result printed by `simulate --json`. */
export interface SimulateResult {
  curve: 'ed25519' | 'secp256k1';
  publicKey: string;
  signature: string;
  recoveryId?: number;
  signers: number[];
  timingsMs: { keygen: number; sign: number };
}

/** Runs the simulation and returns its result (throws `UsageError` on bad arguments). */
export function simulate(argv: string[]): {
  result: SimulateResult;
  json: boolean;
  parties: number;
  threshold: number;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        curve: { type: 'string', default: 'ed25519' },
        parties: { type: 'string' },
        threshold: { type: 'string' },
        signers: { type: 'string' },
        message: { type: 'string' },
        path: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const v = parsed.values;
  const curve = v.curve;
  if (curve !== 'ed25519' && curve !== 'secp256k1')
    throw new UsageError(`--curve must be ed25519 or secp256k1, got "${curve}"`);
  const parties = intOption('parties', v.parties, 3);
  const threshold = intOption('threshold', v.threshold, 2);
  if (parties < 2 || parties > 255)
    throw new UsageError(`--parties must be between 2 and 255, got ${parties}`);
  if (threshold < 2 || threshold > parties)
    throw new UsageError(
      `--threshold (minimum number of signers) must be between 2 and --parties (${parties}), got ${threshold}`,
    );
  const signers = v.signers
    ? intListOption('signers', v.signers)
    : Array.from({ length: threshold }, (_, i) => i + 1);
  if (new Set(signers).size !== signers.length)
    throw new UsageError('--signers must not repeat a party');
  const outside = signers.find((s) => s < 1 || s > parties);
  if (outside !== undefined)
    throw new UsageError(`--signers: party ${outside} is outside 1..${parties}`);
  if (signers.length < threshold)
    throw new UsageError(
      `--signers: ${signers.length} signer(s) given but the threshold (minimum number of signers) is ${threshold}`,
    );
  const message =
    v.message === undefined
      ? curve === 'ed25519'
        ? new TextEncoder().encode('hello')
        : new Uint8Array(32).fill(0x11)
      : hexOption('message', v.message);
  if (curve === 'secp256k1' && message.length !== 32)
    throw new UsageError(
      `--message must be a 32-byte digest (64 hex characters) for secp256k1, got ${message.length} bytes`,
    );
  const path = v.path ? intListOption('path', v.path) : [];
  if (path.some((c) => c >= 2 ** 31))
    throw new UsageError(
      '--path indexes must be below 2^31 (hardened derivation is impossible for a threshold key)',
    );
  if (curve === 'ed25519' && path.length) throw new UsageError('--path applies to secp256k1 only');
  const sorted = [...signers].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;

  const t0 = performance.now();
  if (curve === 'ed25519') {
    const keys = runFrostDkg({ threshold, parties });
    const t1 = performance.now();
    const signature = runFrostSign({ keys, signers, message });
    const t2 = performance.now();
    const publicKey = keys[0]!.publicKey;
    // Independent check with @noble/curves (RFC 8032 verification), beyond the core's own.
    if (!ed25519.verify(signature, message, publicKey))
      throw new Error('internal error: the signature does not verify');
    return {
      json: v.json!,
      parties,
      threshold,
      result: {
        curve,
        publicKey: bytesToHex(publicKey),
        signature: bytesToHex(signature),
        signers: sorted,
        timingsMs: { keygen: round(t1 - t0), sign: round(t2 - t1) },
      },
    };
  }
  const keys = runEcdsaDkg({
    threshold,
    parties,
    progress: (what) => console.error(`[keygen] ${what}`),
  });
  const t1 = performance.now();
  const sig = runEcdsaSign({ keys, signers, digest: message, derivationPath: path });
  const t2 = performance.now();
  if (!secp256k1.verify(sig.signature, message, sig.publicKey, { prehash: false }))
    throw new Error('internal error: the signature does not verify');
  return {
    json: v.json!,
    parties,
    threshold,
    result: {
      curve,
      publicKey: bytesToHex(sig.publicKey),
      signature: bytesToHex(sig.signature),
      recoveryId: sig.recoveryId,
      signers: sorted,
      timingsMs: { keygen: round(t1 - t0), sign: round(t2 - t1) },
    },
  };
}

/** Human-readable summary. */
export function describe(r: SimulateResult, parties: number, threshold: number): string {
  return [
    `Simulated ${parties} in-process parties on ${r.curve} (${r.curve === 'ed25519' ? 'FROST' : 'DKLs23 ECDSA'}), threshold ${threshold} (minimum signers), no network.`,
    `  public key  ${r.publicKey}`,
    `  signers     ${r.signers.join(', ')}`,
    `  signature   ${r.signature}`,
    `  keygen      ${r.timingsMs.keygen} ms   signing ${r.timingsMs.sign} ms`,
    ...(r.recoveryId !== undefined ? [`  recovery id ${r.recoveryId}`] : []),
    `  verified    yes (@noble/curves ${r.curve})`,
  ].join('\n');
}
