/**
 * Node identity signatures: single-key RFC 8032 Ed25519 (PureEdDSA) over arbitrary bytes, in
 * the wasm core (ed25519-dalek). Signing is deterministic; verification is strict: the public
 * key and `R` must be canonical and not of small order and `S` below the group order, so each
 * key and message accept exactly one signature encoding.
 * @module
 */
import { call } from './errors.ts';
import { core } from './load.ts';

/** Signs `msg` with a 32-byte secret seed; returns the 64-byte signature `R ‖ S` (throws `InvalidLengthError` on a bad seed). */
export function ed25519Sign(secret: Uint8Array, msg: Uint8Array): Uint8Array {
  return call(() => core.identitySign(secret, msg));
}

/** Strictly verifies a 64-byte signature on `msg` under a 32-byte public key; false on any failure or wrong length, never throws. */
export function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  return core.identityVerify(publicKey, msg, sig);
}

/** Derives the 32-byte public key of a 32-byte secret seed (throws `InvalidLengthError` on a bad seed). */
export function ed25519PublicKey(secret: Uint8Array): Uint8Array {
  return call(() => core.identityPublicKey(secret));
}
