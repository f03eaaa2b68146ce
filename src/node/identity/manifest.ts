/**
 * The cluster manifest: every node's public identity (its position is its transport index) and
 * the initiator keys allowed to request operations. Every node loads the same file.
 * @module
 */
import type { ApprovalPolicy } from '../../auth/signed-http.ts';
import { assertNodeId, type PublicIdentity } from './identity.ts';

/** An initiator allowed to request operations: an Ed25519 key, or a P-256 key (e.g. held in a cloud KMS). */
export interface Initiator {
  id: string;
  /** Ed25519 public key, hex. */
  ed25519?: string;
  /** P-256 public key (SEC1, compressed or not), hex. */
  p256?: string;
}

/** The cluster manifest. */
export interface Manifest {
  version: 1;
  cluster: string;
  nodes: PublicIdentity[];
  initiators: Initiator[];
  /** Optional m-of-k authorizer approvals (X-Tessera-Approvals) that every node enforces. */
  approvals?: ApprovalPolicy;
}

const HEX32 = /^[0-9a-f]{64}$/;

/** Validates a parsed manifest; throws a RangeError naming the first problem. */
export function validateManifest(m: unknown): Manifest {
  const o = m as Manifest;
  if (!o || o.version !== 1) throw new RangeError('manifest: version must be 1');
  if (typeof o.cluster !== 'string' || !/^[a-zA-Z0-9_-]{1,32}$/.test(o.cluster))
    throw new RangeError('manifest: cluster must be 1-32 letters, digits, "_" or "-"');
  if (!Array.isArray(o.nodes) || !Array.isArray(o.initiators))
    throw new RangeError('manifest: nodes and initiators must be arrays');
  const seen = new Set<string>();
  for (const n of o.nodes) {
    assertNodeId(n.nodeId);
    if (seen.has(n.nodeId)) throw new RangeError(`manifest: node ${n.nodeId} appears twice`);
    seen.add(n.nodeId);
    if (!HEX32.test(n.ed25519) || !HEX32.test(n.x25519))
      throw new RangeError(`manifest: node ${n.nodeId} has malformed keys`);
  }
  for (const i of o.initiators) {
    const keyOk =
      i.ed25519 !== undefined
        ? HEX32.test(i.ed25519) && i.p256 === undefined
        : typeof i.p256 === 'string' && /^(0[23][0-9a-f]{64}|04[0-9a-f]{128})$/.test(i.p256);
    if (typeof i.id !== 'string' || !/^[a-zA-Z0-9_.-]{1,64}$/.test(i.id) || !keyOk)
      throw new RangeError(`manifest: initiator ${String(i.id)} is malformed`);
  }
  if (o.approvals !== undefined) {
    const a = o.approvals;
    if (
      !Array.isArray(a.authorizers) ||
      !Number.isInteger(a.required) ||
      a.required < 1 ||
      a.required > a.authorizers.length
    )
      throw new RangeError('manifest: approvals needs 1 <= required <= authorizers');
    for (const i of a.authorizers)
      if (
        typeof i.id !== 'string' ||
        !(HEX32.test(i.ed25519 ?? '') || /^(0[23][0-9a-f]{64}|04[0-9a-f]{128})$/.test(i.p256 ?? ''))
      )
        throw new RangeError(`manifest: authorizer ${String(i.id)} is malformed`);
  }
  if (o.nodes.length > 255) throw new RangeError('manifest: at most 255 nodes');
  return o;
}

/** A new, empty manifest. */
export function emptyManifest(cluster: string): Manifest {
  return validateManifest({ version: 1, cluster, nodes: [], initiators: [] });
}

/** Adds (or replaces) a node's public identity. */
export function addNode(m: Manifest, id: PublicIdentity): Manifest {
  const nodes = m.nodes
    .filter((n) => n.nodeId !== id.nodeId)
    .concat([
      {
        nodeId: id.nodeId,
        ed25519: id.ed25519,
        x25519: id.x25519,
        createdAt: id.createdAt,
        host: id.host,
      },
    ]);
  return validateManifest({ ...m, nodes });
}

/** Adds (or replaces) an initiator key. */
export function addInitiator(m: Manifest, i: Initiator): Manifest {
  return validateManifest({
    ...m,
    initiators: m.initiators.filter((x) => x.id !== i.id).concat([i]),
  });
}

/** The 1-based transport index of a node (0 when unknown). */
export function nodeIndex(m: Manifest, nodeId: string): number {
  return m.nodes.findIndex((n) => n.nodeId === nodeId) + 1;
}
