/**
 * Node identity signatures (src/core/identity.ts): RFC 8032 Ed25519 in the wasm core
 * (ed25519-dalek, verify_strict) against the RFC 8032 §7.1 vectors and, differentially, against
 * @noble/curves. What an operation costs is the bench's to measure, not a test's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, errors } from '../src/core/index.ts';

/** RFC 8032 §7.1 Ed25519 vectors (TEST 1, 2, 3 and 1024). */
const VECTORS: {
  name: string;
  secret: string;
  publicKey: string;
  message: string;
  signature: string;
}[] = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (1 byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (2 bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024 (1023 bytes)',
    secret: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message:
      '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1' +
      'e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d' +
      '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a' +
      '7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e' +
      '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10' +
      '3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1' +
      '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d' +
      '502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270' +
      '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b' +
      'eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba' +
      'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b' +
      'e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7' +
      '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d' +
      'cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df' +
      'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7' +
      '984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4' +
      '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09' +
      '43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f' +
      'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161' +
      '0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d' +
      'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca' +
      'c60c905c15fc910840b94c00a0b9d0',
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
];

/** `n` random bytes (getRandomValues refuses more than 64 KiB per call). */
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536)
    crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  return out;
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('core identity: Ed25519 (RFC 8032)', () => {
  test('RFC 8032 §7.1 vectors, byte for byte', () => {
    for (const v of VECTORS) {
      const secret = hexToBytes(v.secret);
      const msg = hexToBytes(v.message);
      assert.equal(bytesToHex(ed25519PublicKey(secret)), v.publicKey, v.name);
      assert.equal(bytesToHex(ed25519Sign(secret, msg)), v.signature, v.name);
      assert.equal(
        ed25519Verify(hexToBytes(v.publicKey), msg, hexToBytes(v.signature)),
        true,
        v.name,
      );
    }
    assert.equal(hexToBytes(VECTORS[3]!.message).length, 1023);
  });

  test('200 random keys and messages (up to 100 KB) agree with @noble/curves both ways', () => {
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(32);
      const len = i < 10 ? i : Math.floor(Math.random() * 100_001);
      const msg = randomBytes(len);
      const pk = ed25519PublicKey(secret);
      assert.equal(bytesToHex(pk), bytesToHex(ed25519.getPublicKey(secret)), `public key #${i}`);
      const sig = ed25519Sign(secret, msg);
      const nobleSig = ed25519.sign(msg, secret);
      assert.equal(bytesToHex(sig), bytesToHex(nobleSig), `signature #${i} (${len} bytes)`);
      assert.equal(
        ed25519.verify(sig, msg, pk, { zip215: false }),
        true,
        `noble verifies core #${i}`,
      );
      assert.equal(ed25519Verify(pk, msg, nobleSig), true, `core verifies noble #${i}`);
    }
  });

  test('tampered message, signature or key fails', () => {
    const secret = randomBytes(32);
    const msg = randomBytes(200);
    const pk = ed25519PublicKey(secret);
    const sig = ed25519Sign(secret, msg);
    assert.equal(ed25519Verify(pk, msg, sig), true);
    for (let bit = 0; bit < msg.length * 8; bit += 7)
      assert.equal(ed25519Verify(pk, flip(msg, bit), sig), false, `message bit ${bit}`);
    for (let bit = 0; bit < 512; bit++)
      assert.equal(ed25519Verify(pk, msg, flip(sig, bit)), false, `signature bit ${bit}`);
    for (let bit = 0; bit < 256; bit++)
      assert.equal(ed25519Verify(flip(pk, bit), msg, sig), false, `key bit ${bit}`);
    assert.equal(ed25519Verify(ed25519PublicKey(randomBytes(32)), msg, sig), false, 'another key');
    assert.equal(ed25519Verify(pk, msg.subarray(1), sig), false, 'truncated message');
    assert.equal(ed25519Verify(pk, new Uint8Array([...msg, 0]), sig), false, 'extended message');
  });

  test('S + ℓ (malleated signature) is rejected', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const secret = randomBytes(32);
    const msg = randomBytes(50);
    const sig = ed25519Sign(secret, msg);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    const bad = sig.slice();
    let t = s + L;
    for (let i = 0; i < 32; i++, t >>= 8n) bad[32 + i] = Number(t & 0xffn);
    assert.equal(ed25519Verify(ed25519PublicKey(secret), msg, bad), false);
  });

  test('small-order and non-canonical public keys are rejected', () => {
    const identity = hexToBytes('0100000000000000000000000000000000000000000000000000000000000000');
    // (R = identity, S = 0): satisfies the verification equation under any small-order key.
    const forged = new Uint8Array(64);
    forged.set(identity, 0);
    const smallOrder = [
      identity,
      hexToBytes('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // order 2
      hexToBytes('0000000000000000000000000000000000000000000000000000000000000000'), // order 4
      hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'), // order 8
      hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'), // order 8
    ];
    for (const key of smallOrder) {
      for (const msg of [new Uint8Array(0), new TextEncoder().encode('attestation')]) {
        assert.equal(ed25519Verify(key, msg, forged), false, bytesToHex(key));
      }
    }
    // A lax (ZIP 215) verifier accepts the forgery; the core must not.
    assert.equal(ed25519.verify(forged, new Uint8Array(0), identity, { zip215: true }), true);
    // y = p + 3: decodes in lax implementations, fails RFC 8032 §5.1.3 decoding.
    const nonCanonical = hexToBytes(
      'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    );
    assert.equal(ed25519Verify(nonCanonical, new Uint8Array(0), forged), false);
  });

  test('wrong lengths: sign and publicKey throw InvalidLengthError without echoing the secret; verify returns false', () => {
    const secret = randomBytes(32);
    const msg = randomBytes(10);
    const pk = ed25519PublicKey(secret);
    const sig = ed25519Sign(secret, msg);
    for (const n of [0, 1, 31, 33, 64]) {
      const bad = new Uint8Array(n).fill(0xab);
      for (const fn of [() => ed25519Sign(bad, msg), () => ed25519PublicKey(bad)]) {
        assert.throws(fn, (err: unknown) => {
          assert.ok(err instanceof errors.InvalidLengthError);
          assert.equal(err.code, 'INVALID_LENGTH');
          assert.ok(!err.message.toLowerCase().includes('abab'));
          return true;
        });
      }
    }
    assert.equal(ed25519Verify(pk.subarray(0, 31), msg, sig), false);
    assert.equal(ed25519Verify(new Uint8Array([...pk, 0]), msg, sig), false);
    assert.equal(ed25519Verify(pk, msg, sig.subarray(0, 63)), false);
    assert.equal(ed25519Verify(pk, msg, new Uint8Array([...sig, 0])), false);
    assert.equal(ed25519Verify(new Uint8Array(0), msg, new Uint8Array(0)), false);
  });
});
