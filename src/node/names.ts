/**
 * Every name a node writes under: the records of its encrypted store, and (below) the NATS
 * subjects, stream and buckets of its cluster. Each name is built here and nowhere else; the
 * strings are wire and storage formats, so they never change.
 * @module
 */

/** The encrypted store's records (one writer each: the module named beside it). */
export const record = {
  /** A key's metadata (operations/keys.ts). */
  meta: (keyId: string) => `meta:${keyId}`,
  /** The prefix every key's metadata record starts with (the promotion sweep lists them). */
  metaPrefix: 'meta:',
  /** One curve's share of a key, versioned (operations/). */
  share: (keyId: string, curve: string) => `share:${keyId}:${curve}`,
  /** A key's banned peers for one epoch (operations/bans.ts). */
  ban: (keyId: string) => `ban:${keyId}`,
  /** A key's quarantine for one epoch (operations/bans.ts). */
  quarantine: (keyId: string) => `quarantine:${keyId}`,
  /** This node's attested outcome of a key change, replayed to a redelivery (node.ts). */
  request: (requestId: string) => `request:${requestId}`,
  /** Where the audit log stands (storage/audit.ts). */
  auditPosition: 'audit:position',
  /** Where the session journal stands (sessions/journal.ts). */
  sessionsPosition: 'sessions:position',
  /** The session ledger's segments, on stores without a journal (sessions/ledger.ts). */
  sessions: 'sessions',
} as const;
