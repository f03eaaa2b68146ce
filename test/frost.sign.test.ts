import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors, startFrostSign } from '../src/core/index.ts';
import { runFrostDkg, runFrostSign } from '../src/protocol/local.ts';
import { subsets } from './helpers/subsets.ts';
import { nobleVerify, nodeCryptoVerify } from './helpers/verify.ts';


describe('FROST(Ed25519) DKG and signing through the wasm core', () => {
  for (let parties = 2; parties <= 7; parties++) {
    for (let threshold = 2; threshold <= parties; threshold++) {
      test(`${threshold}-of-${parties}: every signer subset of size >= ${threshold} produces a signature valid under noble and node:crypto`, () => {
        const keys = runFrostDkg({ threshold, parties });
        const pk = keys[0]!.publicKey;
        assert.equal(pk.length, 32);
        for (const k of keys) assert.deepEqual(k.publicKey, pk, 'all parties agree on the group key');
        const ids = keys.map((k) => k.id);
        for (const signers of subsets(ids, threshold)) {
          const message = new TextEncoder().encode(`msg ${signers.join(',')}`);
          const sig = runFrostSign({ keys, signers, message });
          assert.equal(sig.length, 64);
          assert.ok(nobleVerify(sig, message, pk), `noble rejects signature by ${signers}`);
          assert.ok(nodeCryptoVerify(sig, message, pk), `node:crypto rejects signature by ${signers}`);
          assert.ok(!nobleVerify(sig, new TextEncoder().encode('other'), pk), 'signature must not verify for another message');
        }
        // Fewer than threshold signers are refused before any nonce is drawn.
        const tooFew = ids.slice(0, threshold - 1);
        if (tooFew.length > 0) {
          assert.throws(
            () => startFrostSign({ key: keys[0]!, session: new Uint8Array(32).fill(1), signers: tooFew, message: new Uint8Array(1) }),
            (e: unknown) => e instanceof errors.NotEnoughSignersError || e instanceof errors.InvalidIdentifierError,
          );
        }
      });
    }
  }

  test('messages that are empty, all-zero or start with 0x00 sign and verify (bytes, never integers)', () => {
    const keys = runFrostDkg({ threshold: 2, parties: 3 });
    for (const message of [new Uint8Array(0), new Uint8Array(32), Uint8Array.from([0, 0, 1, 2])]) {
      const sig = runFrostSign({ keys, signers: [1, 3], message });
      assert.ok(nobleVerify(sig, message, keys[0]!.publicKey));
      assert.ok(nodeCryptoVerify(sig, message, keys[0]!.publicKey));
    }
  });

  test('a signer set below the threshold is refused with NotEnoughSignersError', () => {
    const keys = runFrostDkg({ threshold: 3, parties: 4 });
    assert.throws(
      () => runFrostSign({ keys, signers: [1, 2], message: new Uint8Array(4) }),
      (e: unknown) => e instanceof errors.NotEnoughSignersError && e.code === 'NOT_ENOUGH_SIGNERS',
    );
  });
});
