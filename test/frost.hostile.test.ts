/**
 * What only FROST(Ed25519)'s payload has: hostile points and scalars in commitments, proofs and
 * signature shares, the commitment vector's length, the echo check, encrypted shares, and a
 * fuzz of every round. Envelope-level attacks every scheme shares: protocol.hostile.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CoreError,
  errors,
  startFrostDkg,
  startFrostSign,
  type FrostDkgRound1,
  type FrostKeyShare,
} from '../src/core/index.ts';
import { deliver, runFrostDkg } from '../src/protocol/local.ts';
import { L, le32, patch, readLe } from './helpers/bytes.ts';
import type { OutgoingMessage } from '../src/core/wire.ts';
import type { ProtocolRound } from '../src/protocol/round.ts';
import { complete } from './helpers/rounds.ts';
import { HEADER_LEN as H } from './helpers/header.ts';
import { ed25519Hostile } from './helpers/hostile.ts';
import { rejects } from './helpers/rejects.ts';
import { nobleVerify } from './helpers/verify.ts';

const { points: hostilePoints, scalars: hostileScalars } = ed25519Hostile;
const session = () => crypto.getRandomValues(new Uint8Array(32));

function dkgRound1(threshold: number, parties: number, s = session()) {
  const r1 = new Map<number, FrostDkgRound1>();
  for (let me = 1; me <= parties; me++)
    r1.set(me, startFrostDkg({ session: s, threshold, parties, me }));
  const msg = (id: number) => r1.get(id)!.outgoing[0]!.bytes;
  return { r1, msg, session: s };
}

/** Finishes a DKG whose round-one messages have not been delivered yet, then signs once. */
function completeAndSign(r1: Map<number, FrostDkgRound1>): void {
  signAll(complete(r1) as FrostKeyShare[], [1, 2]);
}

function signAll(keys: FrostKeyShare[], signers: number[]): Uint8Array {
  const s = session();
  const message = new TextEncoder().encode('still works');
  const r1 = new Map(
    signers.map((id) => [id, startFrostSign({ key: keys[id - 1]!, session: s, signers, message })]),
  );
  const sig = complete(r1)[0] as Uint8Array;
  assert.ok(nobleVerify(sig, message, keys[0]!.publicKey));
  return sig;
}

describe('DKG round one rejects hostile payloads, naming the sender, and stays usable', () => {
  test('hostile points in the commitment vector, R or the ephemeral key are INVALID_POINT', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    for (const [name, point] of Object.entries(hostilePoints)) {
      for (const offset of [H, H + 32, H + 64, H + 128]) {
        assert.throws(
          () => p1.receive(patch(msg(3), offset, point)),
          (e: unknown) => {
            assert.ok(e instanceof errors.InvalidPointError, `${name} at ${offset}: ${String(e)}`);
            assert.deepEqual([...e.culprits], [3]);
            return true;
          },
        );
      }
    }
    completeAndSign(r1);
  });

  test('hostile scalars q, q+1, 2^256-1 in the proof are INVALID_SCALAR; a wrong proof is INVALID_PROOF', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const p1 = r1.get(1)!;
    const muAt = H + 96;
    for (const s of Object.values(hostileScalars))
      rejects(() => p1.receive(patch(msg(2), muAt, s)), 'INVALID_SCALAR', [2]);
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
    deliver(
      r1,
      [...r1.values()].flatMap((r) => r.outgoing),
    );
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const m21 = r2.get(2)!.outgoing.find((m) => m.to === 1)!.bytes;
    const m23 = r2.get(2)!.outgoing.find((m) => m.to === 3)!.bytes;
    rejects(
      () => r2.get(1)!.receive(patch(m21, H + 5, [m21[H + 5]! ^ 1])),
      'DECRYPTION_FAILED',
      [2],
    );
    rejects(() => r2.get(1)!.receive(m23), 'WRONG_RECEIVER', [2]);
    // A round-one message replayed into round two is WRONG_ROUND.
    rejects(() => r2.get(1)!.receive(r1.get(2)!.outgoing[0]!.bytes), 'WRONG_ROUND', [2]);
    deliver(
      r2,
      [...r2.values()].flatMap((r) => r.outgoing),
    );
    signAll(
      [...r2.values()].map((r) => r.finish()),
      [1, 3],
    );
  });
});

describe('signing rejects hostile payloads', () => {
  const keys = runFrostDkg({ threshold: 2, parties: 3 });
  const message = new TextEncoder().encode('pay 1 coin');
  const start = (ids: number[], s: Uint8Array, msg = message) =>
    new Map(
      ids.map((id) => [
        id,
        startFrostSign({ key: keys[id - 1]!, session: s, signers: ids, message: msg }),
      ]),
    );

  test('a tampered signature share is INVALID_SIGNATURE_SHARE naming its signer; hostile scalars are INVALID_SCALAR', () => {
    const r1 = start([1, 2, 3], session());
    deliver(
      r1,
      [...r1.values()].flatMap((r) => r.outgoing),
    );
    const r2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const z2 = r2.get(2)!.outgoing[0]!.bytes;
    const z = readLe(z2.slice(H));
    rejects(
      () => r2.get(1)!.receive(patch(z2, H, le32((z + 1n) % L))),
      'INVALID_SIGNATURE_SHARE',
      [2],
    );
    rejects(() => r2.get(1)!.receive(patch(z2, H, le32(0n))), 'INVALID_SIGNATURE_SHARE', [2]);
    for (const s of Object.values(hostileScalars))
      rejects(() => r2.get(1)!.receive(patch(z2, H, s)), 'INVALID_SCALAR', [2]);
    deliver(
      r2,
      [...r2.values()].flatMap((r) => r.outgoing),
    );
    const sigs = [...r2.values()].map((r) => r.finish());
    assert.ok(nobleVerify(sigs[0]!, message, keys[0]!.publicKey));
  });

  test('hostile commitments are INVALID_POINT', () => {
    const r1 = start([1, 2], session());
    const m2 = r1.get(2)!.outgoing[0]!.bytes;
    for (const point of Object.values(hostilePoints)) {
      rejects(() => r1.get(1)!.receive(patch(m2, H + 32, point)), 'INVALID_POINT', [2]);
      rejects(() => r1.get(1)!.receive(patch(m2, H + 64, point)), 'INVALID_POINT', [2]);
    }
  });
});

/** A seeded byte stream (xorshift32), so a fuzz run is the same run every time. */
function seededBytes(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
}

/** Feeds `count` random, bit-flipped, truncated and re-filled variants of `seeds` to every
 * target; asserts every refusal is a typed error and returns how many were refused. */
function fuzz(
  targets: { receive(m: Uint8Array): void }[],
  seeds: Uint8Array[],
  count: number,
  seed: number,
): number {
  const random = seededBytes(seed);
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    const base = seeds[(i >> 2) % seeds.length]!;
    let m: Uint8Array;
    switch (i % 4) {
      case 0:
        m = random(i % 300);
        break;
      case 1: {
        m = base.slice();
        const k = i % m.length;
        m[k] = m[k]! ^ (1 << (i % 8));
        break;
      }
      case 2:
        m = base.slice(0, i % base.length);
        break;
      default:
        m = Uint8Array.from([...base.slice(0, H), ...random(base.length - H)]);
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
  return rejected;
}

/** Delivers `messages` to every party of `parties` except `skip`. */
function deliverExcept(
  parties: ReadonlyMap<number, { receive(m: Uint8Array): void }>,
  skip: number,
  messages: OutgoingMessage[],
): void {
  deliver(
    new Map([...parties].filter(([id]) => id !== skip)),
    messages.filter((m) => m.to !== skip),
  );
}

type Fuzzed = ReadonlyMap<number, ProtocolRound>;

describe('no input makes the wasm core panic, and a fuzzed session still ends as the protocol says', () => {
  const keys = runFrostDkg({ threshold: 2, parties: 3 });
  const message = new TextEncoder().encode('fuzzed, then signed');
  const signing = () => {
    const s = session();
    return new Map(
      [1, 2, 3].map((id) => [
        id,
        startFrostSign({ key: keys[id - 1]!, session: s, signers: [1, 2, 3], message }),
      ]),
    );
  };

  test('round one: thousands of mutations into a DKG and a signing; each fuzzed session then completes, or fails typed where a mutation was kept', () => {
    const { r1, msg } = dkgRound1(2, 3);
    const sign1 = signing();
    const seeds = [
      msg(2),
      msg(3),
      sign1.get(2)!.outgoing[0]!.bytes,
      sign1.get(3)!.outgoing[0]!.bytes,
    ];
    const rejected = fuzz([r1.get(1)!, sign1.get(1)!], seeds, 3000, 3000);
    assert.ok(rejected > 5000, `expected most mutations to be rejected, got ${rejected}`);
    // Round one authenticates only the constant-term commitment (DKG) or nothing (signing
    // commitments are any points): a mutation there may be kept as its sender's message. The
    // real message is then a duplicate, and the session must fail typed before a key or a
    // signature comes out; with nothing kept it completes.
    for (const [rounds, outcome] of [
      [r1 as Fuzzed, (keys: unknown[]) => void signAll(keys as FrostKeyShare[], [1, 2])],
      [
        sign1 as Fuzzed,
        (sigs: unknown[]) =>
          assert.ok(nobleVerify(sigs[0] as Uint8Array, message, keys[0]!.publicKey)),
      ],
    ] as const) {
      const p1 = rounds.get(1)!;
      const kept = [2, 3].filter((id) => !p1.missing().includes(id));
      const real = (id: number) =>
        rounds.get(id)!.outgoing.find((m) => m.to === 0 || m.to === 1)!.bytes;
      for (const id of kept) rejects(() => p1.receive(real(id)), 'DUPLICATE_MESSAGE', [id]);
      const finish = () => {
        deliverExcept(
          rounds,
          1,
          [...rounds.values()].flatMap((r) => r.outgoing),
        );
        for (const id of [2, 3]) if (!kept.includes(id)) p1.receive(real(id));
        return complete(new Map([...rounds].map(([id, r]) => [id, r.advance!()])));
      };
      if (kept.length === 0) outcome(finish());
      else
        assert.throws(finish, CoreError, `mutations kept from ${kept} must fail the session typed`);
    }
  });

  test('round two: thousands of mutations into a DKG and a signing are all refused; both fuzzed sessions complete', () => {
    const { r1 } = dkgRound1(2, 3);
    deliver(
      r1,
      [...r1.values()].flatMap((r) => r.outgoing),
    );
    const dkg2 = new Map([...r1].map(([id, r]) => [id, r.advance()]));
    const sign1 = signing();
    deliver(
      sign1,
      [...sign1.values()].flatMap((r) => r.outgoing),
    );
    const sign2 = new Map([...sign1].map(([id, r]) => [id, r.advance()]));
    const to1 = (
      rounds: ReadonlyMap<number, { outgoing: { to: number; bytes: Uint8Array }[] }>,
      from: number,
    ) => rounds.get(from)!.outgoing.find((m) => m.to === 0 || m.to === 1)!.bytes;
    const seeds = [to1(dkg2, 2), to1(dkg2, 3), to1(sign2, 2), to1(sign2, 3)];
    const rejected = fuzz([dkg2.get(1)!, sign2.get(1)!], seeds, 3000, 2);
    // Encrypted shares and signature shares are verified on receipt: nothing is kept.
    assert.equal(rejected, 6000);
    assert.deepEqual(dkg2.get(1)!.missing(), [2, 3]);
    assert.deepEqual(sign2.get(1)!.missing(), [2, 3]);
    for (const rounds of [dkg2, sign2] as const)
      deliver(
        rounds as ReadonlyMap<number, { receive(m: Uint8Array): void }>,
        [...rounds.values()].flatMap((r) => r.outgoing),
      );
    signAll(
      [...dkg2.values()].map((r) => r.finish()),
      [1, 3],
    );
    assert.ok(
      nobleVerify(sign2.get(1)!.finish(), message, keys[0]!.publicKey),
      'the fuzzed signing produced a valid signature',
    );
  });
});
