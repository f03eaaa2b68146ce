/**
 * In-process nodes over a real nats-server for protocol-level tests: each has a memory store, a
 * session ledger and a SessionManager over a PeerTransport whose outgoing bodies a test can
 * rewrite (a hostile peer running otherwise honest code).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { execute } from '../../src/node/operations/index.ts';
import type { OperationRequest } from '../../src/node/requests/requests.ts';
import { generateIdentity, type PrivateIdentity } from '../../src/node/identity/identity.ts';
import { addNode, emptyManifest, type Manifest } from '../../src/node/identity/manifest.ts';
import { SessionLedger } from '../../src/node/sessions/ledger.ts';
import { SessionManager } from '../../src/protocol/session.ts';
import { EncryptedStore } from '../../src/node/storage/storage.ts';
import { PeerTransport } from '../../src/node/transport/transport.ts';

/** One envelope as SessionManager hands it to the transport. */
export type Outgoing = Parameters<PeerTransport['send']>[0];

/** A transport that lets a test rewrite the body of chosen outgoing envelopes. */
export class TamperingTransport extends PeerTransport {
  /** Returns a replacement body, or undefined to send the envelope unchanged. */
  tamper?: (e: Outgoing) => Uint8Array | undefined;
  override send(e: Outgoing): void {
    const body = this.tamper?.(e);
    super.send(body ? { ...e, body } : e);
  }
}

/** An in-process node. */
export interface PeerNode {
  id: string;
  identity: PrivateIdentity;
  store: EncryptedStore;
  transport: TamperingTransport;
  sessions: SessionManager;
}

/** Builds `ids` as in-process nodes of one cluster over `nc`. */
export async function inProcessNodes(
  nc: NatsConnection,
  cluster: string,
  ids: string[],
): Promise<{ manifest: Manifest; nodes: PeerNode[] }> {
  const made = ids.map((n) => generateIdentity(n));
  const manifest = made.reduce((m, id) => addNode(m, id.public), emptyManifest(cluster));
  const nodes: PeerNode[] = [];
  for (const m of made) {
    const store = await EncryptedStore.memory(crypto.getRandomValues(new Uint8Array(32)));
    const transport = new TamperingTransport(nc, manifest, m.private);
    const sessions = new SessionManager(transport, { ledger: await SessionLedger.open(store) });
    nodes.push({ id: m.private.nodeId, identity: m.private, store, transport, sessions });
  }
  await nc.flush();
  return { manifest, nodes };
}

/** Runs `r` on `node` as its TesseraNode would (without the request records). */
export function run(
  node: PeerNode,
  r: OperationRequest,
  confirmed: (requestId: string) => boolean,
  roundMs = 20_000,
) {
  return execute(
    r,
    node.id,
    node.store,
    node.sessions,
    { roundMs, sessionMs: 120_000 },
    async (id) => confirmed(id),
  );
}
