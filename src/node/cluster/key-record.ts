/**
 * A key's public record as its parties state it cluster-wide: each party signs its own statement
 * of the record when it activates a version (keygen, refresh, reshare), and a record counts once
 * at least `threshold` of its own parties signed the very same content. Readers (nodes, the API,
 * the verifying client) believe nothing else about a key. Of two such records, the one whose
 * `previousEpoch` is the other's epoch supersedes it (a version in the middle of being promoted).
 * @module
 */
import { ed25519Sign, ed25519Verify } from '../../core/index.ts';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import type { PrivateIdentity } from '../identity/identity.ts';
import type { Manifest } from '../identity/manifest.ts';
import type { ClusterKey } from '../operations/keys.ts';
import { canonical } from '../requests/request.ts';

/** One node's signed statement of a key's public record. */
export type KeyStatement = ClusterKey & { nodeId: string; sig: string };

/** The record fields a statement signs, in a fixed shape (absent optional fields stay absent). */
export function recordOf(k: ClusterKey): ClusterKey {
  return {
    keyId: k.keyId,
    threshold: k.threshold,
    parties: k.parties,
    curves: k.curves,
    publicKeys: k.publicKeys,
    ...(k.chainCode ? { chainCode: k.chainCode } : {}),
    ...(k.epoch ? { epoch: k.epoch } : {}),
    ...(k.previousEpoch ? { previousEpoch: k.previousEpoch } : {}),
  };
}

function statementBytes(cluster: string, body: Omit<KeyStatement, 'sig'>): Uint8Array {
  return new TextEncoder().encode(`tessera/key-record/v1\n${cluster}\n${canonical(body)}`);
}

/** The record that at least `threshold` of its own parties signed, newest first (see ClusterState.get). */
export function chooseRecord(statements: KeyStatement[]): ClusterKey | undefined {
  const byContent = new Map<string, { record: ClusterKey; signers: Set<string> }>();
  for (const st of statements) {
    const record = recordOf(st);
    const k = canonical(record);
    const g = byContent.get(k) ?? { record, signers: new Set<string>() };
    if (record.parties.includes(st.nodeId)) g.signers.add(st.nodeId);
    byContent.set(k, g);
  }
  const valid = [...byContent.values()].filter(
    (g) =>
      Number.isSafeInteger(g.record.threshold) &&
      g.record.threshold >= 1 &&
      g.signers.size >= g.record.threshold,
  );
  const superseded = new Set(valid.map((g) => g.record.previousEpoch).filter(Boolean));
  const current = valid.filter((g) => !superseded.has(g.record.epoch));
  current.sort(
    (a, b) =>
      b.signers.size - a.signers.size ||
      String(a.record.epoch).localeCompare(String(b.record.epoch)),
  );
  return current[0]?.record;
}

/** `me`'s signed statement of `key` for `cluster`. */
export function signStatement(me: PrivateIdentity, cluster: string, key: ClusterKey): KeyStatement {
  const body: Omit<KeyStatement, 'sig'> = { ...recordOf(key), nodeId: me.nodeId };
  return { ...body, sig: bytesToHex(ed25519Sign(me.ed25519Secret, statementBytes(cluster, body))) };
}

/** Whether `st` is a statement of key `keyId` signed by the manifest node it names. */
export function verifyStatement(manifest: Manifest, keyId: string, st: KeyStatement): boolean {
  const node = manifest.nodes.find((n) => n.nodeId === st?.nodeId);
  if (!node || st.keyId !== keyId || typeof st.sig !== 'string' || !Array.isArray(st.parties))
    return false;
  const { sig, ...body } = st;
  try {
    return ed25519Verify(
      hexToBytes(node.ed25519),
      statementBytes(manifest.cluster, { ...recordOf(body), nodeId: body.nodeId }),
      hexToBytes(sig),
    );
  } catch {
    return false;
  }
}
