/**
 * Peer transport over NATS: every envelope is published to the session-scoped subject
 * `tessera.<cluster>.s.<session hex>.<receiver index>.<sender index>` (a broadcast is one
 * envelope per party), and each node listens only on its own `tessera.<cluster>.s.*.<index>.*`;
 * the sender in the subject lets NATS authorization (nats-auth.ts) confine a node to publishing
 * envelopes from itself. Envelopes are
 * authenticated and encrypted under pairwise keys (see envelope.ts); sequence numbers are per
 * session and sender.
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import { natsBus, type Bus } from '../bus/bus.ts';
import { bytesToHex } from '@noble/curves/utils.js';
import { EnvelopeError, MAX_ENVELOPE, open, seal, type Opened } from './envelope.ts';
import type { PrivateIdentity } from '../identity/identity.ts';
import { nodeIndex, type Manifest } from '../identity/manifest.ts';
import { identityAuthenticator } from './nats-auth.ts';
import { rateLimited } from './rate-limit.ts';
import { peerSubject } from '../names.ts';

/** How to reach NATS. */
export interface NatsOptions {
  /** Server URLs, e.g. `tls://127.0.0.1:4222`. */
  servers: string[];
  /** CA bundle to verify the server, and a client certificate for mutual TLS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** NATS user credentials file (`.creds`: user JWT and nkey seed, as `nsc` writes it). */
  credsFile?: string;
  /** A file holding an nkey user seed (`SU…`), for servers that authorize nkey users. */
  nkeySeedFile?: string;
  /** Production mode: refuse plaintext URLs, missing certificates and missing credentials. */
  production?: boolean;
  /** Connection name shown by the server. */
  name?: string;
  /**
   * The Ed25519 identity secret to authenticate with, as its nkey user, when neither
   * `credsFile` nor `nkeySeedFile` is set (what `tessera cluster nats-config` authorizes).
   */
  identitySecret?: Uint8Array;
  /** Where replies to this connection's requests go (`nodeInbox`: a node's own, which no other node may read). */
  inboxPrefix?: string;
}

/** A transport configuration that must not start. */
export class TransportConfigError extends Error {
  override name = 'TransportConfigError';
}

/** What production mode requires of the NATS options and they lack, one phrase each. */
export function natsProductionProblems(o: NatsOptions): string[] {
  const problems: string[] = [];
  const plain = o.servers.filter((s) => !s.startsWith('tls://'));
  if (plain.length) problems.push(`TLS NATS URLs (use tls://, not ${plain.join(', ')})`);
  if (!o.tls?.caFile) problems.push('a CA to verify the NATS server (nats.tls.caFile)');
  if (!o.tls?.certFile || !o.tls?.keyFile)
    problems.push(
      'a client certificate and key for mutual TLS (nats.tls.certFile and nats.tls.keyFile)',
    );
  if (!o.credsFile && !o.nkeySeedFile)
    problems.push('NATS credentials (nats.credsFile or nats.nkeySeedFile)');
  return problems;
}

function authenticator(o: NatsOptions) {
  if (o.credsFile && o.nkeySeedFile)
    throw new TransportConfigError('set one of nats.credsFile and nats.nkeySeedFile, not both');
  if (o.credsFile) return credsAuthenticator(new Uint8Array(readFileSync(o.credsFile)));
  // A seed is base32: surrounding whitespace (a trailing newline) is not part of it.
  if (o.nkeySeedFile)
    return nkeyAuthenticator(new TextEncoder().encode(readFileSync(o.nkeySeedFile, 'utf8').trim()));
  // A server without authorization ignores it; one with the generated block requires it.
  if (o.identitySecret) return identityAuthenticator(o.identitySecret);
  return undefined;
}

/** Connects to NATS, enforcing TLS and credentials in production mode. */
export async function connectNats(o: NatsOptions): Promise<NatsConnection> {
  if (o.production) {
    const problems = natsProductionProblems(o);
    if (problems.length)
      throw new TransportConfigError(
        `production mode refuses to connect without: ${problems.join('; ')}`,
      );
  }
  const tls =
    o.tls && (o.tls.caFile || o.tls.certFile)
      ? {
          ...(o.tls.caFile ? { ca: readFileSync(o.tls.caFile, 'utf8') } : {}),
          ...(o.tls.certFile ? { cert: readFileSync(o.tls.certFile, 'utf8') } : {}),
          ...(o.tls.keyFile ? { key: readFileSync(o.tls.keyFile, 'utf8') } : {}),
        }
      : undefined;
  // waitOnFirstConnect: a node started before nats-server keeps trying instead of exiting.
  const auth = authenticator(o);
  const nc = await connect({
    servers: o.servers,
    name: o.name,
    tls,
    ...(auth ? { authenticator: auth } : {}),
    ...(o.inboxPrefix ? { inboxPrefix: o.inboxPrefix } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
  // Credentials mean nothing to a server that lets anyone in (and so anyone write cluster state).
  if (o.production && !nc.info?.auth_required) {
    await nc.close();
    throw new TransportConfigError(
      'production mode refuses a NATS server that does not require authentication (configure its authorization block: tessera cluster nats-config)',
    );
  }
  return nc;
}

/** Sends and receives envelopes for one node. */
export class PeerTransport {
  readonly meIndex: number;
  private seq = new Map<string, number>();
  private sub?: { unsubscribe(): void };
  readonly bus: Bus;

  constructor(
    bus: Bus | NatsConnection,
    readonly manifest: Manifest,
    readonly me: PrivateIdentity,
  ) {
    this.bus = 'streamPublish' in bus ? bus : natsBus(bus);
    this.meIndex = nodeIndex(manifest, me.nodeId);
    if (!this.meIndex)
      throw new TransportConfigError(`node ${me.nodeId} is not in the cluster manifest`);
  }

  private subject(session: Uint8Array, to: number): string {
    return peerSubject(this.manifest.cluster, bytesToHex(session), to, this.meIndex);
  }

  /** Sends one envelope to node index `to` (`broadcast` marks it for every party). */
  send(e: {
    kind: number;
    session: Uint8Array;
    round: number;
    to: number;
    broadcast?: boolean;
    body: Uint8Array;
  }): void {
    const key = bytesToHex(e.session);
    const seq = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, seq);
    const bytes = seal(this.manifest, this.me, this.meIndex, {
      kind: e.kind,
      session: e.session,
      round: e.round,
      to: e.to,
      seq,
      body: e.body,
      broadcast: e.broadcast,
    });
    this.bus.publish(this.subject(e.session, e.to), bytes);
  }

  /** Publishes raw bytes to a node's subject, as this node (tests of hostile peers use this). */
  sendRaw(session: Uint8Array, to: number, bytes: Uint8Array): void {
    this.bus.publish(this.subject(session, to), bytes);
  }

  /** Delivers every verified envelope addressed to this node; rejected ones go to `onReject`. */
  listen(onEnvelope: (o: Opened) => void, onReject: (e: EnvelopeError) => void): void {
    this.sub = this.bus.subscribe(
      peerSubject(this.manifest.cluster, '*', this.meIndex, '*'),
      (data) => {
        if (data.length > MAX_ENVELOPE)
          return onReject(
            new EnvelopeError('OVERSIZED', `envelope of ${data.length} bytes dropped`),
          );
        try {
          onEnvelope(open(this.manifest, this.me, this.meIndex, data));
        } catch (e) {
          if (e instanceof EnvelopeError) onReject(e);
          else onReject(new EnvelopeError('MALFORMED', String(e)));
        }
      },
    );
  }

  /**
   * Wraps a rejection logger so that a flood (anyone on the bus can send garbage) cannot flood
   * the log: one line per code and culprit per `windowMs`, the next carrying how many were
   * suppressed meanwhile. Unauthenticated rejections name no culprit, so all of one code share a
   * line whatever sender they claim.
   */
  static rateLimited<R extends { code: string; culprit?: string }>(
    emit: (r: R, suppressed: number) => void,
    windowMs = 10_000,
    now: () => number = Date.now,
  ): (r: R) => void {
    return rateLimited((r) => `${r.code}\u0000${r.culprit ?? ''}`, emit, windowMs, now);
  }

  /** Forgets a finished session's sequence counter. */
  forget(session: Uint8Array): void {
    this.seq.delete(bytesToHex(session));
  }

  /** Stops listening. */
  close(): void {
    this.sub?.unsubscribe();
  }
}
