/**
 * Every name a node writes under: the records of its encrypted store, and the NATS subjects,
 * stream, buckets, consumers and inboxes of its cluster. Each name is built here and nowhere else;
 * the strings are wire and storage formats, so they never change.
 * @module
 */

/** The encrypted store's records (one writer each: the module named beside it). */
export const record = {
  /** A key's metadata (operations/keys.ts, operations/<op>.ts). */
  meta: (keyId: string) => `meta:${keyId}`,
  /** The prefix every key's metadata record starts with (the promotion sweep lists them). */
  metaPrefix: 'meta:',
  /** One curve's share of a key, versioned (operations/). */
  share: (keyId: string, curve: string) => `share:${keyId}:${curve}`,
  /** A key's banned peers for one epoch (operations/bans.ts). */
  ban: (keyId: string) => `ban:${keyId}`,
  /** A key's quarantine for one epoch (operations/bans.ts). */
  quarantine: (keyId: string) => `quarantine:${keyId}`,
  /** One presignature (DKLs23) or preprocessed nonce pair (FROST) of this node: single use (presignatures/store.ts). */
  presignature: (keyId: string, curve: string, id: string) => `presig:${keyId}:${curve}:${id}`,
  /** The prefix every presignature record starts with (never in a backup). */
  presignaturePrefix: 'presig:',
  /** This node's attested outcome of a key change, replayed to a redelivery (node.ts). */
  request: (requestId: string) => `request:${requestId}`,
  /** Where the audit log stands (storage/audit.ts). */
  auditPosition: 'audit:position',
  /** Where the session journal stands (sessions/journal.ts). */
  sessionsPosition: 'sessions:position',
  /** The session ledger's segments, on stores without a journal (sessions/ledger.ts). */
  sessions: 'sessions',
} as const;

/** A KV key of dot-separated parts, each escaped (`=xx` for a byte outside `[a-zA-Z0-9_=-]`, so no part holds a dot). */
export const kvKey = (...parts: string[]) =>
  parts
    .map((p) => p.replace(/[^a-zA-Z0-9_=-]/g, (c) => `=${c.charCodeAt(0).toString(16)}`))
    .join('.');

/** NATS names a cluster uses: the request stream and subjects, and its KV buckets. */
export function names(cluster: string) {
  return {
    stream: `TESSERA_${cluster}`,
    requests: `tessera.${cluster}.requests`,
    heartbeats: `tessera_${cluster}_nodes`,
    results: `tessera_${cluster}_results`,
    keys: `tessera_${cluster}_keys`,
    nonces: `tessera_${cluster}_nonces`,
    idempotency: `tessera_${cluster}_idempotency`,
    locks: `tessera_${cluster}_locks`,
    /** Each pool's list of presignature ids, one entry per (key, curve, leader, signer set), written and signed by its leader. */
    presignatures: `tessera_${cluster}_presigs`,
    /** Presignature claims: created once per id by the API node that will use it (compare-and-set). */
    claims: `tessera_${cluster}_claims`,
    /** Core-NATS subject for signing requests (no stream: at most once, delivered to all nodes at once). */
    fast: `tessera.${cluster}.fast`,
  };
}

/** The bucket of the nodes' signed store anchors (storage/store-anchor.ts). */
export const anchorsBucket = (cluster: string) => `tessera_${cluster}_anchors`;

/** Every KV bucket of a cluster. */
export function buckets(cluster: string): string[] {
  const n = names(cluster);
  return [
    n.results,
    n.keys,
    n.nonces,
    n.idempotency,
    n.locks,
    n.presignatures,
    n.claims,
    n.heartbeats,
    anchorsBucket(cluster),
  ];
}

/** The stream behind a KV bucket (NATS's own convention). */
export const kvStream = (bucket: string) => `KV_${bucket}`;

/** The subject of a peer envelope from manifest index `from` to `to` in one session (`*` for any). */
export const peerSubject = (
  cluster: string,
  session: string,
  to: number | '*',
  from: number | '*',
) => `tessera.${cluster}.s.${session}.${to}.${from}`;

/** A node's durable consumer of the request stream. */
export const durableName = (nodeId: string) => `node_${nodeId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;

/** The reply-subject prefix of the node at manifest index `index` (its permissions allow no other inbox). */
export const inboxPrefix = (cluster: string, index: number) =>
  `_INBOX_${cluster.replace(/[^a-zA-Z0-9_-]/g, '_')}_${index}`;
