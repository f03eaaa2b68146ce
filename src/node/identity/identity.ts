/**
 * Node identities: an Ed25519 key that signs the node's results (attestations) and an X25519
 * key from which its pairwise peer-message keys are derived. The public half is a JSON file;
 * the private half is a JSON file readable only by its owner or, with a passphrase, an age
 * (scrypt) encrypted file.
 * @module
 */
import { hostname } from 'node:os';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { Decrypter, Encrypter } from 'age-encryption';

/** The public identity every peer and the cluster manifest know. */
export interface PublicIdentity {
  nodeId: string;
  /** Ed25519 public key, hex. */
  ed25519: string;
  /** X25519 public key, hex. */
  x25519: string;
  createdAt: string;
  host: string;
}

/** The private identity; held in memory by the node only. */
export interface PrivateIdentity {
  nodeId: string;
  ed25519Secret: Uint8Array;
  x25519Secret: Uint8Array;
}

/** A wrong passphrase for an encrypted key file. */
export class WrongPassphraseError extends Error {
  override name = 'WrongPassphraseError';
}
/** A key file that is not a valid identity (truncated, edited, wrong format). */
export class CorruptKeyFileError extends Error {
  override name = 'CorruptKeyFileError';
}

const NODE_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
/** age scrypt work factor for key files (2^18: about a second; typage refuses more than 2^20). */
export const SCRYPT_LOG_N = 18;

/** Checks a node id: 1–63 characters of letters, digits, `_` and `-`. */
export function assertNodeId(id: string): void {
  if (!NODE_ID.test(id))
    throw new RangeError(`invalid node id "${id}": use 1-63 letters, digits, "_" or "-"`);
}

/** Generates a fresh identity. */
export function generateIdentity(nodeId: string): {
  public: PublicIdentity;
  private: PrivateIdentity;
} {
  assertNodeId(nodeId);
  const ed25519Secret = ed25519.utils.randomSecretKey();
  const x25519Secret = x25519.utils.randomSecretKey();
  return {
    public: {
      nodeId,
      ed25519: bytesToHex(ed25519.getPublicKey(ed25519Secret)),
      x25519: bytesToHex(x25519.getPublicKey(x25519Secret)),
      createdAt: new Date().toISOString(),
      host: hostname(),
    },
    private: { nodeId, ed25519Secret, x25519Secret },
  };
}

/** Serializes a private identity, optionally age-encrypted under `passphrase`. */
export async function sealPrivateIdentity(
  id: PrivateIdentity,
  passphrase?: string,
  logN = SCRYPT_LOG_N,
): Promise<Uint8Array> {
  const json = new TextEncoder().encode(
    JSON.stringify({
      nodeId: id.nodeId,
      ed25519Secret: bytesToHex(id.ed25519Secret),
      x25519Secret: bytesToHex(id.x25519Secret),
    }),
  );
  if (passphrase === undefined) return json;
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(logN);
  return e.encrypt(json);
}

const AGE_HEADER = 'age-encryption.org/v1';

/** Whether a key file (or its first 32 bytes) is age-encrypted under a passphrase (an scrypt stanza). */
export function isEncryptedIdentity(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.slice(0, 32)).startsWith(`${AGE_HEADER}\n-> scrypt `);
}

/** Parses a private identity file; `passphrase` is needed when it is age-encrypted. */
export async function openPrivateIdentity(
  bytes: Uint8Array,
  passphrase?: string,
): Promise<PrivateIdentity> {
  let json = bytes;
  if (new TextDecoder().decode(bytes.slice(0, AGE_HEADER.length)) === AGE_HEADER) {
    if (passphrase === undefined)
      throw new WrongPassphraseError(
        'the key file is encrypted: a passphrase is required (passphraseFile, --passphrase-file or TESSERA_PASSPHRASE)',
      );
    const d = new Decrypter();
    d.addPassphrase(passphrase);
    try {
      json = await d.decrypt(bytes);
    } catch (err) {
      const msg = String((err as Error).message ?? err);
      if (/incorrect passphrase|no identity matched|failed to decrypt/i.test(msg))
        throw new WrongPassphraseError('wrong passphrase for the key file');
      throw new CorruptKeyFileError(`the encrypted key file is damaged: ${msg}`);
    }
  }
  try {
    const o = JSON.parse(new TextDecoder().decode(json)) as {
      nodeId: string;
      ed25519Secret: string;
      x25519Secret: string;
    };
    assertNodeId(o.nodeId);
    const ed = hexToBytes(o.ed25519Secret);
    const x = hexToBytes(o.x25519Secret);
    if (ed.length !== 32 || x.length !== 32) throw new Error('bad key length');
    return { nodeId: o.nodeId, ed25519Secret: ed, x25519Secret: x };
  } catch (err) {
    throw new CorruptKeyFileError(
      `the key file is not a Tessera identity: ${(err as Error).message}`,
    );
  }
}

/** The public identity matching a private one. */
export function publicOf(id: PrivateIdentity): { ed25519: string; x25519: string } {
  return {
    ed25519: bytesToHex(ed25519.getPublicKey(id.ed25519Secret)),
    x25519: bytesToHex(x25519.getPublicKey(id.x25519Secret)),
  };
}
