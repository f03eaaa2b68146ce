import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError, errors, startFrostDkg, startFrostSign, type FrostDkgRound1, type FrostKeyShare } from '../src/core/index.ts';
import { deliver, runFrostDkg } from '../src/protocol/local.ts';
import { hostilePoints, hostileScalars, L, le32, patch, readLe } from './helpers/bytes.ts';
import { nobleVerify } from './helpers/verify.ts';

const H = 39; // envelope header length
const session = () => crypto.getRandomValues(new Uint8Array(32));

/** Asserts `fn` throws the typed core error `code` naming exactly `culprits`. */
function rejects(fn: () => void, code: string, culprits: number[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CoreError, `expected a CoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.deepEqual([...e.culprits], culprits);
    return true;
  });
}

function dkgRound1(threshold: number, parties: number, s = session()) {
  const r1 = new Map<number, FrostDkgRound1>();
  for (let me = 1; me <= parties; me++) r1.set(me, startFrostDkg({ session: s, threshold, parties, me }));
  const msg = (id: number) => r1.get(id)!.outgoing[0]!.bytes;
  return { r1, msg, session: s };
}

/** Finishes a DKG whose round-one messages have not been delivered yet, then signs once. */
function completeAndSign(r1: Map<number, FrostDkgRound1>): void {
  deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
  const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
  deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
  const keys = [...r2.values()].map((r) => r.finish());
  signAll(keys, [1, 2]);
}

function signAll(keys: FrostKeyShare[], signers: number[]): Uint8Array {
  const s = session();
  const message = new TextEncoder().encode('still works');
  const r1 = new Map(signers.map((id) => [id, startFrostSign({ key: keys[id - 1]!, session: s, signers, message })]));
  deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
  const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
  deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
  const sig = [...r2.values()].map((r) => r.finish())[0]!;
  assert.ok(nobleVerify(sig, message, keys[0]!.publicKey));
  return sig;
}

describe('DKG round one rejects hostile broadcasts, naming the sender, and stays usable', () => {
  test('malformed envelopes: truncated, extended, empty, header-only, wrong version, garbage, oversized', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    const m = msg(2);
    rejects(() => p1.receive(m.slice(0, -1)), 'INVALID_LENGTH', [2]);
    rejects(() => p1.receive(Uint8Array.from([...m, 0])), 'INVALID_LENGTH', [2]);
    rejects(() => p1.receive(new Uint8Array(0)), 'DECODE', []);
    rejects(() => p1.receive(m.slice(0, H)), 'INVALID_LENGTH', [2]);
    rejects(() => p1.receive(m.slice(0, 20)), 'DECODE', []);
    rejects(() => p1.receive(patch(m, 0, [2])), 'UNSUPPORTED_VERSION', [2]);
    rejects(() => p1.receive(patch(m, 1, [2])), 'WRONG_PROTOCOL', [2]);
    rejects(() => p1.receive(patch(m, 2, session())), 'WRONG_SESSION', [2]);
    rejects(() => p1.receive(patch(m, 34, [2])), 'WRONG_ROUND', [2]);
    rejects(() => p1.receive(patch(m, 37, [0, 3])), 'WRONG_RECEIVER', [2]);
    rejects(() => p1.receive(new Uint8Array(200_000)), 'DECODE', []);
    assert.throws(() => p1.receive(crypto.getRandomValues(new Uint8Array(200))), CoreError);
    completeAndSign(r1);
  });

  test('party ids 0, unknown, outside the committee or the receiver itself are rejected as senders', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    rejects(() => p1.receive(patch(msg(2), 35, [0, 0])), 'UNKNOWN_SENDER', [0]);
    rejects(() => p1.receive(patch(msg(2), 35, [0, 9])), 'UNKNOWN_SENDER', [9]);
    rejects(() => p1.receive(patch(msg(2), 35, [0xff, 0xff])), 'UNKNOWN_SENDER', [65535]);
    rejects(() => p1.receive(msg(1)), 'UNKNOWN_SENDER', [1]);
    completeAndSign(r1);
  });

  test('hostile points in the commitment vector, R or the ephemeral key are INVALID_POINT', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    for (const [name, point] of Object.entries(hostilePoints)) {
      for (const offset of [H, H + 32, H + 64, H + 128]) {
        assert.throws(() => p1.receive(patch(msg(3), offset, point)), (e: unknown) => {
          assert.ok(e instanceof errors.InvalidPointError, `${name} at ${offset}: ${String(e)}`);
          assert.deepEqual([...e.culprits], [3]);
          return true;
        });
      }
    }
    completeAndSign(r1);
  });

  test('hostile scalars q, q+1, 2^256-1 in the proof are INVALID_SCALAR; a wrong proof is INVALID_PROOF', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    const muAt = H + 96;
    for (const s of Object.values(hostileScalars)) rejects(() => p1.receive(patch(msg(2), muAt, s)), 'INVALID_SCALAR', [2]);
    rejects(() => p1.receive(patch(msg(2), muAt, le32(0n))), 'INVALID_PROOF', [2]);
    const mu = readLe(msg(2).slice(muAt, muAt + 32));
    rejects(() => p1.receive(patch(msg(2), muAt, le32((mu + 1n) % L))), 'INVALID_PROOF', [2]);
    // Swapping the constant-term commitment for another party's breaks the proof too (rogue key).
    rejects(() => p1.receive(patch(msg(2), H, msg(3).slice(H, H + 32))), 'INVALID_PROOF', [2]);
    completeAndSign(r1);
  });

  test('a commitment vector of the wrong length (threshold raise) is INVALID_LENGTH', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const m = msg(2);
    const longer = new Uint8Array(m.length + 32);
    longer.set(m.slice(0, H + 64));
    longer.set(m.slice(H, H + 32), H + 64);
    longer.set(m.slice(H + 64), H + 96);
    rejects(() => r1.get(1)!.receive(longer), 'INVALID_LENGTH', [2]);
    const shorter = Uint8Array.from([...m.slice(0, H + 32), ...m.slice(H + 64)]);
    rejects(() => r1.get(1)!.receive(shorter), 'INVALID_LENGTH', [2]);
    completeAndSign(r1);
  });

  test('a duplicate broadcast is DUPLICATE_MESSAGE and the first copy is kept', () => {
    const { r1, msg } = dkgRound1(2, 3);
    r1.get(1)!.receive(msg(2));
    rejects(() => r1.get(1)!.receive(msg(2)), 'DUPLICATE_MESSAGE', [2]);
    r1.get(1)!.receive(msg(3));
    for (const [id, r] of r1) if (id !== 1) for (const m of [1, 2, 3]) if (m !== id) r.receive(msg(m));
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
    signAll([...r2.values()].map((r) => r.finish()), [2, 3]);
  });

  test('advancing with messages missing names the absent parties and keeps the state', () => {
    const { r1, msg } = dkgRound1(3, 4);
    r1.get(1)!.receive(msg(3));
    rejects(() => r1.get(1)!.advance(), 'MISSING_MESSAGES', [2, 4]);
    assert.deepEqual(r1.get(1)!.missing(), [2, 4]);
  });
});

describe('DKG round two rejects equivocation and tampered shares', () => {
  test('a party that equivocates its round-one broadcast is caught by the echo check', () => {
    const s = session();
    const { r1, msg } = dkgRound1(2, 3, s);
    // Party 3 sends party 1 a different (validly proven) broadcast than it sends party 2.
    const alt = startFrostDkg({ session: s, threshold: 2, parties: 3, me: 3 }).outgoing[0]!.bytes;
    r1.get(1)!.receive(msg(2));
    r1.get(1)!.receive(alt);
    r1.get(2)!.receive(msg(1));
    r1.get(2)!.receive(msg(3));
    r1.get(3)!.receive(msg(1));
    r1.get(3)!.receive(msg(2));
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const to1 = (from: number) => r2.get(from)!.outgoing.find((m) => m.to === 1)!.bytes;
    rejects(() => r2.get(1)!.receive(to1(2)), 'INCONSISTENT_BROADCAST', [2, 3]);
    rejects(() => r2.get(1)!.receive(to1(3)), 'INCONSISTENT_BROADCAST', [3]);
  });

  test('a tampered ciphertext is DECRYPTION_FAILED; a message for another party is WRONG_RECEIVER', () => {
    const { r1 } = dkgRound1(2, 3);
    deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const m21 = r2.get(2)!.outgoing.find((m) => m.to === 1)!.bytes;
    const m23 = r2.get(2)!.outgoing.find((m) => m.to === 3)!.bytes;
    rejects(() => r2.get(1)!.receive(patch(m21, H + 5, [m21[H + 5]! ^ 1])), 'DECRYPTION_FAILED', [2]);
    rejects(() => r2.get(1)!.receive(m23), 'WRONG_RECEIVER', [2]);
    // A round-one message replayed into round two is WRONG_ROUND.
    rejects(() => r2.get(1)!.receive(r1.get(2)!.outgoing[0]!.bytes), 'WRONG_ROUND', [2]);
    deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
    signAll([...r2.values()].map((r) => r.finish()), [1, 3]);
  });
});

describe('signing rejects hostile input and misuse', () => {
  const keys = runFrostDkg({ threshold: 2, parties: 3 });
  const message = new TextEncoder().encode('pay 1 coin');
  const start = (ids: number[], s: Uint8Array, msg = message) =>
    new Map(ids.map((id) => [id, startFrostSign({ key: keys[id - 1]!, session: s, signers: ids, message: msg })]));

  test('a tampered signature share is INVALID_SIGNATURE_SHARE naming its signer; hostile scalars are INVALID_SCALAR', () => {
    const r1 = start([1, 2, 3], session());
    deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const z2 = r2.get(2)!.outgoing[0]!.bytes;
    const z = readLe(z2.slice(H));
    rejects(() => r2.get(1)!.receive(patch(z2, H, le32((z + 1n) % L))), 'INVALID_SIGNATURE_SHARE', [2]);
    rejects(() => r2.get(1)!.receive(patch(z2, H, le32(0n))), 'INVALID_SIGNATURE_SHARE', [2]);
    for (const s of Object.values(hostileScalars)) rejects(() => r2.get(1)!.receive(patch(z2, H, s)), 'INVALID_SCALAR', [2]);
    deliver(r2, [...r2.values()].flatMap((r) => r.outgoing));
    const sigs = [...r2.values()].map((r) => r.finish());
    assert.ok(nobleVerify(sigs[0]!, message, keys[0]!.publicKey));
  });

  test('hostile commitments are INVALID_POINT; a signer on another request is INCONSISTENT_BROADCAST', () => {
    const s = session();
    const r1 = start([1, 2], s);
    const m2 = r1.get(2)!.outgoing[0]!.bytes;
    for (const point of Object.values(hostilePoints)) {
      rejects(() => r1.get(1)!.receive(patch(m2, H + 32, point)), 'INVALID_POINT', [2]);
      rejects(() => r1.get(1)!.receive(patch(m2, H + 64, point)), 'INVALID_POINT', [2]);
    }
    const other = start([1, 2], s, new TextEncoder().encode('pay 100 coins'));
    rejects(() => r1.get(1)!.receive(other.get(2)!.outgoing[0]!.bytes), 'INCONSISTENT_BROADCAST', [2]);
    rejects(() => r1.get(1)!.receive(r1.get(1)!.outgoing[0]!.bytes), 'UNKNOWN_SENDER', [1]);
    // Party 3 is not a signer in this session: its message is refused.
    const r3 = start([1, 3], s);
    rejects(() => r1.get(1)!.receive(r3.get(3)!.outgoing[0]!.bytes), 'UNKNOWN_SENDER', [3]);
  });

  test('a message replayed from an earlier session is WRONG_SESSION naming the sender', () => {
    const old = start([1, 2], session());
    const fresh = start([1, 2], session());
    rejects(() => fresh.get(1)!.receive(old.get(2)!.outgoing[0]!.bytes), 'WRONG_SESSION', [2]);
  });

  test('nonces are single-use: advancing twice, or receiving after advancing, is STATE_CONSUMED', () => {
    const r1 = start([1, 2], session());
    deliver(r1, [...r1.values()].flatMap((r) => r.outgoing));
    const p1 = r1.get(1)!;
    p1.advance();
    assert.throws(() => p1.advance(), errors.StateConsumedError);
    assert.throws(() => p1.receive(r1.get(2)!.outgoing[0]!.bytes), errors.StateConsumedError);
  });

  test('signer lists with id 0, duplicates, unknown parties or without the local party are refused', () => {
    const k = keys[0]!;
    const bad: [number[], string][] = [
      [[0, 1], 'INVALID_IDENTIFIER'],
      [[1, 1, 2], 'INVALID_IDENTIFIER'],
      [[1, 4], 'INVALID_IDENTIFIER'],
      [[2, 3], 'INVALID_PARAMETERS'],
      [[1], 'NOT_ENOUGH_SIGNERS'],
    ];
    for (const [signers, code] of bad) {
      rejects(() => startFrostSign({ key: k, session: session(), signers, message }), code, []);
    }
    rejects(() => startFrostSign({ key: k, session: new Uint8Array(31), signers: [1, 2], message }), 'INVALID_PARAMETERS', []);
  });

  test('a corrupted key blob is refused with a typed error', () => {
    const blob = keys[0]!.blob;
    for (const b of [blob.slice(0, -1), Uint8Array.from([...blob, 0]), patch(blob, 0, [9]), new Uint8Array(0), patch(blob, 10, [blob[10]! ^ 0xff])]) {
      assert.throws(() => startFrostSign({ key: b, session: session(), signers: [1, 2], message }), CoreError);
    }
  });
});

describe('no input makes the wasm core panic', () => {
  test('thousands of random and mutated messages into every round raise only typed errors', () => {
    const keys = runFrostDkg({ threshold: 2, parties: 3 });
    const { r1, msg } = dkgRound1(2, 3);
    const sign1 = startFrostSign({ key: keys[0]!, session: session(), signers: [1, 2, 3], message: new Uint8Array(8) });
    const seeds = [msg(2), msg(3), sign1.outgoing[0]!.bytes];
    const targets: { receive(m: Uint8Array): void }[] = [r1.get(1)!, sign1];
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const base = seeds[i % seeds.length]!;
      let m: Uint8Array;
      switch (i % 4) {
        case 0: m = crypto.getRandomValues(new Uint8Array(i % 300)); break;
        case 1: { m = base.slice(); const k = i % m.length; m[k] = m[k]! ^ (1 << (i % 8)); break; }
        case 2: m = base.slice(0, i % base.length); break;
        default: m = Uint8Array.from([...base.slice(0, H), ...crypto.getRandomValues(new Uint8Array(base.length - H))]);
      }
      for (const t of targets) {
        try {
          t.receive(m);
        } catch (e) {
          assert.ok(e instanceof CoreError, `non-typed error (a panic?): ${String(e)}`);
          rejected++;
        }
      }
    }
    assert.ok(rejected > 5000, `expected most mutations to be rejected, got ${rejected}`);
    completeAndSign(dkgRound1(2, 3).r1);
  });
});
