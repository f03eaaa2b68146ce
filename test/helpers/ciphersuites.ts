/**
 * The table every protocol suite runs over: one row per threshold scheme, with what differs
 * between them (curve, signed input, rounds, independent verifiers) and nothing else, as
 * frost-core's tests are instantiated once per ciphersuite.
 */
import assert from 'node:assert/strict';
import {
  startEcdsaDkg,
  startEcdsaSign,
  startFrostDkg,
  startFrostSign,
  type EcdsaKeyShare,
  type EcdsaSignature,
} from '../../src/core/index.ts';
import { runEcdsaDkg, runEcdsaSign, runFrostDkg, runFrostSign } from '../../src/protocol/local.ts';
import type { ProtocolRound } from '../../src/protocol/round.ts';
import * as ecdsa from './ecdsa.ts';
import { ed25519Hostile, secp256k1Hostile, type HostileEncodings } from './hostile.ts';
import { PROTOCOL } from './header.ts';
import * as ed from './verify.ts';

/** The public facts of a key share both schemes have. */
export interface KeyShare {
  blob: Uint8Array;
  id: number;
  threshold: number;
  parties: number;
  publicKey: Uint8Array;
}

export interface Ciphersuite {
  /** The scheme and its curve, as test names read. */
  name: string;
  /** Length of the group public key (Ed25519 32, compressed secp256k1 33). */
  publicKeyLength: number;
  /** The committees (threshold, parties) whose every signer subset the sign suite runs. */
  committees: readonly (readonly [number, number])[];
  /** The committee the hostile suites run: the smallest that has every message type (two
   * parties keep each DKLs23 key generation cheap). */
  smallCommittee: readonly [number, number];
  /** Protocol tags of the key generation and the signing (src/core/wire.ts). */
  protocol: { dkg: number; sign: number };
  hostile: HostileEncodings;
  dkg(threshold: number, parties: number): KeyShare[];
  startDkg(opts: {
    session: Uint8Array;
    threshold: number;
    parties: number;
    me: number;
  }): ProtocolRound;
  /** The bytes the core signs for `text` (FROST the message, DKLs23 its SHA-256) and the message. */
  input(text: string): { signed: Uint8Array; message: Uint8Array };
  /** Signed inputs whose bytes are edge cases: all-zero, 0x00-prefixed (and empty where allowed),
   * with the message node:crypto can check them over where there is one (a digest has none). */
  edgeInputs: { signed: Uint8Array; message?: Uint8Array }[];
  /** The public facts every party of one key must agree on. */
  publicFacts(k: KeyShare): Record<string, Uint8Array>;
  sign(keys: readonly KeyShare[], signers: readonly number[], signed: Uint8Array): Signed;
  startSign(opts: {
    key: KeyShare | Uint8Array;
    session: Uint8Array;
    signers: readonly number[];
    signed: Uint8Array;
  }): ProtocolRound;
  /** Offsets of key-blob bytes the core checks when it loads a share. */
  checkedOnLoad(k: KeyShare): number[];
  /** The 64-byte signature in what a last signing round's finish() returns. */
  signatureOf(finished: unknown): Uint8Array;
  nobleVerify(sig: Uint8Array, signed: Uint8Array, pk: Uint8Array): boolean;
  /** node:crypto over the message (it hashes itself). */
  nodeCryptoVerify(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
}

/** A finished signing: r ‖ s (or R ‖ s) and the scheme's own checks of the rest of its answer. */
export interface Signed {
  signature: Uint8Array;
  /** Asserts scheme-specific properties under the group key (DKLs23: recovery id, low s). */
  properties?(pk: Uint8Array): void;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Every (threshold, parties) with 2 <= threshold <= parties <= `max`. */
function everyCommittee(max: number): [number, number][] {
  const out: [number, number][] = [];
  for (let parties = 2; parties <= max; parties++)
    for (let threshold = 2; threshold <= parties; threshold++) out.push([threshold, parties]);
  return out;
}

export const CIPHERSUITES: readonly Ciphersuite[] = [
  {
    name: 'FROST(Ed25519)',
    publicKeyLength: 32,
    committees: everyCommittee(7),
    smallCommittee: [2, 3],
    protocol: { dkg: PROTOCOL.frostEd25519Dkg, sign: PROTOCOL.frostEd25519Sign },
    hostile: ed25519Hostile,
    dkg: (threshold, parties) => runFrostDkg({ threshold, parties }),
    startDkg: (opts) => startFrostDkg(opts),
    input: (text) => {
      const message = new TextEncoder().encode(text);
      return { signed: message, message };
    },
    edgeInputs: [new Uint8Array(0), new Uint8Array(32), Uint8Array.from([0, 0, 1, 2])].map((m) => ({
      signed: m,
      message: m,
    })),
    publicFacts: (k) => ({ publicKey: k.publicKey }),
    sign: (keys, signers, message) => ({
      signature: runFrostSign({ keys: keys as never, signers, message }),
    }),
    startSign: ({ key, session, signers, signed }) =>
      startFrostSign({ key: key as never, session, signers, message: signed }),
    // Byte 10 is in the signing share, checked against the party's verifying share.
    checkedOnLoad: () => [10],
    signatureOf: (finished) => finished as Uint8Array,
    nobleVerify: ed.nobleVerify,
    nodeCryptoVerify: ed.nodeCryptoVerify,
  },
  {
    name: 'DKLs23(secp256k1)',
    publicKeyLength: 33,
    committees: [
      [2, 2],
      [2, 3],
      [3, 5],
    ],
    smallCommittee: [2, 2],
    protocol: { dkg: PROTOCOL.ecdsaDkg, sign: PROTOCOL.ecdsaSign },
    hostile: secp256k1Hostile,
    dkg: (threshold, parties) => runEcdsaDkg({ threshold, parties }),
    startDkg: (opts) => startEcdsaDkg(opts),
    input: (text) => {
      const { message, digest } = ecdsa.digestOf(text);
      return { signed: digest, message };
    },
    edgeInputs: [
      new Uint8Array(32),
      Uint8Array.from({ length: 32 }, (_, i) => (i < 3 ? 0 : i)),
    ].map((d) => ({ signed: d })),
    publicFacts: (k) => ({ publicKey: k.publicKey, chainCode: (k as EcdsaKeyShare).chainCode }),
    sign: (keys, signers, digest) => {
      const sig = runEcdsaSign({ keys: keys as never, signers, digest });
      // The core's full answer, not only r ‖ s: the key it names, its recovery id, low s.
      const properties = (pk: Uint8Array) => {
        assert.equal(hex(sig.publicKey), hex(pk));
        assert.equal(
          hex(ecdsa.recover(sig.signature, sig.recoveryId, digest)),
          hex(pk),
          'public-key recovery from the recovery id',
        );
        assert.ok(ecdsa.isLowS(sig.signature), 'low-s');
      };
      return { signature: sig.signature, properties };
    },
    startSign: ({ key, session, signers, signed }) =>
      startEcdsaSign({ key: key as never, session, signers, digest: signed }),
    // A byte of the secret share x (after the epoch, checked against the party's public share)
    // and one of the stored group key. The epoch and chain code are labels no check can catch.
    checkedOnLoad: (k) => {
      const at = (field: Uint8Array) => Buffer.from(k.blob).indexOf(Buffer.from(field));
      assert.ok(
        at((k as EcdsaKeyShare).epoch) > 0 && at(k.publicKey) > 0,
        'the blob holds its epoch and group key',
      );
      return [at((k as EcdsaKeyShare).epoch) + 32 + 5, at(k.publicKey) + 1];
    },
    signatureOf: (finished) => (finished as EcdsaSignature).signature,
    nobleVerify: ecdsa.nobleVerify,
    nodeCryptoVerify: ecdsa.nodeCryptoVerify,
  },
];
