/**
 * Presignatures through the wasm core, for both schemes (2-of-3): presign ahead of the message,
 * then one online round; independent verifiers (@noble/curves, node:crypto) accept the result,
 * under the BIP32 child key for ECDSA. Disagreements and bad blobs are typed errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CoreError,
  ecdsaPresignatureInfo,
  errors,
  frostPresignatureInfo,
  randomSeed,
  startEcdsaPresign,
  startEcdsaPresigned,
  startFrostPresign,
  startFrostPresigned,
  type EcdsaKeyShare,
  type EcdsaSignature,
  type FrostKeyShare,
} from '../src/core/index.ts';
import type { OutgoingMessage } from '../src/core/wire.ts';
import { deliver, runEcdsaDkg, runFrostDkg } from '../src/protocol/local.ts';
import { deriveChild, digestOf, isLowS, nobleVerify, recover } from './helpers/ecdsa.ts';
import * as ed from './helpers/verify.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Stepper {
  readonly outgoing: readonly OutgoingMessage[];
  receive(msg: Uint8Array): void;
}

/** Delivers every party's outgoing messages to the others. */
function exchange<R extends Stepper>(rounds: Map<number, R>): Map<number, R> {
  deliver(
    rounds,
    [...rounds.values()].flatMap((r) => r.outgoing),
  );
  return rounds;
}

function byId<K extends { id: number }>(keys: readonly K[], id: number): K {
  const k = keys.find((x) => x.id === id);
  assert.ok(k, `no key for party ${id}`);
  return k;
}

function ecdsaPresign(keys: readonly EcdsaKeyShare[], signers: number[]): Map<number, Uint8Array> {
  const session = randomSeed();
  const r1 = new Map(
    signers.map((id) => [id, startEcdsaPresign({ key: byId(keys, id), session, signers })]),
  );
  const r2 = new Map([...exchange(r1)].map(([id, r]) => [id, r.advance()]));
  return new Map([...exchange(r2)].map(([id, r]) => [id, r.finish()]));
}

function ecdsaOnline(
  blobs: Map<number, Uint8Array>,
  digests: Map<number, Uint8Array>,
  derivationPath: number[] = [],
): EcdsaSignature[] {
  const session = randomSeed();
  const rounds = new Map(
    [...blobs].map(([id, presignature]) => [
      id,
      startEcdsaPresigned({ presignature, session, digest: digests.get(id)!, derivationPath }),
    ]),
  );
  return [...exchange(rounds).values()].map((r) => r.finish());
}

function frostPresign(keys: readonly FrostKeyShare[], signers: number[]): Map<number, Uint8Array> {
  const session = randomSeed();
  const r1 = new Map(
    signers.map((id) => [id, startFrostPresign({ key: byId(keys, id), session, signers })]),
  );
  return new Map([...exchange(r1)].map(([id, r]) => [id, r.finish()]));
}

function frostOnline(
  keys: readonly FrostKeyShare[],
  blobs: Map<number, Uint8Array>,
  message: Uint8Array,
): Uint8Array[] {
  const session = randomSeed();
  const rounds = new Map(
    [...blobs].map(([id, presignature]) => [
      id,
      startFrostPresigned({ key: byId(keys, id), presignature, session, message }),
    ]),
  );
  return [...exchange(rounds).values()].map((r) => r.finish());
}

function same(values: Uint8Array[], what: string): Uint8Array {
  for (const v of values) assert.equal(hex(v), hex(values[0]!), `every signer's ${what}`);
  return values[0]!;
}

describe('ECDSA (DKLs23) presignatures', () => {
  let keys: EcdsaKeyShare[] | undefined;
  const getKeys = () => (keys ??= runEcdsaDkg({ threshold: 2, parties: 3 }));

  for (const path of [[], [0, 7]]) {
    test(`presign [1, 3], then sign online under path [${path}]`, () => {
      const k = getKeys();
      const blobs = ecdsaPresign(k, [1, 3]);
      const info = ecdsaPresignatureInfo(blobs.get(1)!);
      assert.equal(info.id, 1);
      assert.deepEqual(info.signers, [1, 3]);
      assert.equal(hex(info.publicKey), hex(k[0]!.publicKey));
      assert.equal(hex(info.epoch), hex(k[0]!.epoch));
      assert.equal(info.bigR.length, 33);
      const { digest } = digestOf(`presigned ${path}`);
      const sigs = ecdsaOnline(
        blobs,
        new Map([
          [1, digest],
          [3, digest],
        ]),
        path,
      );
      const sig = same(
        sigs.map((s) => s.signature),
        'signature',
      );
      const child = deriveChild(k[0]!.publicKey, k[0]!.chainCode, path).publicKey;
      assert.equal(hex(sigs[0]!.publicKey), hex(child));
      assert.ok(nobleVerify(sig, digest, child), 'noble accepts under the derived key');
      assert.ok(isLowS(sig));
      assert.equal(hex(recover(sig, sigs[0]!.recoveryId, digest)), hex(child));
      assert.notEqual(hex(sig.slice(0, 32)), hex(info.bigR.slice(1)), 'R is re-randomised');
    });
  }

  test('signers on different presignatures are named; wipePresignature zeroes the blob', () => {
    const k = getKeys();
    const a = ecdsaPresign(k, [1, 2]);
    const b = ecdsaPresign(k, [1, 2]);
    const { digest } = digestOf('mixed');
    const session = randomSeed();
    const r1 = startEcdsaPresigned({ presignature: a.get(1)!, session, digest });
    const copy = b.get(2)!.slice();
    const r2 = startEcdsaPresigned({ presignature: copy, session, digest, wipePresignature: true });
    assert.ok(
      copy.every((x) => x === 0),
      'wiped',
    );
    assert.throws(
      () => r1.receive(r2.outgoing[0]!.bytes),
      (e: unknown) =>
        e instanceof errors.InconsistentBroadcastError && (e as CoreError).culprits.includes(2),
    );
    assert.throws(
      () => ecdsaPresignatureInfo(a.get(1)!.slice(0, 20)),
      (e: unknown) => e instanceof errors.DecodeError,
    );
  });
});

describe('FROST (Ed25519) presignatures', () => {
  let keys: FrostKeyShare[] | undefined;
  const getKeys = () => (keys ??= runFrostDkg({ threshold: 2, parties: 3 }));

  test('presign [2, 3], then sign online; noble and node:crypto verify', () => {
    const k = getKeys();
    const blobs = frostPresign(k, [2, 3]);
    const info = frostPresignatureInfo(blobs.get(3)!);
    assert.equal(info.id, 3);
    assert.deepEqual(info.signers, [2, 3]);
    assert.equal(hex(info.groupPublicKey), hex(k[0]!.publicKey));
    const message = new TextEncoder().encode('presigned ed25519');
    const sig = same(frostOnline(k, blobs, message), 'signature');
    assert.equal(sig.length, 64);
    assert.ok(ed.nobleVerify(sig, message, k[0]!.publicKey));
    assert.ok(ed.nodeCryptoVerify(sig, message, k[0]!.publicKey));
    assert.ok(!ed.nobleVerify(sig, new TextEncoder().encode('other'), k[0]!.publicKey));
  });

  test('another party’s presignature is refused; different messages are named', () => {
    const k = getKeys();
    const blobs = frostPresign(k, [1, 2]);
    assert.throws(
      () =>
        startFrostPresigned({
          key: byId(k, 2),
          presignature: blobs.get(1)!,
          session: randomSeed(),
          message: new Uint8Array(1),
        }),
      (e: unknown) => e instanceof errors.InvalidParametersError,
    );
    const session = randomSeed();
    const r1 = startFrostPresigned({
      key: byId(k, 1),
      presignature: blobs.get(1)!,
      session,
      message: new Uint8Array([1]),
    });
    const r2 = startFrostPresigned({
      key: byId(k, 2),
      presignature: blobs.get(2)!,
      session,
      message: new Uint8Array([2]),
    });
    assert.throws(
      () => r1.receive(r2.outgoing[0]!.bytes),
      (e: unknown) =>
        e instanceof errors.InconsistentBroadcastError && (e as CoreError).culprits.includes(2),
    );
  });
});
