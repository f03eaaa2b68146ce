/**
 * The fixed inputs of the format snapshots (test/formats.snapshot.test.ts) and of the golden
 * blobs made from them (test/fixtures/make-golden.ts). Changing a value here changes no golden
 * file: the fixtures are bytes an older build wrote.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { createStorage, type Storage } from 'unstorage';
import { dkgWithSeed } from '../../src/core/hazmat.ts';
import type { FrostKeyShare } from '../../src/core/index.ts';
import type { PrivateIdentity } from '../../src/node/identity/identity.ts';
import type { Manifest } from '../../src/node/identity/manifest.ts';
import { EncryptedStore } from '../../src/node/storage/storage.ts';
import { complete } from './rounds.ts';

const filled = (n: number, byte: number) => new Uint8Array(n).fill(byte);

export const GOLDEN = {
  frostSession: filled(32, 5),
  ecdsaSession: filled(32, 8),
  storageKey: filled(32, 0x42),
  envelope: {
    kind: 1,
    session: filled(32, 7),
    round: 2,
    to: 2,
    seq: 9,
    body: new TextEncoder().encode('golden envelope body'),
  },
} as const;

/** Records the golden store holds: binary versions of a share and a JSON record. */
export const goldenRecords: {
  name: string;
  version: number;
  bytes?: Uint8Array;
  json?: unknown;
}[] = [
  {
    name: 'share:k1:secp256k1',
    version: 1,
    bytes: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
  },
  { name: 'share:k1:secp256k1', version: 2, bytes: filled(5000, 0xa5) },
  { name: 'meta:k1', version: 0, json: { epoch: 'e1', curve: 'secp256k1', threshold: 2 } },
];

/** A fresh in-memory store under the golden storage key holding `goldenRecords`, flushed. */
export async function goldenStore(): Promise<{ raw: Storage; store: EncryptedStore }> {
  const raw = createStorage();
  const store = await EncryptedStore.open(raw, GOLDEN.storageKey);
  for (const r of goldenRecords)
    await (r.json === undefined
      ? store.put(r.name, r.version, r.bytes!)
      : store.putJson(r.name, r.json));
  await store.flush();
  return { raw, store };
}

/** A 2-of-3 FROST key from fixed seeds (party `me` seeded with 32 bytes of `me`), as wasm/src/snapshots.rs. */
export function fixedFrostKeys(): FrostKeyShare[] {
  const r1 = new Map(
    [1, 2, 3].map((me) => [
      me,
      dkgWithSeed(
        { session: GOLDEN.frostSession.slice(), threshold: 2, parties: 3, me },
        filled(32, me),
      ),
    ]),
  );
  return complete(r1) as FrostKeyShare[];
}

/** Two nodes with fixed secrets and the manifest naming them. */
export function fixedCluster(): { manifest: Manifest; identities: PrivateIdentity[] } {
  const identities = [1, 2].map((i) => ({
    nodeId: `node${i - 1}`,
    ed25519Secret: filled(32, 0x10 + i),
    x25519Secret: filled(32, 0x20 + i),
  }));
  const nodes = identities.map((id) => ({
    nodeId: id.nodeId,
    ed25519: bytesToHex(ed25519.getPublicKey(id.ed25519Secret)),
    x25519: bytesToHex(x25519.getPublicKey(id.x25519Secret)),
    createdAt: '2026-12-01T00:00:00.000Z',
    host: 'golden',
  }));
  return { manifest: { version: 1, cluster: 'golden', nodes, initiators: [] }, identities };
}
