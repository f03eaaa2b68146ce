/**
 * ⚠️ Hazmat: raw entry points for tests and interoperability. Importing a share moves a secret
 * produced outside the core into it; prefer the DKG. A fixed seed reused across two signings of
 * different messages reuses nonces and leaks the key share: seeds are for differential tests.
 * Nothing here can inject nonces directly: the RFC 9591 vector path (`commit_with_randomness`)
 * is crate-private in Rust and tested natively.
 * @module
 */
import { call } from './errors.ts';
import { frostKeyShare, type FrostKeyShare } from './frost.ts';
export { dkgWithSeed, signWithSeed } from './frost.ts';
import { core } from './load.ts';

/** Options for importing a dealer-split share (RFC 9591 Appendix C). */
export interface FrostKeyImport {
  /** Minimum number of signers. */
  threshold: number;
  /** Number of parties. */
  parties: number;
  /** This party's id. */
  id: number;
  /** This party's 32-byte signing share (little-endian scalar). */
  signingShare: Uint8Array;
  /** Every party's 32-byte verifying share, in id order. */
  verifyingShares: readonly Uint8Array[];
  /** The 32-byte group public key. */
  groupPublicKey: Uint8Array;
}

/** Validates externally produced shares and wraps them in a key blob. */
export function importFrostKey(k: FrostKeyImport): FrostKeyShare {
  const shares = new Uint8Array(32 * k.verifyingShares.length);
  k.verifyingShares.forEach((s, i) => shares.set(s, 32 * i));
  return frostKeyShare(
    call(() =>
      core.frostKeyImport(k.threshold, k.parties, k.id, k.signingShare, shares, k.groupPublicKey),
    ),
  );
}
