/**
 * `tessera simulate`: DKG plus one signing, all parties in this process, no network.
 * @module
 */
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { runFrostDkg, runFrostSign } from '../protocol/local.ts';
import { hexOption, intListOption, intOption, UsageError } from './args.ts';

export const usage = `usage: tessera simulate [--curve ed25519] [--parties N] [--threshold T] [--signers 1,3] [--message HEX] [--json]
  Runs a dealerless key generation among N in-process parties and one signing by the chosen
  signers. --threshold is the minimum number of signers (the "t+1" of threshold schemes).
  Defaults: --parties 3 --threshold 2 --signers 1..T --message 68656c6c6f ("hello").`;

/** Result printed by `simulate --json`. */
export interface SimulateResult {
  curve: 'ed25519';
  publicKey: string;
  signature: string;
  signers: number[];
  timingsMs: { keygen: number; sign: number };
}

/** Runs the simulation and returns its result (throws `UsageError` on bad arguments). */
export function simulate(argv: string[]): { result: SimulateResult; json: boolean; parties: number; threshold: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        curve: { type: 'string', default: 'ed25519' },
        parties: { type: 'string' },
        threshold: { type: 'string' },
        signers: { type: 'string' },
        message: { type: 'string', default: '68656c6c6f' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const v = parsed.values;
  if (v.curve === 'secp256k1') throw new UsageError('--curve secp256k1 (threshold ECDSA) is not available yet; use --curve ed25519');
  if (v.curve !== 'ed25519') throw new UsageError(`--curve must be ed25519, got "${v.curve}"`);
  const parties = intOption('parties', v.parties, 3);
  const threshold = intOption('threshold', v.threshold, 2);
  if (parties < 2 || parties > 255) throw new UsageError(`--parties must be between 2 and 255, got ${parties}`);
  if (threshold < 2 || threshold > parties) throw new UsageError(`--threshold (minimum number of signers) must be between 2 and --parties (${parties}), got ${threshold}`);
  const signers = v.signers ? intListOption('signers', v.signers) : Array.from({ length: threshold }, (_, i) => i + 1);
  if (new Set(signers).size !== signers.length) throw new UsageError('--signers must not repeat a party');
  const outside = signers.find((s) => s < 1 || s > parties);
  if (outside !== undefined) throw new UsageError(`--signers: party ${outside} is outside 1..${parties}`);
  if (signers.length < threshold) throw new UsageError(`--signers: ${signers.length} signer(s) given but the threshold (minimum number of signers) is ${threshold}`);
  const message = hexOption('message', v.message!);

  const t0 = performance.now();
  const keys = runFrostDkg({ threshold, parties });
  const t1 = performance.now();
  const signature = runFrostSign({ keys, signers, message });
  const t2 = performance.now();
  const publicKey = keys[0]!.publicKey;
  // Independent check with @noble/curves (RFC 8032 verification), beyond the core's own.
  if (!ed25519.verify(signature, message, publicKey)) throw new Error('internal error: the signature does not verify');
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    json: v.json!,
    parties,
    threshold,
    result: {
      curve: 'ed25519',
      publicKey: bytesToHex(publicKey),
      signature: bytesToHex(signature),
      signers: [...signers].sort((a, b) => a - b),
      timingsMs: { keygen: round(t1 - t0), sign: round(t2 - t1) },
    },
  };
}

/** Human-readable summary. */
export function describe(r: SimulateResult, parties: number, threshold: number): string {
  return [
    `Simulated ${parties} in-process parties on ${r.curve}, threshold ${threshold} (minimum signers), no network.`,
    `  public key  ${r.publicKey}`,
    `  signers     ${r.signers.join(', ')}`,
    `  signature   ${r.signature}`,
    `  keygen      ${r.timingsMs.keygen} ms   signing ${r.timingsMs.sign} ms`,
    `  verified    yes (@noble/curves ed25519)`,
  ].join('\n');
}
