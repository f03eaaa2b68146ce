/**
 * Tampering with every DKLs23 message type, in keygen and signing: each is detected and blames
 * the right party (items 13–17 and 24 of shared/reliability/threats-and-faults.md). Round one's
 * header attacks, duplicates and replays run for every scheme in protocol.hostile.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CoreError, startEcdsaDkg, startEcdsaSign } from '../src/core/index.ts';
import { runEcdsaDkg } from '../src/protocol/local.ts';
import type { ProtocolRound } from '../src/protocol/round.ts';
import { patch } from './helpers/bytes.ts';
import { HEADER_LEN as H } from './helpers/header.ts';
import { envelopeAttacks, secp256k1Hostile } from './helpers/hostile.ts';
import { isCoreError, rejects } from './helpers/rejects.ts';

const { points: hostilePoints, scalars: hostileScalars } = secp256k1Hostile;
const session = () => crypto.getRandomValues(new Uint8Array(32));

/** Random bit flips: anything rejected must be a typed error, never a wasm panic. */
function fuzz(receive: (m: Uint8Array) => void, m: Uint8Array): void {
  for (let i = 0; i < 200; i++) {
    const bad = m.slice();
    const k = H + ((i * 7919) % (m.length - H));
    bad[k] = bad[k]! ^ (1 << (i % 8));
    try {
      receive(bad);
    } catch (e) {
      assert.ok(e instanceof CoreError, `non-typed error (a panic?): ${String(e)}`);
    }
  }
}

describe('DKLs23 key generation rejects tampered messages of every type', () => {
  // Two parties keep each keygen cheap; party 1 is the victim, party 2 the culprit.
  const s = session();
  const start = (me: number) => startEcdsaDkg({ session: s, threshold: 2, parties: 2, me });
  const p2 = start(2);
  const m1 = p2.outgoing[0]!.bytes;

  test('round 1: hostile ephemeral keys are rejected; no input panics', () => {
    const p1 = start(1);
    for (const point of Object.values(hostilePoints))
      rejects(() => p1.receive(patch(m1, H + 32, point)), 'INVALID_POINT', [2]);
    p1.receive(m1);
    fuzz((m) => p1.receive(m), m1);
  });

  test('round 1: a tampered base-OT proof or receiver message is caught when the base OTs finish', () => {
    const zAt = H + 129; // the proof of knowledge of s (carries z)
    const cases: [number, string[]][] = [
      [zAt + 40, ['INVALID_PROOF', 'INVALID_POINT']],
      [zAt + 4449 + 100, ['INVALID_PROOF', 'INVALID_POINT']],
      [zAt + 4449 + 40_000, ['INVALID_PROOF', 'INVALID_POINT', 'INVALID_SCALAR']],
    ];
    for (const [at, codes] of cases) {
      const p1 = start(1);
      p1.receive(patch(m1, at, [m1[at]! ^ 1]));
      rejects(() => p1.advance(), codes, [2]);
    }
  });

  test('rounds 2 and 3: bad openings, points, proofs, ciphertexts and confirmations blame the sender', () => {
    const p1 = start(1);
    const q2 = start(2);
    p1.receive(q2.outgoing[0]!.bytes);
    q2.receive(p1.outgoing[0]!.bytes);
    const a1 = p1.advance();
    const a2 = q2.advance();
    const m = a2.outgoing[0]!.bytes;
    envelopeAttacks((x) => a1.receive(x), m, 2, 1);
    for (const point of Object.values(hostilePoints))
      rejects(() => a1.receive(patch(m, H, point)), 'INVALID_POINT', [2]);
    // Another valid point in the Feldman vector, or a changed chain-code part: the opening fails.
    rejects(
      () => a1.receive(patch(m, H, secp256k1.Point.BASE.toBytes(true))),
      'INVALID_PROOF',
      [2],
    );
    rejects(() => a1.receive(patch(m, H + 66 + 3, [m[H + 66 + 3]! ^ 1])), 'INVALID_PROOF', [2]);
    // Proof of knowledge of the constant term (after F 66, cc 32, salt 64): hostile z, bad e.
    const pok = H + 66 + 96;
    for (const sc of Object.values(hostileScalars))
      rejects(() => a1.receive(patch(m, pok + 33 + 64 * 33 + 4, sc)), 'INVALID_SCALAR', [2]);
    rejects(
      () => a1.receive(patch(m, pok + 33 + 64 * 33 + 1, [m[pok + 33 + 64 * 33 + 1]! ^ 0x77])),
      'INVALID_PROOF',
      [2],
    );
    // The encrypted share and seed opening.
    rejects(
      () => a1.receive(patch(m, m.length - 20, [m[m.length - 20]! ^ 1])),
      'DECRYPTION_FAILED',
      [2],
    );
    fuzz((x) => a1.receive(x), m);
    a1.receive(m);
    a2.receive(a1.outgoing[0]!.bytes);
    const b1 = a1.advance();
    const b2 = a2.advance();
    const c = b2.outgoing[0]!.bytes;
    envelopeAttacks((x) => b1.receive(x), c, 2, 1);
    rejects(() => b1.receive(patch(c, H + 7, [c[H + 7]! ^ 1])), 'INCONSISTENT_BROADCAST', [2]);
    b1.receive(c);
    b2.receive(b1.outgoing[0]!.bytes);
    assert.deepEqual(b1.finish().publicKey, b2.finish().publicKey);
  });
});

describe('DKLs23 signing rejects tampered messages of every type', () => {
  const keys = runEcdsaDkg({ threshold: 2, parties: 3 });
  const digest = sha256(new TextEncoder().encode('transfer 1 BTC'));
  const begin = (signers = [1, 2], d = digest, s = session()) =>
    new Map(
      signers.map((id) => [
        id,
        startEcdsaSign({ key: keys[id - 1]!, session: s, signers, digest: d }),
      ]),
    );

  /** Runs signers 1 and 2, editing party 2's message in `round`; returns the first error. */
  function signWith(round: number, edit: (m: Uint8Array) => Uint8Array): unknown {
    let states = begin() as Map<number, ProtocolRound>;
    try {
      for (let k = 1; k <= 3; k++) {
        for (const m of [...states.values()].flatMap((st) => st.outgoing)) {
          const bytes = k === round && m.from === 2 ? edit(m.bytes) : m.bytes;
          for (const [id, st] of states)
            if (id !== m.from && (m.to === 0 || m.to === id)) st.receive(bytes);
        }
        if (k < 3) states = new Map([...states].map(([id, st]) => [id, st.advance!()]));
      }
      for (const st of states.values()) st.finish!();
      return undefined;
    } catch (e) {
      return e;
    }
  }

  test('an untampered run succeeds (the harness itself works)', () => {
    assert.equal(
      signWith(1, (m) => m),
      undefined,
    );
  });

  test('round 1: a tampered sign id is another request; no input panics', () => {
    const r = begin([1, 2], digest, session());
    const m = r.get(2)!.outgoing[0]!.bytes;
    rejects(() => r.get(1)!.receive(patch(m, H, [m[H]! ^ 1])), 'INCONSISTENT_BROADCAST', [2]);
    fuzz((x) => r.get(1)!.receive(x), m);
  });

  // Round-one payload: sign_id (32) | run nonce (32) | Com(R_i) (32) | u, x̃, t̃ (M1).
  test("round 1: a tampered OT-extension message (u, x̃ or t̃) fails Alice's check, blaming Bob", () => {
    for (const at of [H + 96 + 5, H + 96 + 19_968 + 3, H + 96 + 19_968 + 26 + 100]) {
      isCoreError(
        signWith(1, (m) => patch(m, at, [m[at]! ^ 1])),
        'CONSISTENCY_CHECK_FAILED',
        [2],
      );
    }
    // A commitment to R that R does not open is caught in round 2.
    isCoreError(
      signWith(1, (m) => patch(m, H + 72, [m[H + 72]! ^ 1])),
      'INVALID_PROOF',
      [2],
    );
  });

  test('round 1: a run nonce other than the one Bob extended under fails the session typed, blaming him', () => {
    for (const at of [H + 32, H + 63])
      isCoreError(
        signWith(1, (m) => patch(m, at, [m[at]! ^ 1])),
        'CONSISTENCY_CHECK_FAILED',
        [2],
      );
  });

  test('round 2: envelope attacks, hostile points and scalars, and R_j that does not open', () => {
    const r = begin();
    for (const [id, st] of r)
      for (const m of st.outgoing) if (m.to !== id) r.get(m.to)!.receive(m.bytes);
    const a = new Map([...r].map(([id, st]) => [id, st.advance()]));
    const m = a.get(2)!.outgoing[0]!.bytes;
    const a1 = a.get(1)!;
    envelopeAttacks((x) => a1.receive(x), m, 2, 1);
    for (const at of [H, H + 97, H + 130, H + 163]) {
      for (const point of Object.values(hostilePoints))
        rejects(() => a1.receive(patch(m, at, point)), 'INVALID_POINT', [2]);
    }
    for (const sc of Object.values(hostileScalars))
      rejects(() => a1.receive(patch(m, H + 196, sc)), 'INVALID_SCALAR', [2]);
    rejects(
      () => a1.receive(patch(m, H, secp256k1.Point.BASE.toBytes(true))),
      'INVALID_PROOF',
      [2],
    );
    fuzz((x) => a1.receive(x), m);
  });

  test('round 2: tampered pk_i, Γ^u, Γ^v, τ, μ or γ fail the consistency checks, blaming the sender', () => {
    const g = secp256k1.Point.BASE.multiply(12345n).toBytes(true);
    const m2 = H + 228;
    const edits: [string, (m: Uint8Array) => Uint8Array][] = [
      ['pk_i', (m) => patch(m, H + 97, g)],
      ['Γ^u', (m) => patch(m, H + 130, g)],
      ['Γ^v', (m) => patch(m, H + 163, g)],
      // τ_{k,w} is used only where Bob's β_k = 1, so change τ_{k,0} for every k.
      [
        'τ',
        (m) => {
          const out = m.slice();
          for (let k = 0; k < 416; k++) out[m2 + k * 128 + 31] = out[m2 + k * 128 + 31]! ^ 1;
          return out;
        },
      ],
      ['μ_0', (m) => patch(m, m2 + 53_248 + 32 + 31, [m[m2 + 53_248 + 32 + 31]! ^ 1])],
      ['γ_0', (m) => patch(m, m2 + 53_248 + 96 + 31, [m[m2 + 53_248 + 96 + 31]! ^ 1])],
      ['H_r', (m) => patch(m, m2 + 53_248, [m[m2 + 53_248]! ^ 1])],
    ];
    for (const [name, edit] of edits) {
      const e = signWith(2, edit);
      assert.ok(e instanceof CoreError, `${name}: ${String(e)}`);
      assert.equal(e.code, 'CONSISTENCY_CHECK_FAILED', `${name}: ${e.message}`);
      assert.deepEqual([...e.culprits], [2], name);
    }
  });

  test('a tampered ψ or w yields an invalid final signature: INVALID_SIGNATURE (quarantine, never retried)', () => {
    isCoreError(
      signWith(2, (m) => patch(m, H + 196 + 31, [m[H + 196 + 31]! ^ 1])),
      'INVALID_SIGNATURE',
      [],
    );
    isCoreError(
      signWith(3, (m) => patch(m, H + 63, [m[H + 63]! ^ 1])),
      'INVALID_SIGNATURE',
      [],
    );
  });

  test('round 3: envelope attacks and hostile scalars in u and w', () => {
    const r = begin() as Map<number, ProtocolRound>;
    let states = r;
    for (let k = 1; k <= 2; k++) {
      for (const m of [...states.values()].flatMap((st) => st.outgoing))
        for (const [id, st] of states)
          if (id !== m.from && (m.to === 0 || m.to === id)) st.receive(m.bytes);
      states = new Map([...states].map(([id, st]) => [id, st.advance!()]));
    }
    const m = states.get(2)!.outgoing[0]!.bytes;
    const s1 = states.get(1)!;
    envelopeAttacks((x) => s1.receive(x), m, 2, 1);
    for (const sc of Object.values(hostileScalars)) {
      rejects(() => s1.receive(patch(m, H, sc)), 'INVALID_SCALAR', [2]);
      rejects(() => s1.receive(patch(m, H + 32, sc)), 'INVALID_SCALAR', [2]);
    }
    s1.receive(m);
    rejects(() => s1.receive(m), 'DUPLICATE_MESSAGE', [2]);
    assert.ok(s1.finish!());
  });
});
