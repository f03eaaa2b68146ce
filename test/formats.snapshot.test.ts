/**
 * Byte snapshots of the formats that outlive a process: both key blobs (through the core), the
 * encrypted store's records and the peer envelope. Where a format is deterministic the fresh
 * bytes must equal the golden ones; where it draws a nonce, its structure (lengths, header
 * bytes, field order) is pinned and a golden blob written by an older build must still decode
 * (test/fixtures/, made by test/fixtures/make-golden.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createStorage } from 'unstorage';
import { ecdsaKeyShare, frostKeyShare } from '../src/core/index.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { open, seal } from '../src/node/transport/envelope.ts';
import { runEcdsaDkg, runEcdsaSign, runFrostSign } from '../src/protocol/local.ts';
import { nobleVerify as ecdsaVerify } from './helpers/ecdsa.ts';
import {
  fixedCluster,
  fixedFrostKeys,
  GOLDEN,
  goldenRecords,
  goldenStore,
} from './helpers/golden.ts';
import { nobleVerify as ed25519Verify } from './helpers/verify.ts';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const ascii = (b: Uint8Array) => new TextDecoder().decode(b);
const blobs = fixture<{ frost: string[]; ecdsa: string[] }>('key-blobs.json');

describe('key blob snapshots', () => {
  test('FROST(Ed25519): a DKG from fixed seeds writes the golden blobs byte for byte; they decode and sign', () => {
    const fresh = fixedFrostKeys();
    assert.deepEqual(
      fresh.map((k) => hex(k.blob)),
      blobs.frost,
    );
    // The bytes wasm/src/snapshots.rs pins for party 1 (its sha256 over u32 length ‖ blob).
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 166]), Buffer.from(fresh[0]!.blob)]);
    assert.equal(
      createHash('sha256').update(framed).digest('hex'),
      'e35be78ed6129fb2a1d2091280460150f83b844b5cd3743f2c14eb4957d99728',
    );
    const golden = blobs.frost.map((h) => frostKeyShare(bytes(h)));
    for (const [i, k] of golden.entries()) {
      assert.equal(k.blob.length, 166);
      // version | kind | threshold | parties | id, then the signing share (postcard).
      assert.deepEqual([...k.blob.slice(0, 5)], [1, 1, 2, 3, i + 1]);
      assert.deepEqual(
        { id: k.id, threshold: k.threshold, parties: k.parties },
        { id: i + 1, threshold: 2, parties: 3 },
      );
      assert.equal(hex(k.publicKey), hex(golden[0]!.publicKey));
    }
    const message = new TextEncoder().encode('golden FROST key');
    assert.ok(
      ed25519Verify(
        runFrostSign({ keys: golden, signers: [1, 3], message }),
        message,
        golden[0]!.publicKey,
      ),
    );
  });

  test('DKLs23(secp256k1): the golden blobs decode with their public facts and sign; a fresh blob has the same layout', () => {
    const golden = blobs.ecdsa.map((h) => ecdsaKeyShare(bytes(h)));
    const fresh = runEcdsaDkg({ threshold: 2, parties: 2, session: GOLDEN.ecdsaSession });
    for (const [i, k] of golden.entries()) {
      const b = k.blob;
      assert.deepEqual(
        { id: k.id, threshold: k.threshold, parties: k.parties },
        { id: i + 1, threshold: 2, parties: 2 },
      );
      // version | kind | threshold | parties | id | epoch[32] | x[32] | len 33 | public key | …
      assert.deepEqual([...b.slice(0, 5)], [1, 2, 2, 2, i + 1]);
      assert.equal(
        hex(b.slice(5, 37)),
        hex(GOLDEN.ecdsaSession),
        'the epoch is the key generation session',
      );
      assert.equal(hex(k.epoch), hex(GOLDEN.ecdsaSession));
      assert.equal(b[69], 33);
      assert.equal(hex(b.slice(70, 103)), hex(k.publicKey));
      assert.equal(hex(k.publicKey), hex(golden[0]!.publicKey));
      assert.equal(hex(k.chainCode), hex(golden[0]!.chainCode));
      const f = fresh[i]!.blob;
      assert.equal(f.length, b.length, 'a fresh 2-of-2 blob has the golden length');
      assert.deepEqual([...f.slice(0, 37)], [...b.slice(0, 37)]);
      assert.equal(f[69], 33);
    }
    const digest = new Uint8Array(32).fill(4);
    assert.ok(
      ecdsaVerify(
        runEcdsaSign({ keys: golden, signers: [1, 2], digest }).signature,
        digest,
        golden[0]!.publicKey,
      ),
    );
  });
});

describe('storage record snapshots', () => {
  const items = fixture<Record<string, string>>('store.json');

  test('names are keyed hashes fixed by the storage key; records are "TSE2" | nonce[24] | padded ciphertext | tag[16]', async () => {
    const { raw, store } = await goldenStore();
    assert.deepEqual(
      (await raw.getKeys()).sort(),
      Object.keys(items),
      'the same driver keys as the golden store',
    );
    for (const r of goldenRecords) {
      const at = store.storageKeyOf(r.name, r.version);
      assert.match(at, /^r:[0-9a-f]{64}$/);
      assert.ok(at in items, `${r.name}@${r.version} is stored under the golden name`);
    }
    for (const [k, golden] of Object.entries(items)) {
      const sealed = (await raw.getItemRaw(k)) as Uint8Array;
      assert.equal(ascii(sealed.slice(0, 4)), k === 'tessera:keycheck' ? 'TSE1' : 'TSE2', k);
      assert.equal(sealed.length, golden.length / 2, `${k}: the golden length`);
      assert.notEqual(hex(sealed.slice(4, 28)), golden.slice(8, 56), `${k}: a fresh nonce`);
      if (k.startsWith('r:')) {
        const padded = sealed.length - 4 - 24 - 16;
        assert.ok(
          padded >= 256 && (padded & (padded - 1)) === 0,
          `${k}: padded to a power of two (${padded})`,
        );
      }
    }
    await store.close();
  });

  test('a store written by an older build opens under its key and reads every record', async () => {
    const raw = createStorage();
    for (const [k, v] of Object.entries(items)) await raw.setItemRaw(k, bytes(v));
    const store = await EncryptedStore.open(raw, GOLDEN.storageKey);
    assert.deepEqual(store.integrity, {
      rolledForward: [],
      missing: [],
      removedStale: [],
      migrated: 0,
    });
    for (const r of goldenRecords) {
      if (r.json === undefined) assert.deepEqual(await store.get(r.name, r.version), r.bytes);
      else assert.deepEqual(await store.getJson(r.name), r.json);
    }
    assert.deepEqual(await store.versions('share:k1:secp256k1'), [1, 2]);
    await store.close();
  });
});

describe('peer envelope snapshots', () => {
  const golden = bytes(fixture<{ hex: string }>('envelope.json').hex);
  const { manifest, identities } = fixedCluster();
  const e = GOLDEN.envelope;

  test('"TSR2" | kind | session[32] | round | from u16 | to u16 | seq u32 | nonce[24] | length u32 | sealed body', () => {
    const fresh = seal(manifest, identities[0]!, 1, e);
    assert.equal(fresh.length, 74 + e.body.length + 16);
    assert.equal(golden.length, fresh.length);
    assert.equal(ascii(fresh.slice(0, 4)), 'TSR2');
    assert.equal(fresh[4], e.kind);
    assert.equal(hex(fresh.slice(5, 37)), hex(e.session));
    assert.equal(fresh[37], e.round);
    const v = new DataView(fresh.buffer);
    assert.deepEqual(
      [v.getUint16(38), v.getUint16(40), v.getUint32(42), v.getUint32(70)],
      [1, 2, e.seq, e.body.length + 16],
    );
    assert.equal(
      hex(fresh.slice(0, 46)),
      hex(golden.slice(0, 46)),
      'every header byte before the nonce',
    );
    assert.equal(hex(fresh.slice(70, 74)), hex(golden.slice(70, 74)));
    assert.notEqual(hex(fresh.slice(46, 70)), hex(golden.slice(46, 70)), 'a fresh nonce');
    const broadcast = seal(manifest, identities[0]!, 1, { ...e, broadcast: true });
    assert.equal(broadcast[4], e.kind | 0x80, "a broadcast copy sets the kind byte's high bit");
    assert.equal(open(manifest, identities[1]!, 2, broadcast).to, 0);
  });

  test("an envelope sealed by an older build opens with the receiver's identity", () => {
    const o = open(manifest, identities[1]!, 2, golden);
    assert.deepEqual(
      {
        kind: o.kind,
        session: hex(o.session),
        round: o.round,
        from: o.from,
        to: o.to,
        seq: o.seq,
        body: ascii(o.body),
      },
      {
        kind: e.kind,
        session: hex(e.session),
        round: e.round,
        from: 1,
        to: 2,
        seq: e.seq,
        body: ascii(e.body),
      },
    );
  });
});
