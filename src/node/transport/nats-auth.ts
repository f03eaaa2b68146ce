/**
 * NATS authorization from the cluster manifest: every node authenticates with an nkey derived
 * from its Ed25519 identity key (an nkey user is an Ed25519 key; its public form is listed in the
 * manifest already), and `natsAuthorization` writes nats-server's `authorization {}` block with
 * least-privilege permissions: a node publishes only envelopes from itself, its own heartbeat,
 * anchor, results, key statements and the presignature pools it leads, the shared API buckets (nonces, idempotency, locks, presignature claims), the
 * request subjects and the JetStream calls it needs on its own consumer; an initiator only
 * publishes requests and reads results; only the admin may delete, purge or update streams and
 * consumers. Whatever is not allowed is refused by nats-server.
 * @module
 */
import { leaderToken } from '../cluster/presignature-pools.ts';
import { nkeyAuthenticator, nkeys, type Authenticator } from '@nats-io/transport-node';
// Not re-exported by @nats-io/nkeys' entry point; its own base32 and CRC16, rather than ours.
import { Codec } from '@nats-io/nkeys/lib/codec.js';
import { hexToBytes } from '@noble/curves/utils.js';
import {
  anchorsBucket,
  buckets as allBuckets,
  durableName,
  inboxPrefix,
  kvStream,
  names,
  peerSubject,
} from '../names.ts';
import { nodeIndex, type Manifest } from '../identity/manifest.ts';

/** The nkey user public key (`U…`) of an Ed25519 public key (hex). */
export function nkeyUserOf(ed25519Hex: string): string {
  return new TextDecoder().decode(Codec.encode(nkeys.Prefix.User, hexToBytes(ed25519Hex)));
}

/** The nkey user seed (`SU…`, as bytes) of a 32-byte Ed25519 secret key. */
function nkeySeedOf(ed25519Secret: Uint8Array): Uint8Array {
  return Codec.encodeSeed(nkeys.Prefix.User, ed25519Secret);
}

/** A NATS nonce as nats-server makes them (base64url of random bytes), and nothing Tessera signs: those all hold `/`, `{` or a newline. */
const NONCE = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Authenticates as the nkey user of an Ed25519 identity key. The identity key also signs
 * attestations, heartbeats and key statements, so it signs only a nonce of the form nats-server
 * sends: a hostile server choosing a "nonce" that is one of those messages gets no signature.
 */
export function identityAuthenticator(ed25519Secret: Uint8Array): Authenticator {
  const inner = nkeyAuthenticator(nkeySeedOf(ed25519Secret));
  return (nonce?: string) => {
    // No nonce: the server has no nkey users (authorization off), so no credential is sent.
    if (!nonce) return undefined;
    if (!NONCE.test(nonce))
      throw new Error('refusing to sign a NATS nonce that is not base64url of 8-64 characters');
    return inner(nonce);
  };
}

/** One user's permissions. */
export interface Permissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[] };
}

/** What no one but the admin may do: delete, purge or update streams, consumers and messages. */
const DESTRUCTIVE = [
  '$JS.API.STREAM.DELETE.>',
  '$JS.API.STREAM.PURGE.>',
  '$JS.API.STREAM.UPDATE.>',
  '$JS.API.STREAM.MSG.DELETE.>',
  '$JS.API.CONSUMER.DELETE.>',
  '$JS.API.STREAM.RESTORE.>',
  '$JS.API.ACCOUNT.PURGE.>',
  '$JS.API.SERVER.>',
  '$JS.API.META.>',
];

/** The KV buckets of a cluster (`tessera_<c>_…`), each a stream `KV_<bucket>`. */
function buckets(cluster: string) {
  return { ...names(cluster), anchors: anchorsBucket(cluster), all: allBuckets(cluster) };
}

/**
 * A node's own reply subjects (JetStream and KV answers, consumer deliveries): `_INBOX_<cluster>_<index>`.
 * Its permissions allow no other inbox, so no node reads another's replies (or an initiator's).
 */
export function nodeInbox(manifest: Manifest, nodeId: string): string {
  const index = nodeIndex(manifest, nodeId);
  if (!index) throw new RangeError(`node ${nodeId} is not in the cluster manifest`);
  return inboxPrefix(manifest.cluster, index);
}

/** Reading a bucket: its stream info (opening it), direct get and message get (KV get). */
const readBucket = (bucket: string) => [
  `$JS.API.STREAM.INFO.${kvStream(bucket)}`,
  `$JS.API.DIRECT.GET.${kvStream(bucket)}`,
  `$JS.API.DIRECT.GET.${kvStream(bucket)}.>`,
  `$JS.API.STREAM.MSG.GET.${kvStream(bucket)}`,
];

const unique = (xs: string[]) => [...new Set(xs)];

/** A node's permissions: see the module comment. */
export function nodePermissions(manifest: Manifest, nodeId: string): Permissions {
  const index = nodeIndex(manifest, nodeId);
  if (!index) throw new RangeError(`node ${nodeId} is not in the cluster manifest`);
  const c = manifest.cluster;
  const b = buckets(c);
  const durable = durableName(nodeId);
  const consumer = `${b.stream}.${durable}`;
  return {
    publish: {
      allow: unique([
        peerSubject(c, '*', '*', index),
        b.requests,
        b.fast,
        `$KV.${b.heartbeats}.${nodeId}`,
        `$KV.${b.anchors}.${nodeId}`,
        `$KV.${b.results}.*.${nodeId}`,
        `$KV.${b.keys}.*.${nodeId}`,
        `$KV.${b.nonces}.>`,
        `$KV.${b.idempotency}.>`,
        `$KV.${b.locks}.>`,
        // Pool entries live under `<keyId>.<curve>.<leader>.<set>`: a node writes only the pools it leads.
        `$KV.${b.presignatures}.*.*.${leaderToken(nodeId)}.*`,
        `$KV.${b.claims}.>`,
        '$JS.API.INFO',
        // Streams are created on first use (a missing one is made again); creating an existing stream with another configuration fails, it never updates it.
        ...[b.stream, ...b.all.map(kvStream)].flatMap((s) => [
          `$JS.API.STREAM.INFO.${s}`,
          `$JS.API.STREAM.CREATE.${s}`,
        ]),
        ...b.all.flatMap(readBucket),
        `$JS.API.CONSUMER.CREATE.${consumer}`,
        `$JS.API.CONSUMER.CREATE.${consumer}.>`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${consumer}`,
        `$JS.API.CONSUMER.INFO.${consumer}`,
        `$JS.API.CONSUMER.MSG.NEXT.${consumer}`,
        `$JS.ACK.${consumer}.>`,
      ]),
      deny: DESTRUCTIVE,
    },
    subscribe: {
      allow: [
        peerSubject(c, '*', index, '*'),
        b.fast,
        `$KV.${b.results}.>`,
        `$KV.${b.heartbeats}.*`,
        `$KV.${b.keys}.*.*`,
        `$KV.${b.presignatures}.*.*.*.*`,
        `$KV.${b.claims}.*`,
        `$KV.${b.locks}.*`,
        `${nodeInbox(manifest, nodeId)}.>`,
      ],
    },
  };
}

/** An initiator's permissions (`tessera request`): publish requests, read results. */
export function initiatorPermissions(manifest: Manifest): Permissions {
  const b = buckets(manifest.cluster);
  return {
    publish: {
      allow: unique([b.requests, b.fast, '$JS.API.INFO', ...readBucket(b.results)]),
      deny: DESTRUCTIVE,
    },
    subscribe: { allow: [`$KV.${b.results}.>`, '_INBOX.>'] },
  };
}

/** A user entry of the authorization block. */
export interface NatsUser {
  nkey: string;
  /** Who it is (a comment in the config). */
  who: string;
  /** Absent for the admin (everything allowed). */
  permissions?: Permissions;
}

/** Who else is authorized, and nodes whose nkey is not their identity's. */
export interface AuthorizationOptions {
  /** The admin: the only user that may delete, purge or update streams and consumers. */
  adminNkey?: string;
  /** More initiator users (e.g. a P-256 initiator's own nkey). */
  initiatorNkeys?: string[];
  /** A node's own nkey (its `nats.nkeySeedFile` or creds) instead of its identity's, by node id. */
  nodeNkeys?: Record<string, string>;
}

/**
 * The users of a cluster: one per node (its identity nkey unless `nodeNkeys` names another), one
 * per Ed25519 initiator of the manifest (its key's nkey) and per `initiatorNkeys`, and the admin.
 */
export function natsUsers(manifest: Manifest, opts: AuthorizationOptions = {}): NatsUser[] {
  for (const k of [
    opts.adminNkey,
    ...(opts.initiatorNkeys ?? []),
    ...Object.values(opts.nodeNkeys ?? {}),
  ])
    if (k !== undefined) assertUserNkey(k);
  for (const id of Object.keys(opts.nodeNkeys ?? {}))
    if (!nodeIndex(manifest, id)) throw new RangeError(`node ${id} is not in the cluster manifest`);
  const initiator = initiatorPermissions(manifest);
  return [
    ...manifest.nodes.map((n) => ({
      nkey: opts.nodeNkeys?.[n.nodeId] ?? nkeyUserOf(n.ed25519),
      who: `node ${n.nodeId}`,
      permissions: nodePermissions(manifest, n.nodeId),
    })),
    ...manifest.initiators.flatMap((i) =>
      i.ed25519
        ? [{ nkey: nkeyUserOf(i.ed25519), who: `initiator ${i.id}`, permissions: initiator }]
        : [],
    ),
    ...(opts.initiatorNkeys ?? []).map((nkey) => ({
      nkey,
      who: 'initiator (--initiator-nkey)',
      permissions: initiator,
    })),
    ...(opts.adminNkey
      ? [
          {
            nkey: opts.adminNkey,
            who: 'admin (may delete, purge and update streams and consumers)',
          },
        ]
      : []),
  ];
}

/** Refuses anything but an nkey user public key (`U…`, checksum verified). */
export function assertUserNkey(k: string): void {
  let ok = false;
  try {
    ok = k.startsWith('U') && nkeys.fromPublic(k).getPublicKey() === k;
  } catch {
    ok = false;
  }
  if (!ok) throw new RangeError(`not an nkey user public key (U…): ${k.slice(0, 60)}`);
}

const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

/** nats-server's `authorization { users: [...] }` block for the cluster (no anonymous clients). */
export function natsAuthorization(manifest: Manifest, opts: AuthorizationOptions = {}): string {
  const users = natsUsers(manifest, opts).map((u) => {
    const p = u.permissions;
    const perms = p
      ? `, permissions: { publish: { allow: ${list(p.publish.allow)}, deny: ${list(p.publish.deny)} }, subscribe: { allow: ${list(p.subscribe.allow)} } }`
      : '';
    return `    # ${u.who}\n    { nkey: ${JSON.stringify(u.nkey)}${perms} }`;
  });
  return `# Generated by "tessera cluster nats-config" from the manifest of cluster ${JSON.stringify(manifest.cluster)}.\nauthorization {\n  users: [\n${users.join('\n')}\n  ]\n}\n`;
}
