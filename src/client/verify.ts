/**
 * What the client checks before it believes an answer: each node's attestation against the
 * manifest, that exactly the expected committee attested this client's request, and that what
 * they attested is what was asked and what the API answered. Signatures are re-verified with
 * @noble (independently of the wasm core), under a public key the nodes attested.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { recordOf, verifyStatement, type KeyStatement } from '../node/cluster/key-record.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import type { ClusterKey } from '../node/operations/keys.ts';
import {
  canonical,
  signersOf,
  verifyAttestation,
  type Curve,
  type NodeResult,
} from '../node/requests/requests.ts';

/** An answer that failed verification; the message names the check and the node. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

/** A key record its parties vouch for (attested results or signed statements); `epoch` is the request that made its current shares. */
export type VerifiedKey = Omit<ClusterKey, 'epoch' | 'previousEpoch'> & { epoch: string };

const fail = (message: string): never => {
  throw new VerificationError(message);
};
const show = (v: unknown) => (v === undefined ? 'nothing' : canonical(v).slice(0, 140));
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && canonical([...a].sort()) === canonical([...b].sort());

/**
 * The results of `committee`'s attestations for `requestId`: exactly one genuine, successful
 * attestation from each member and from no one else.
 */
export function attestedResults(
  manifest: Manifest,
  attestations: unknown,
  requestId: string,
  committee: readonly string[],
  what: string,
  whose = "this client's request",
): Map<string, Record<string, unknown>> {
  if (!Array.isArray(attestations)) fail(`${what}: the answer carries no attestation list`);
  const out = new Map<string, Record<string, unknown>>();
  for (const a of attestations as NodeResult[]) {
    const node =
      a && typeof a === 'object' && typeof a.nodeId === 'string'
        ? a.nodeId.slice(0, 64)
        : undefined;
    if (!node) fail(`${what}: an attestation names no node`);
    if (!committee.includes(node!))
      fail(
        `${what}: attestation from ${node}, which is not in the committee (${committee.join(', ')})`,
      );
    if (out.has(node!)) fail(`${what}: two attestations from ${node}`);
    if (!verifyAttestation(manifest, a))
      fail(`${what}: the attestation by ${node} does not verify under its key in the manifest`);
    if (a.requestId !== requestId)
      fail(
        `${what}: ${node} attested request ${String(a.requestId).slice(0, 64)}, not ${whose} ${requestId}`,
      );
    if (!a.ok) fail(`${what}: ${node} attested a failure (${String(a.error?.code).slice(0, 40)})`);
    if (!a.result || typeof a.result !== 'object') fail(`${what}: ${node} attested no result`);
    out.set(node!, a.result!);
  }
  const missing = committee.filter((p) => !out.has(p));
  if (missing.length)
    fail(
      `${what}: no attestation from ${missing.join(', ')} (every one of ${committee.join(', ')} must attest)`,
    );
  return out;
}

/** Fails unless `got` (what `who` attested or answered as `field`) equals `want`. */
function expectSame(what: string, who: string, field: string, got: unknown, want: unknown): void {
  if (canonical(got) !== canonical(want))
    fail(`${what}: ${who} says ${field} is ${show(got)}, expected ${show(want)}`);
}

/** The one value every attestation gives for `field`. */
function agreed(
  what: string,
  results: Map<string, Record<string, unknown>>,
  field: string,
): unknown {
  const [first, r0] = [...results.entries()][0]!;
  const value = r0[field];
  for (const [node, r] of results)
    if (canonical(r[field]) !== canonical(value))
      fail(
        `${what}: ${node} attested ${field} ${show(r[field])} but ${first} attested ${show(value)}`,
      );
  return value;
}

function wellFormedKeys(
  what: string,
  publicKeys: unknown,
  curves: readonly Curve[],
  chainCode: unknown,
): Partial<Record<Curve, string>> {
  if (!publicKeys || typeof publicKeys !== 'object')
    fail(`${what}: the attested public keys are missing`);
  const pk = publicKeys as Record<string, unknown>;
  if (!sameSet(Object.keys(pk), curves))
    fail(
      `${what}: the attested public keys are for ${Object.keys(pk).join(', ') || 'no curve'}, expected ${curves.join(', ')}`,
    );
  try {
    if (curves.includes('secp256k1'))
      secp256k1.Point.fromHex(pk.secp256k1 as string).assertValidity();
    if (curves.includes('ed25519')) ed25519.Point.fromHex(pk.ed25519 as string).assertValidity();
  } catch {
    fail(`${what}: an attested public key is not a valid point`);
  }
  if (
    curves.includes('secp256k1') !==
    (typeof chainCode === 'string' && /^[0-9a-f]{64}$/.test(chainCode))
  )
    fail(`${what}: the chain code must be 32 bytes of hex exactly when the key has secp256k1`);
  return pk as Partial<Record<Curve, string>>;
}

/**
 * Verifies a key's attested results (keygen, refresh, reshare or a key record's epoch): every
 * member of `committee` attested `requestId` with the expected key id, threshold and parties, and
 * all agree on public keys and chain code (equal to `known` when given). Returns the verified key.
 */
export function verifyKeyResults(
  manifest: Manifest,
  attestations: unknown,
  requestId: string,
  committee: readonly string[],
  expect: {
    keyId: string;
    threshold: number;
    parties: string[];
    curves: Curve[];
    known?: Pick<VerifiedKey, 'publicKeys' | 'chainCode'>;
  },
  what: string,
  whose?: string,
): VerifiedKey {
  const results = attestedResults(manifest, attestations, requestId, committee, what, whose);
  for (const [node, r] of results) {
    expectSame(what, node, 'keyId', r.keyId, expect.keyId);
    expectSame(what, node, 'threshold', r.threshold, expect.threshold);
    expectSame(what, node, 'parties', r.parties, expect.parties);
    // Keygen results carry no curve list (their public keys do); refresh and reshare results do.
    if (
      r.curves !== undefined &&
      (!Array.isArray(r.curves) || !sameSet(r.curves as string[], expect.curves))
    )
      fail(
        `${what}: ${node} attested curves ${show(r.curves)}, expected ${expect.curves.join(', ')}`,
      );
  }
  const chainCode = agreed(what, results, 'chainCode');
  const publicKeys = wellFormedKeys(
    what,
    agreed(what, results, 'publicKeys'),
    expect.curves,
    chainCode,
  );
  if (expect.known) {
    expectSame(what, 'every party', 'publicKeys', publicKeys, expect.known.publicKeys);
    expectSame(what, 'every party', 'chainCode', chainCode, expect.known.chainCode);
  }
  return {
    keyId: expect.keyId,
    threshold: expect.threshold,
    parties: [...expect.parties],
    curves: [...expect.curves],
    publicKeys,
    ...(chainCode ? { chainCode: chainCode as string } : {}),
    epoch: requestId,
  };
}

/**
 * Verifies a key record by its parties' signed statements (they sign the record when they
 * activate a version; kept as long as the key): at least `threshold` distinct parties of the
 * record stated exactly the record the API answered. Returns the verified key.
 */
export function verifyKeyStatements(
  manifest: Manifest,
  answer: Record<string, unknown>,
  what: string,
): VerifiedKey {
  const statements = answer.statements;
  if (!Array.isArray(statements) || !statements.length)
    fail(`${what}: the answer carries no key statements`);
  const record = recordOf(answer as unknown as ClusterKey);
  const signers = new Set<string>();
  for (const st of statements as KeyStatement[]) {
    const node = String(st?.nodeId).slice(0, 64);
    if (!verifyStatement(manifest, record.keyId, st))
      fail(`${what}: the statement attributed to ${node} does not verify`);
    if (canonical(recordOf(st)) !== canonical(record))
      fail(`${what}: ${node} stated ${show(recordOf(st))}, the API answered ${show(record)}`);
    if (record.parties.includes(st.nodeId)) signers.add(st.nodeId);
  }
  if (!Number.isSafeInteger(record.threshold) || signers.size < record.threshold)
    fail(
      `${what}: only ${signers.size} of its parties stated it; the threshold is ${record.threshold}`,
    );
  if (typeof record.epoch !== 'string') fail(`${what}: the record names no epoch`);
  const publicKeys = wellFormedKeys(what, record.publicKeys, record.curves, record.chainCode);
  return {
    keyId: record.keyId,
    threshold: record.threshold,
    parties: [...record.parties],
    curves: [...record.curves],
    publicKeys,
    ...(record.chainCode ? { chainCode: record.chainCode } : {}),
    epoch: record.epoch!,
  };
}

/** Fails unless the API's answer repeats the verified key's fields. */
export function answerMatchesKey(
  answer: Record<string, unknown>,
  key: VerifiedKey,
  what: string,
): void {
  for (const field of ['keyId', 'threshold', 'parties', 'publicKeys', 'chainCode'] as const)
    expectSame(what, 'the API', field, answer[field], key[field]);
  if (
    answer.curves !== undefined &&
    (!Array.isArray(answer.curves) || !sameSet(answer.curves as string[], key.curves))
  )
    fail(
      `${what}: the API says curves are ${show(answer.curves)}, the parties attested ${key.curves.join(', ')}`,
    );
}

/** BIP32 CKDpub of a compressed secp256k1 key along non-hardened `path` (independent of the core). */
export function derivePublicKey(
  publicKey: string,
  chainCode: string,
  path: readonly number[],
): string {
  let point = secp256k1.Point.fromHex(publicKey);
  let chain = hexToBytes(chainCode);
  for (const index of path) {
    const data = new Uint8Array(37);
    data.set(point.toBytes(true));
    new DataView(data.buffer).setUint32(33, index);
    const i = hmac(sha512, chain, data);
    const tweak = BigInt(`0x${bytesToHex(i.slice(0, 32))}`);
    if (tweak >= secp256k1.Point.Fn.ORDER)
      fail(`derivation index ${index} gives an invalid child key`);
    point = point.add(secp256k1.Point.BASE.multiply(tweak));
    chain = i.slice(32);
  }
  return point.toHex(true);
}

/** A signing request as the client signed it. */
export interface SignRequest {
  keyId: string;
  curve: Curve;
  /** Lowercase hex. */
  message: string;
  derivationPath?: number[];
  /** Chosen signers; empty: the API picks the key's first `threshold` parties. */
  signers: string[];
}

/**
 * Verifies a signing's attestations and answer against the verified key: every signer (all the
 * chosen ones, at least `threshold`, parties of the key) attested the same signature, signer set,
 * derivation path and (derived) public key; the signature verifies under that key with @noble.
 */
export function verifySignature(
  manifest: Manifest,
  answer: Record<string, unknown>,
  requestId: string,
  req: SignRequest,
  key: VerifiedKey,
): void {
  const what = `sign ${req.keyId}`;
  if (!key.curves.includes(req.curve)) fail(`${what}: the key has no ${req.curve} public key`);
  const claimed = Array.isArray(answer.signers)
    ? (answer.signers as unknown[]).filter((s): s is string => typeof s === 'string')
    : [];
  let expected: string[] = [];
  try {
    expected = signersOf(key, req.signers);
  } catch (e) {
    fail(`${what}: ${(e as Error).message}`);
  }
  if (!sameSet(claimed, expected))
    fail(`${what}: the API names signers ${show(answer.signers)}, expected ${expected.join(', ')}`);
  const results = attestedResults(manifest, answer.attestations, requestId, expected, what);
  const publicKey = req.derivationPath?.length
    ? derivePublicKey(key.publicKeys.secp256k1!, key.chainCode!, req.derivationPath)
    : key.publicKeys[req.curve]!;
  for (const [node, r] of results) {
    expectSame(what, node, 'curve', r.curve, req.curve);
    expectSame(what, node, 'publicKey', r.publicKey, publicKey);
    if (!Array.isArray(r.signers) || !sameSet(r.signers as string[], expected))
      fail(`${what}: ${node} attested signers ${show(r.signers)}, expected ${expected.join(', ')}`);
    if (req.curve === 'secp256k1')
      expectSame(what, node, 'derivationPath', r.derivationPath, req.derivationPath ?? []);
  }
  const signature = agreed(what, results, 'signature');
  if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature))
    fail(`${what}: the attested signature is not 64 bytes of hex`);
  const sig = signature as string;
  for (const [field, want] of [
    ['curve', req.curve],
    ['keyId', req.keyId],
    ['signature', sig],
    ['r', sig.slice(0, 64)],
    ['s', sig.slice(64)],
    ['publicKey', publicKey],
  ] as const)
    expectSame(what, 'the API', field, answer[field], want);
  if (req.curve === 'secp256k1') {
    const recoveryId = agreed(what, results, 'recoveryId');
    if (!Number.isInteger(recoveryId) || (recoveryId as number) < 0 || (recoveryId as number) > 3)
      fail(`${what}: the attested recovery id is not 0..3`);
    expectSame(what, 'the API', 'recoveryId', answer.recoveryId, recoveryId);
  }
  if (answer.derivationPath !== undefined || req.derivationPath)
    expectSame(what, 'the API', 'derivationPath', answer.derivationPath, req.derivationPath);
  let ok = false;
  try {
    const msg = hexToBytes(req.message);
    ok =
      req.curve === 'ed25519'
        ? ed25519.verify(hexToBytes(sig), msg, hexToBytes(publicKey))
        : secp256k1.verify(hexToBytes(sig), msg, hexToBytes(publicKey), { prehash: false });
  } catch {
    ok = false;
  }
  if (!ok)
    fail(
      `${what}: the signature does not verify (@noble) under the key's ${req.derivationPath?.length ? 'derived ' : ''}public key ${publicKey}`,
    );
}
