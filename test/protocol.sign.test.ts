/**
 * Key generation and signing through the wasm core, written once and run for every scheme in
 * CIPHERSUITES: every signer subset of every committee signs, and independent verifiers
 * (@noble/curves, node:crypto) accept the signature. Scheme-only cases: ecdsa.sign.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors } from '../src/core/index.ts';
import { CIPHERSUITES, type KeyShare } from './helpers/ciphersuites.ts';
import { subsets } from './helpers/subsets.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs `make` once, on first use (a DKLs23 key generation takes seconds). */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

for (const suite of CIPHERSUITES) {
  describe(`${suite.name} key generation and signing through the wasm core`, () => {
    for (const [threshold, parties] of suite.committees) {
      const keys = once(() => suite.dkg(threshold, parties));

      test(`${threshold}-of-${parties}: every party holds the same ${suite.publicKeyLength}-byte public facts, and no two shares are equal`, () => {
        const first = suite.publicFacts(keys()[0]!);
        assert.equal(first.publicKey!.length, suite.publicKeyLength);
        for (const k of keys())
          assert.deepEqual(suite.publicFacts(k), first, 'all parties agree on the group key');
        assert.equal(new Set(keys().map((k) => hex(k.blob))).size, parties);
      });

      test(`${threshold}-of-${parties}: every signer subset of size >= ${threshold} signs; noble and node:crypto agree`, () => {
        const pk = keys()[0]!.publicKey;
        for (const signers of subsets(
          keys().map((k) => k.id),
          threshold,
        )) {
          const { signed, message } = suite.input(`pay ${signers.join('+')}`);
          const sig = suite.sign(keys(), signers, signed);
          assert.equal(sig.signature.length, 64);
          assert.ok(
            suite.nobleVerify(sig.signature, signed, pk),
            `noble rejects the signature of ${signers}`,
          );
          assert.ok(
            suite.nodeCryptoVerify(sig.signature, message, pk),
            `node:crypto rejects the signature of ${signers}`,
          );
          const other = suite.input('another message');
          assert.ok(
            !suite.nobleVerify(sig.signature, other.signed, pk),
            'noble must reject another message',
          );
          assert.ok(
            !suite.nodeCryptoVerify(sig.signature, other.message, pk),
            'node:crypto must reject another message',
          );
          sig.properties?.(pk);
        }
      });

      test(`${threshold}-of-${parties}: fewer than ${threshold} signers are refused before any nonce is drawn`, () => {
        const tooFew = keys()
          .slice(0, threshold - 1)
          .map((k) => k.id);
        const { signed } = suite.input('too few');
        assert.throws(
          () =>
            suite.startSign({
              key: keys()[0]!,
              session: new Uint8Array(32).fill(1),
              signers: tooFew,
              signed,
            }),
          errors.NotEnoughSignersError,
        );
        assert.throws(
          () => suite.sign(keys(), tooFew, signed),
          (e: unknown) =>
            e instanceof errors.NotEnoughSignersError && e.code === 'NOT_ENOUGH_SIGNERS',
        );
      });
    }

    test('inputs that are empty, all-zero or start with 0x00 sign and verify (bytes, never integers)', () => {
      const keys: KeyShare[] = suite.dkg(2, 3);
      for (const { signed, message } of suite.edgeInputs) {
        const sig = suite.sign(keys, [1, 3], signed);
        assert.ok(suite.nobleVerify(sig.signature, signed, keys[0]!.publicKey));
        if (message) assert.ok(suite.nodeCryptoVerify(sig.signature, message, keys[0]!.publicKey));
      }
    });
  });
}
