/**
 * Hostile input every scheme in CIPHERSUITES must refuse the same way: malformed envelopes,
 * duplicates, replays, non-signers, consumed rounds, bad signer lists and corrupted key blobs,
 * each a typed error naming the culprit, after which the session still completes. What only one
 * scheme's payload has (its points, proofs, ciphertexts): frost.hostile and ecdsa.hostile.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError, errors } from '../src/core/index.ts';
import { deliver } from '../src/protocol/local.ts';
import type { ProtocolRound } from '../src/protocol/round.ts';
import { patch } from './helpers/bytes.ts';
import { CIPHERSUITES, type Ciphersuite, type KeyShare } from './helpers/ciphersuites.ts';
import { complete } from './helpers/rounds.ts';
import { envelopeAttacks } from './helpers/hostile.ts';
import { rejects } from './helpers/rejects.ts';

const session = () => crypto.getRandomValues(new Uint8Array(32));

/** Every party's first key-generation round of one session. */
function dkgRound1(suite: Ciphersuite, threshold: number, parties: number) {
  const s = session();
  const r1 = new Map<number, ProtocolRound>();
  for (let me = 1; me <= parties; me++)
    r1.set(me, suite.startDkg({ session: s, threshold, parties, me }));
  /** Party `from`'s round-one message for party `to` (the broadcast, for a broadcast round). */
  const msg = (from: number, to = 1) =>
    r1.get(from)!.outgoing.find((m) => m.to === to || m.to === 0)!.bytes;
  return { r1, msg };
}

/** Signs once with freshly generated keys: the key generation really completed. */
function assertSigns(suite: Ciphersuite, keys: KeyShare[], signers: number[]): void {
  const { signed } = suite.input('still works');
  assert.ok(
    suite.nobleVerify(suite.sign(keys, signers, signed).signature, signed, keys[0]!.publicKey),
  );
}

for (const suite of CIPHERSUITES) {
  describe(`${suite.name}: key generation refuses hostile envelopes, naming the sender, and stays usable`, () => {
    // Party 1 is the victim, party 2 the culprit.
    const [, parties] = suite.smallCommittee;

    test('round one: malformed envelopes and unknown senders are refused; the session then completes and signs', () => {
      const { r1, msg } = dkgRound1(suite, 2, parties);
      envelopeAttacks((m) => r1.get(1)!.receive(m), msg(2), 2, 1);
      assert.deepEqual(
        r1.get(1)!.missing(),
        [2, 3].slice(0, parties - 1),
        'no attack was kept as a message',
      );
      assertSigns(suite, complete(r1) as KeyShare[], [1, 2]);
    });

    test('a duplicate message is DUPLICATE_MESSAGE and the first copy is kept', () => {
      const { r1, msg } = dkgRound1(suite, 2, parties);
      r1.get(1)!.receive(msg(2));
      rejects(() => r1.get(1)!.receive(msg(2)), 'DUPLICATE_MESSAGE', [2]);
      for (const [id, r] of r1)
        for (const from of r1.keys())
          if (from !== id && !(id === 1 && from === 2)) r.receive(msg(from, id));
      const r2 = new Map([...r1].map(([id, r]) => [id, r.advance!()]));
      assertSigns(suite, complete(r2) as KeyShare[], [1, 2]);
    });

    test('advancing with messages missing names the absent parties and keeps the state', () => {
      const { r1, msg } = dkgRound1(suite, 3, 4);
      r1.get(1)!.receive(msg(3));
      rejects(() => r1.get(1)!.advance!(), 'MISSING_MESSAGES', [2, 4]);
      assert.deepEqual(r1.get(1)!.missing(), [2, 4]);
    });
  });

  describe(`${suite.name}: signing refuses hostile input and misuse`, () => {
    let made: KeyShare[] | undefined;
    const keys = () => (made ??= suite.dkg(2, 3));
    const { signed } = suite.input('pay 1 coin');
    const start = (ids: number[], s: Uint8Array, input = signed) =>
      new Map(
        ids.map((id) => [
          id,
          suite.startSign({ key: keys()[id - 1]!, session: s, signers: ids, signed: input }),
        ]),
      );

    test('round one: malformed envelopes, another request, a non-signer, the receiver itself; the signing then completes', () => {
      const s = session();
      const r1 = start([1, 2], s);
      const m2 = r1.get(2)!.outgoing[0]!.bytes;
      envelopeAttacks((m) => r1.get(1)!.receive(m), m2, 2, 1);
      const other = start([1, 2], s, suite.input('pay 100 coins').signed);
      rejects(
        () => r1.get(1)!.receive(other.get(2)!.outgoing[0]!.bytes),
        'INCONSISTENT_BROADCAST',
        [2],
      );
      rejects(() => r1.get(1)!.receive(r1.get(1)!.outgoing[0]!.bytes), 'UNKNOWN_SENDER', [1]);
      // Party 3 is not a signer in this session: its message is refused.
      const r3 = start([1, 3], s);
      rejects(
        () => r1.get(1)!.receive(r3.get(3)!.outgoing.find((m) => m.to === 0 || m.to === 1)!.bytes),
        'UNKNOWN_SENDER',
        [3],
      );
      assert.deepEqual(r1.get(1)!.missing(), [2]);
      assert.ok(
        suite.nobleVerify(suite.signatureOf(complete(r1)[0]), signed, keys()[0]!.publicKey),
      );
    });

    test('a message replayed from an earlier session is WRONG_SESSION naming the sender', () => {
      const old = start([1, 2], session());
      const fresh = start([1, 2], session());
      rejects(() => fresh.get(1)!.receive(old.get(2)!.outgoing[0]!.bytes), 'WRONG_SESSION', [2]);
    });

    test('nonces are single-use: advancing twice, or receiving after advancing, is STATE_CONSUMED', () => {
      const r1 = start([1, 2], session());
      deliver(
        r1,
        [...r1.values()].flatMap((r) => r.outgoing),
      );
      const p1 = r1.get(1)!;
      p1.advance!();
      assert.throws(() => p1.advance!(), errors.StateConsumedError);
      assert.throws(() => p1.receive(r1.get(2)!.outgoing[0]!.bytes), errors.StateConsumedError);
    });

    test('signer lists with id 0, duplicates, unknown parties or without the local party are refused', () => {
      const k = keys()[0]!;
      const bad: [number[], string][] = [
        [[0, 1], 'INVALID_IDENTIFIER'],
        [[1, 1, 2], 'INVALID_IDENTIFIER'],
        [[1, 4], 'INVALID_IDENTIFIER'],
        [[2, 3], 'INVALID_PARAMETERS'],
        [[1], 'NOT_ENOUGH_SIGNERS'],
      ];
      for (const [signers, code] of bad)
        rejects(() => suite.startSign({ key: k, session: session(), signers, signed }), code, []);
      rejects(
        () => suite.startSign({ key: k, session: new Uint8Array(31), signers: [1, 2], signed }),
        'INVALID_PARAMETERS',
        [],
      );
    });

    test('a corrupted key blob is refused with a typed error', () => {
      const blob = keys()[0]!.blob;
      const flipped = suite
        .checkedOnLoad(keys()[0]!)
        .map((at) => patch(blob, at, [blob[at]! ^ 0xff]));
      for (const b of [
        blob.slice(0, -1),
        Uint8Array.from([...blob, 0]),
        patch(blob, 0, [9]),
        new Uint8Array(0),
        ...flipped,
      ]) {
        assert.throws(
          () => suite.startSign({ key: b, session: session(), signers: [1, 2], signed }),
          CoreError,
        );
      }
    });
  });
}
