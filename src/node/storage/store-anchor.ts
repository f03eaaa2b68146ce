/**
 * The store's generation anchored off the disk: after durable commits a node publishes its
 * store's generation, signed with its identity key, to a NATS KV bucket; at start it refuses a
 * store older than its own signed anchor. This catches what no local check can: the whole store
 * (records and manifest) consistently rolled back. A disk attacker cannot forge the anchor (the
 * identity key is not on the store, and the signature binds node and generation). The check
 * compares the generation the manifest root held as loaded, before records newer than it were
 * rolled forward, so an old manifest copied over newer records is caught too (an honest crash
 * passes: the anchor is published only after a root holding its generation is fsynced). It must
 * run before the store's first durable write (node.ts does), which would fold the adopted records
 * into a new root. Deleting the anchor needs NATS access and only loses the check (logged as
 * store_anchor_missing), never bricks the node. The anchor lags by
 * up to ANCHOR_EVERY_MS, so only a rollback further back than that is caught. A deliberate
 * restore onto an empty store starts at a lower generation: `tessera restore` marks it
 * (RESTORED_MARK), and the next start accepts it once and re-anchors. An empty store (a wiped or
 * re-provisioned node: nothing to be misled by) is accepted with a warning.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { ed25519Sign, ed25519Verify } from '../../core/index.ts';
import type { Bus, KvLike } from '../bus/bus.ts';
import type { PrivateIdentity } from '../identity/identity.ts';
import { anchorsBucket } from '../names.ts';
import { RESTORED_MARK as RESTORED, StorageRollbackError, type EncryptedStore } from './storage.ts';

/** At most one anchor update per this many milliseconds (off the hot path, coalesced). */
export const ANCHOR_EVERY_MS = 250;

const message = (cluster: string, nodeId: string, generation: number) =>
  new TextEncoder().encode(`tessera/store-anchor/v1\0${cluster}\0${nodeId}\0${generation}`);

/** Checks the store against its anchor, then keeps the anchor current. Returns a stop function. */
export async function anchorStore(
  bus: Bus,
  cluster: string,
  identity: PrivateIdentity,
  publicKey: string,
  store: EncryptedStore,
  warn: (msg: string, event?: string) => void,
): Promise<() => Promise<void>> {
  const kv: KvLike = await bus.kv(anchorsBucket(cluster), {});
  const entry = await kv.get(identity.nodeId);
  const restored = await store.getJson<{ at: string }>(RESTORED);
  const loaded = store.loadedGeneration;
  // A deleted key reads as an entry without a value (operation DEL or PURGE).
  if (!entry || !entry.value?.length) {
    if (!store.openedEmpty)
      warn(
        `no store anchor in NATS for this node although its store is at generation ${loaded}: a whole-store rollback cannot be detected at this start (NATS lost or purged the bucket, or someone deleted the anchor); re-anchoring`,
        'store_anchor_missing',
      );
  } else {
    let doc: { generation?: unknown; signature?: unknown } = {};
    try {
      doc = JSON.parse(new TextDecoder().decode(entry.value)) as typeof doc;
    } catch {
      /* unreadable: treated as unsigned */
    }
    const ok =
      typeof doc.generation === 'number' &&
      typeof doc.signature === 'string' &&
      /^[0-9a-f]{128}$/.test(doc.signature) &&
      ed25519Verify(
        hexToBytes(publicKey),
        message(cluster, identity.nodeId, doc.generation),
        hexToBytes(doc.signature),
      );
    if (!ok)
      warn(
        "the store anchor in NATS is not signed by this node (garbled, forged, or another cluster's node of this id on the same NATS); ignoring it",
        'store_anchor_invalid',
      );
    else if (store.openedEmpty && (doc.generation as number) > loaded)
      warn(
        `a new, empty store replaces one at generation ${doc.generation as number}; re-anchoring`,
      );
    else if (loaded < (doc.generation as number) && !restored) {
      const e = new StorageRollbackError(
        'store',
        `is at generation ${loaded} (its manifest root as loaded), older than its signed anchor (${doc.generation as number}): the manifest or the whole store was rolled back (after a deliberate restore, run tessera restore again)`,
      );
      store.refuse(e);
      throw e;
    }
  }
  // Only a generation a fsynced root holds is ever published.
  let latest = loaded;
  let published = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<unknown> = Promise.resolve();
  const publish = () => {
    timer = undefined;
    if (latest === published) return;
    const generation = latest;
    const signature = bytesToHex(
      ed25519Sign(identity.ed25519Secret, message(cluster, identity.nodeId, generation)),
    );
    inflight = kv.put(identity.nodeId, JSON.stringify({ generation, signature })).then(
      () => void (published = generation),
      () => warn('could not update the store anchor in NATS'),
    );
  };
  store.onDurableCommit((g) => {
    latest = Math.max(latest, g);
    timer ??= setTimeout(publish, ANCHOR_EVERY_MS);
  });
  publish();
  await inflight;
  if (restored) await store.retire(RESTORED, 0);
  return async () => {
    // Every change so far fsynced under a root (which raises `latest`), then published.
    await store.flush().catch(() => undefined);
    if (timer) clearTimeout(timer);
    publish();
    await inflight;
  };
}
