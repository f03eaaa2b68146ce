import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CoreError,
  errors,
  startEcdsaSign,
  startReshare,
  type EcdsaKeyShare,
  type FrostKeyShare,
  type ReshareRole,
} from '../src/core/index.ts';
import {
  runEcdsaDkg,
  runEcdsaRefresh,
  runEcdsaSign,
  runFrostDkg,
  runFrostSign,
  runReshare,
} from '../src/protocol/local.ts';
import {
  digestOf,
  isLowS,
  nobleVerify as nobleEcdsa,
  nodeCryptoVerify as nodeEcdsa,
} from './helpers/ecdsa.ts';
import { subsets } from './helpers/subsets.ts';
import { nobleVerify as nobleEd, nodeCryptoVerify as nodeEd } from './helpers/verify.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** 2-of-3 → 3-of-4: old 1 and 2 deal, old 3 only receives, participant 4 is new. */
const UP: ReshareRole[] = [
  { oldId: 1, newId: 1 },
  { oldId: 2, newId: 2 },
  { newId: 3 },
  { newId: 4 },
];
/** 3-of-4 → 2-of-3: old 1 only deals (dropped), old 2, 3 deal and receive, old 4 only receives. */
const DOWN: ReshareRole[] = [
  { oldId: 1 },
  { oldId: 2, newId: 1 },
  { oldId: 3, newId: 2 },
  { newId: 3 },
];

function defined<K>(keys: (K | undefined)[]): K[] {
  return keys.filter((k): k is K => k !== undefined);
}

function ecdsaSigns(keys: EcdsaKeyShare[], signers: number[], text: string): void {
  const { message, digest } = digestOf(text);
  const sig = runEcdsaSign({ keys, signers, digest });
  const pk = keys[0]!.publicKey;
  assert.equal(hex(sig.publicKey), hex(pk));
  assert.ok(nobleEcdsa(sig.signature, digest, pk), `noble rejects the signature of ${signers}`);
  assert.ok(
    nodeEcdsa(sig.signature, message, pk),
    `node:crypto rejects the signature of ${signers}`,
  );
  assert.ok(isLowS(sig.signature), 'low-s');
}

function frostSigns(keys: FrostKeyShare[], signers: number[], text: string): void {
  const message = new TextEncoder().encode(text);
  const pk = keys[0]!.publicKey;
  const sig = runFrostSign({ keys, signers, message });
  assert.ok(nobleEd(sig, message, pk), `noble rejects the signature of ${signers}`);
  assert.ok(nodeEd(sig, message, pk), `node:crypto rejects the signature of ${signers}`);
}

describe('resharing ECDSA (secp256k1) keys', () => {
  const old = runEcdsaDkg({ threshold: 2, parties: 3 });
  const pk = hex(old[0]!.publicKey);
  const session = crypto.getRandomValues(new Uint8Array(32));
  const pending = defined(
    runReshare({
      curve: 'secp256k1',
      oldThreshold: 2,
      newThreshold: 3,
      roles: UP,
      keys: [old[0], old[1], old[2], undefined],
      session,
    }),
  );
  let fresh: EcdsaKeyShare[] = [];

  test('2-of-3 → 3-of-4 keeps the public key and chain code; shares are pending under the reshare epoch', () => {
    assert.equal(pending.length, 4);
    pending.forEach((k, i) => {
      assert.equal(k.id, i + 1);
      assert.equal(k.threshold, 3);
      assert.equal(k.parties, 4);
      assert.equal(hex(k.publicKey), pk);
      assert.equal(hex(k.chainCode), hex(old[0]!.chainCode));
      assert.equal(hex(k.epoch), hex(session));
    });
  });

  test('a pending share cannot sign (typed error) until the new committee runs a complete refresh', () => {
    assert.throws(
      () =>
        startEcdsaSign({
          key: pending[0]!,
          session: crypto.getRandomValues(new Uint8Array(32)),
          signers: [1, 2, 3],
          digest: new Uint8Array(32).fill(1),
        }),
      (e: unknown) => e instanceof errors.InvalidParametersError && /pending/.test(e.message),
    );
  });

  test('after the refresh, several 3-subsets sign; noble and node:crypto verify under the old public key', () => {
    fresh = runEcdsaRefresh({ keys: pending });
    for (const k of fresh) assert.equal(hex(k.publicKey), pk);
    for (const signers of [
      [1, 2, 3],
      [1, 3, 4],
      [2, 3, 4],
      [1, 2, 3, 4],
    ])
      ecdsaSigns(fresh, signers, `reshared ${signers.join('+')}`);
  });

  test('an old share mixed with new shares cannot sign', () => {
    assert.throws(
      () =>
        runEcdsaSign({
          keys: [old[0]!, fresh[1]!, fresh[2]!],
          signers: [1, 2, 3],
          digest: new Uint8Array(32).fill(2),
        }),
      CoreError,
    );
  });

  test('3-of-4 → 2-of-3 dropping a party; the dealer-only participant gets nothing', () => {
    const out = runReshare({
      curve: 'secp256k1',
      oldThreshold: 3,
      newThreshold: 2,
      roles: DOWN,
      keys: fresh,
    });
    assert.equal(out[0], undefined);
    const next = runEcdsaRefresh({ keys: defined(out) });
    assert.deepEqual(
      next.map((k) => [k.id, k.threshold, k.parties]),
      [
        [1, 2, 3],
        [2, 2, 3],
        [3, 2, 3],
      ],
    );
    for (const signers of [
      [1, 3],
      [2, 3],
    ])
      ecdsaSigns(next, signers, `dropped ${signers.join('+')}`);
  });
});

describe('resharing Ed25519 (FROST) keys', () => {
  const old = runFrostDkg({ threshold: 2, parties: 3 });
  const pk = hex(old[0]!.publicKey);
  const up = defined(
    runReshare({
      curve: 'ed25519',
      oldThreshold: 2,
      newThreshold: 3,
      roles: UP,
      keys: [old[0], old[1], old[2], undefined],
    }),
  );

  test('2-of-3 → 3-of-4 keeps the public key; every 3-subset signs, noble and node:crypto verify', () => {
    assert.deepEqual(
      up.map((k) => [k.id, k.threshold, k.parties, hex(k.publicKey)]),
      [1, 2, 3, 4].map((id) => [id, 3, 4, pk]),
    );
    for (const signers of subsets([1, 2, 3, 4], 3))
      frostSigns(up, signers, `reshared ${signers.join('+')}`);
  });

  test('an old share mixed with new shares cannot sign', () => {
    assert.throws(
      () =>
        runFrostSign({
          keys: [old[0]!, up[1]!, up[2]!],
          signers: [1, 2, 3],
          message: new Uint8Array([1]),
        }),
      CoreError,
    );
  });

  test('3-of-4 → 2-of-3 dropping a party', () => {
    const out = runReshare({
      curve: 'ed25519',
      oldThreshold: 3,
      newThreshold: 2,
      roles: DOWN,
      keys: up,
    });
    assert.equal(out[0], undefined);
    const next = defined(out);
    assert.deepEqual(
      next.map((k) => [k.id, k.threshold, k.parties, hex(k.publicKey)]),
      [1, 2, 3].map((id) => [id, 2, 3, pk]),
    );
    for (const signers of subsets([1, 2, 3], 2))
      frostSigns(next, signers, `dropped ${signers.join('+')}`);
  });

  test('same committee and threshold refreshes the shares: new blobs, same key, old and new do not mix', () => {
    const roles: ReshareRole[] = [{ oldId: 1, newId: 1 }, { oldId: 2, newId: 2 }, { newId: 3 }];
    const again = defined(
      runReshare({ curve: 'ed25519', oldThreshold: 2, newThreshold: 2, roles, keys: old }),
    );
    assert.equal(again.length, 3);
    again.forEach((k, i) => {
      assert.equal(hex(k.publicKey), pk);
      assert.notEqual(hex(k.blob), hex(old[i]!.blob));
    });
    frostSigns(again, [1, 3], 'refreshed');
    assert.throws(
      () =>
        runFrostSign({
          keys: [old[0]!, again[1]!, again[2]!],
          signers: [1, 3],
          message: new Uint8Array([2]),
        }),
      CoreError,
    );
  });

  test('parameters are checked: a dealer without its key, wrong old threshold, bad new ids', () => {
    const session = new Uint8Array(32).fill(5);
    assert.throws(
      () =>
        startReshare({
          curve: 'ed25519',
          session,
          me: 1,
          oldThreshold: 2,
          newThreshold: 3,
          roles: UP,
        }),
      errors.InvalidParametersError,
    );
    assert.throws(
      () =>
        startReshare({
          curve: 'ed25519',
          session,
          me: 1,
          oldThreshold: 3,
          newThreshold: 2,
          roles: DOWN,
          key: old[0],
        }),
      errors.InvalidParametersError,
    );
    assert.throws(
      () =>
        startReshare({
          curve: 'ed25519',
          session,
          me: 1,
          oldThreshold: 2,
          newThreshold: 2,
          roles: [
            { oldId: 1, newId: 1 },
            { oldId: 2, newId: 3 },
          ],
          key: old[0],
        }),
      errors.InvalidIdentifierError,
    );
    assert.throws(
      () =>
        startReshare({
          curve: 'secp256k1',
          session,
          me: 1,
          oldThreshold: 2,
          newThreshold: 3,
          roles: UP,
          key: old[0],
        }),
      CoreError,
    );
  });
});
