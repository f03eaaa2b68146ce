/**
 * Differential test against the audited RFC 9591 implementation in @noble/curves: mixed signing
 * sessions where some signers run the wasm core and others run noble, over the same key shares.
 * Core signers are seeded; noble "twins" given the same ChaCha20 stream must produce the same
 * commitments and signature shares byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { ed25519_FROST as noble } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { signWithSeed, importFrostKey } from '../src/core/hazmat.ts';
import type { FrostKeyShare } from '../src/core/index.ts';
import { PROTOCOL, WIRE_VERSION } from '../src/core/wire.ts';
import { L, readLe } from './helpers/bytes.ts';
import { nobleVerify, nodeCryptoVerify } from './helpers/verify.ts';

const H = 39;
const CONTEXT = new TextEncoder().encode('FROST-ED25519-SHA512-v1');
const nid = (n: number) => noble.Identifier.fromNumber(n);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}
const u16 = (n: number) => Uint8Array.from([n >> 8, n & 0xff]);
const u32 = (n: number) =>
  Uint8Array.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

/** Tessera's request digest (wasm/src/frost/sign.rs), re-implemented independently. */
function requestDigest(
  session: Uint8Array,
  gpk: Uint8Array,
  signers: number[],
  message: Uint8Array,
): Uint8Array {
  const fields = [
    new TextEncoder().encode('tessera/frost-ed25519/sign/request/v1'),
    session,
    gpk,
    concat(...signers.map(u16)),
    message,
  ];
  return sha512(concat(...fields.flatMap((f) => [u32(f.length), f]))).slice(0, 32);
}

/** A signing envelope (wasm/src/wire.rs) for a noble signer. */
function envelope(
  session: Uint8Array,
  round: number,
  sender: number,
  payload: Uint8Array,
): Uint8Array {
  return concat(
    Uint8Array.of(WIRE_VERSION, PROTOCOL.frostEd25519Sign),
    session,
    Uint8Array.of(round),
    u16(sender),
    u16(0),
    payload,
  );
}

/** RFC 9591 §4.4 binding factors, re-implemented independently of both implementations. */
function bindingFactors(
  gpk: Uint8Array,
  list: { id: number; hiding: Uint8Array; binding: Uint8Array }[],
  msg: Uint8Array,
): Map<number, string> {
  const h = (tag: string, m: Uint8Array) =>
    sha512(concat(CONTEXT, new TextEncoder().encode(tag), m));
  const scalar = (n: number) => {
    const b = new Uint8Array(32);
    b[0] = n & 0xff;
    b[1] = n >> 8;
    return b;
  };
  const enc = concat(...list.flatMap((c) => [scalar(c.id), c.hiding, c.binding]));
  const prefix = concat(gpk, h('msg', msg), h('com', enc));
  const out = new Map<number, string>();
  for (const c of list) {
    const rho = readLe(h('rho', concat(prefix, scalar(c.id)))) % L;
    const b = new Uint8Array(32);
    for (let i = 0, v = rho; i < 32; i++, v >>= 8n) b[i] = Number(v & 0xffn);
    out.set(c.id, bytesToHex(b));
  }
  return out;
}

/** The RNG a noble twin uses: the same ChaCha20 stream the core draws from its seed. */
function chachaRng(seed: Uint8Array): (n?: number) => Uint8Array {
  const stream = chacha20(seed, new Uint8Array(12), new Uint8Array(128));
  let at = 0;
  return (n = 32) => stream.slice(at, (at += n));
}

function mixedSession(threshold: number, parties: number, signers: number[], coreIds: number[]) {
  const ids = Array.from({ length: parties }, (_, i) => i + 1);
  const deal = noble.trustedDealer({ min: threshold, max: parties }, ids.map(nid));
  const gpk = deal.public.commitments[0]!;
  const verifyingShares = ids.map((i) => deal.public.verifyingShares[nid(i)]!);
  const secret = (i: number) => deal.secretShares[nid(i)]!;
  const coreKeys = new Map<number, FrostKeyShare>(
    coreIds.map((i) => [
      i,
      importFrostKey({
        threshold,
        parties,
        id: i,
        signingShare: secret(i).signingShare,
        verifyingShares,
        groupPublicKey: gpk,
      }),
    ]),
  );
  for (const k of coreKeys.values()) assert.equal(bytesToHex(k.publicKey), bytesToHex(gpk));

  const session = crypto.getRandomValues(new Uint8Array(32));
  const message = crypto.getRandomValues(new Uint8Array(1 + ((parties * 7) % 50)));
  const digest = requestDigest(session, gpk, signers, message);

  // Round one. Core signers are seeded; their noble twins draw the same randomness.
  const round1 = new Map<number, ReturnType<typeof signWithSeed>>();
  const nonces = new Map<number, ReturnType<typeof noble.commit>['nonces']>();
  const commitments: { identifier: string; hiding: Uint8Array; binding: Uint8Array }[] = [];
  const msgs1: Uint8Array[] = [];
  for (const i of signers) {
    if (coreKeys.has(i)) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const twin = noble.commit(secret(i), chachaRng(seed));
      const r = signWithSeed({ key: coreKeys.get(i)!, session, signers, message }, seed.slice());
      const out = r.outgoing[0]!.bytes;
      assert.equal(bytesToHex(out.slice(H, H + 32)), bytesToHex(digest), 'request digest');
      assert.equal(
        bytesToHex(out.slice(H + 32, H + 64)),
        bytesToHex(twin.commitments.hiding),
        `hiding commitment of core signer ${i}`,
      );
      assert.equal(
        bytesToHex(out.slice(H + 64, H + 96)),
        bytesToHex(twin.commitments.binding),
        `binding commitment of core signer ${i}`,
      );
      round1.set(i, r);
      nonces.set(i, twin.nonces);
      commitments.push(twin.commitments);
      msgs1.push(out);
    } else {
      const g = noble.commit(secret(i));
      nonces.set(i, g.nonces);
      commitments.push(g.commitments);
      msgs1.push(
        envelope(session, 1, i, concat(digest, g.commitments.hiding, g.commitments.binding)),
      );
    }
  }
  for (const [i, r] of round1)
    for (const m of msgs1) if (((m[35]! << 8) | m[36]!) !== i) r.receive(m);

  // Round two: core shares must equal noble's shares computed from the twins' nonces.
  const round2 = new Map([...round1].map(([i, r]) => [i, r.advance()]));
  const expectedRho = bindingFactors(
    gpk,
    signers.map((i) => ({
      id: i,
      hiding: commitments[signers.indexOf(i)]!.hiding,
      binding: commitments[signers.indexOf(i)]!.binding,
    })),
    message,
  );
  const shares: Record<string, Uint8Array> = {};
  const msgs2: Uint8Array[] = [];
  for (const i of signers) {
    const z = noble.signShare(secret(i), deal.public, nonces.get(i)!, commitments, message);
    shares[nid(i)] = z;
    const r = round2.get(i);
    if (r) {
      const out = r.outgoing[0]!.bytes;
      assert.equal(bytesToHex(out.slice(H)), bytesToHex(z), `signature share of core signer ${i}`);
      const rho = r.bindingFactors();
      assert.deepEqual([...rho.keys()], signers);
      for (const [id, b] of rho)
        assert.equal(
          bytesToHex(b),
          expectedRho.get(id),
          `binding factor of ${id} computed by core signer ${i}`,
        );
      assert.ok(
        noble.verifyShare(deal.public, commitments, message, nid(i), out.slice(H)),
        'noble accepts the core share',
      );
      msgs2.push(out);
    } else {
      msgs2.push(envelope(session, 2, i, z));
    }
  }
  for (const [i, r] of round2)
    for (const m of msgs2) if (((m[35]! << 8) | m[36]!) !== i) r.receive(m);
  const coreSigs = [...round2.values()].map((r) => r.finish());
  const nobleSig = noble.aggregate(deal.public, commitments, message, shares);
  for (const s of coreSigs)
    assert.equal(
      bytesToHex(s),
      bytesToHex(nobleSig),
      'core and noble aggregate to the same signature',
    );
  assert.ok(nobleVerify(nobleSig, message, gpk));
  assert.ok(nodeCryptoVerify(nobleSig, message, gpk));
}

describe('mixed FROST(Ed25519) sessions: wasm core and @noble/curves ed25519_FROST', () => {
  test('2-of-3: core signer 1 with noble signer 3', () => mixedSession(2, 3, [1, 3], [1]));
  test('2-of-3: noble signer 1 with core signer 2', () => mixedSession(2, 3, [1, 2], [2]));
  test('2-of-3: all three sign, two in the core', () => mixedSession(2, 3, [1, 2, 3], [1, 3]));
  test('3-of-5: signers 2, 4, 5 with core signers 2 and 5', () =>
    mixedSession(3, 5, [2, 4, 5], [2, 5]));
  test('4-of-7: five signers, three in the core', () =>
    mixedSession(4, 7, [1, 3, 4, 6, 7], [3, 6, 7]));
  test('3-of-4: every signer in the core still matches noble twins byte for byte', () =>
    mixedSession(3, 4, [1, 2, 3, 4], [1, 2, 3, 4]));
});
