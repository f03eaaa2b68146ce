/**
 * What only DKLs23 has: digest lengths, BIP32 derivation, refresh, wiping the caller's copy of a
 * share. The signing every scheme shares runs in protocol.sign.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError, errors, startEcdsaSign, type EcdsaKeyShare } from '../src/core/index.ts';
import { runEcdsaDkg, runEcdsaRefresh, runEcdsaSign } from '../src/protocol/local.ts';
import {
  deriveChild,
  digestOf,
  isLowS,
  nobleVerify,
  nodeCryptoVerify,
  recover,
} from './helpers/ecdsa.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function checkSignature(keys: EcdsaKeyShare[], signers: number[], text: string): void {
  const { message, digest } = digestOf(text);
  const sig = runEcdsaSign({ keys, signers, digest });
  const pk = keys[0]!.publicKey;
  assert.equal(sig.signature.length, 64);
  assert.equal(hex(sig.publicKey), hex(pk));
  assert.ok(nobleVerify(sig.signature, digest, pk), `noble rejects the signature of ${signers}`);
  assert.ok(
    nodeCryptoVerify(sig.signature, message, pk),
    `node:crypto rejects the signature of ${signers}`,
  );
  assert.ok(
    !nodeCryptoVerify(sig.signature, new TextEncoder().encode('another message'), pk),
    'node:crypto must reject another message',
  );
  assert.ok(
    !nobleVerify(sig.signature, new Uint8Array(32).fill(9), pk),
    'noble must reject another digest',
  );
  assert.equal(
    hex(recover(sig.signature, sig.recoveryId, digest)),
    hex(pk),
    'public-key recovery from the recovery id',
  );
  assert.ok(isLowS(sig.signature), 'low-s');
}

describe('DKLs23 refresh and derivation', () => {
  const keys = runEcdsaDkg({ threshold: 2, parties: 3 });

  test('a 31- or 33-byte digest is refused; all-zero and 0x00-prefixed digests sign', () => {
    for (const len of [31, 33]) {
      assert.throws(
        () =>
          startEcdsaSign({
            key: keys[0]!,
            session: new Uint8Array(32).fill(1),
            signers: [1, 2],
            digest: new Uint8Array(len),
          }),
        errors.InvalidParametersError,
      );
    }
    for (const digest of [
      new Uint8Array(32),
      Uint8Array.from({ length: 32 }, (_, i) => (i < 3 ? 0 : i)),
    ]) {
      const sig = runEcdsaSign({ keys, signers: [1, 3], digest });
      assert.ok(nobleVerify(sig.signature, digest, keys[0]!.publicKey));
    }
  });

  test('derived-key signatures verify under the child key computed independently from pk and chain code', () => {
    for (const path of [[0], [0, 5], [7, 1, 2147483647]]) {
      const { digest } = digestOf(`derive ${path}`);
      const child = deriveChild(keys[0]!.publicKey, keys[0]!.chainCode, path);
      const sig = runEcdsaSign({ keys, signers: [2, 3], digest, derivationPath: path });
      assert.equal(hex(sig.publicKey), hex(child.publicKey));
      assert.ok(nobleVerify(sig.signature, digest, child.publicKey));
      assert.ok(
        !nobleVerify(sig.signature, digest, keys[0]!.publicKey),
        'not valid under the parent key',
      );
      assert.equal(hex(recover(sig.signature, sig.recoveryId, digest)), hex(child.publicKey));
    }
    assert.throws(
      () =>
        runEcdsaSign({
          keys,
          signers: [1, 2],
          digest: new Uint8Array(32),
          derivationPath: [2 ** 31],
        }),
      RangeError,
    );
  });

  test('refresh keeps the public key and chain code; old and new shares cannot be mixed', () => {
    const fresh = runEcdsaRefresh({ keys });
    for (const k of fresh) {
      assert.equal(hex(k.publicKey), hex(keys[0]!.publicKey));
      assert.equal(hex(k.chainCode), hex(keys[0]!.chainCode));
      assert.notEqual(hex(k.epoch), hex(keys[0]!.epoch));
    }
    checkSignature(fresh, [1, 3], 'after refresh');
    const mixed = [keys[0]!, fresh[1]!, fresh[2]!];
    assert.throws(
      () => runEcdsaSign({ keys: mixed, signers: [1, 2], digest: new Uint8Array(32).fill(3) }),
      (e: unknown) => {
        assert.ok(e instanceof CoreError, String(e));
        assert.equal(e.code, 'INCONSISTENT_BROADCAST');
        return true;
      },
    );
  });
});

describe('secret inputs', () => {
  const keys = runEcdsaDkg({ threshold: 2, parties: 2 });

  test('wipeKey zeroes the caller’s blob after the core took its copy, also when the call fails; the signing still completes', () => {
    const { digest } = digestOf('wipe after use');
    const copies = keys.map((k) => ({ ...k, blob: k.blob.slice() }));
    const sig = runEcdsaSign({ keys: copies.map((k) => ({ ...k })), signers: [1, 2], digest });
    assert.ok(nobleVerify(sig.signature, digest, keys[0]!.publicKey));
    const session = crypto.getRandomValues(new Uint8Array(32));
    const rounds = copies.map((key) =>
      startEcdsaSign({ key, session, signers: [1, 2], digest, wipeKey: true }),
    );
    for (const k of copies)
      assert.ok(
        k.blob.every((b) => b === 0),
        'the decrypted copy is zeroed',
      );
    for (const r of rounds) for (const m of r.outgoing) rounds[m.to - 1]!.receive(m.bytes);
    const r2 = rounds.map((r) => r.advance());
    for (const r of r2) for (const m of r.outgoing) r2[m.to - 1]!.receive(m.bytes);
    const r3 = r2.map((r) => r.advance());
    for (const r of r3)
      for (const m of r.outgoing) for (const other of r3) if (other !== r) other.receive(m.bytes);
    const out = r3.map((r) => r.finish());
    assert.ok(nobleVerify(out[0]!.signature, digest, keys[0]!.publicKey));
    const failing = keys[0]!.blob.slice();
    assert.throws(
      () => startEcdsaSign({ key: failing, session, signers: [1], digest, wipeKey: true }),
      errors.NotEnoughSignersError,
    );
    assert.ok(
      failing.every((b) => b === 0),
      'zeroed on error too',
    );
    assert.ok(
      keys[0]!.blob.some((b) => b !== 0),
      'without wipeKey the caller’s blob is untouched',
    );
  });
});
