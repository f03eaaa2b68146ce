/**
 * The cluster's view of the presignature pools: each pool (key, curve, signer set) has one
 * entry, written and signed by its leader (the set's first signer) and listing the ids every
 * signer of the set holds; an id is claimed by creating its entry in the claims bucket (a
 * compare-and-set: one API node wins). Neither bucket is trusted for single use: every signer
 * consumes its own presignature durably before its share leaves it (presignatures/store.ts), so a
 * forged list or a lost claim costs a retry, never a reuse.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Bus, KvLike } from '../bus/bus.ts';
import type { Manifest } from '../identity/manifest.ts';
import type { PrivateIdentity } from '../identity/identity.ts';
import { ed25519Sign, ed25519Verify } from '../../core/index.ts';
import { canonical } from '../requests/requests.ts';
import { kvKey, names } from '../names.ts';

/** One pool's entry, as its leader signed it. */
export interface PoolEntry {
  keyId: string;
  curve: string;
  /** The signer set, in the key's party order; the first is the leader. */
  signers: string[];
  /** The key epoch every listed presignature was made under. */
  epoch: string;
  /** Available presignature ids (hex, 32 bytes). */
  ids: string[];
  at: number;
  signature: string;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The bytes a leader signs for its pool entry. */
const entryBytes = (cluster: string, e: Omit<PoolEntry, 'signature'>) =>
  utf8(`tessera-presign-pool/v1\n${cluster}\n${canonical(e)}`);

/** A signer set's tag in a pool's KV key. */
export const setTag = (signers: string[]) =>
  bytesToHex(sha256(utf8(signers.join('\n'))).slice(0, 8));

/** The KV key of a pool: `<keyId>.<curve>.<leader>.<set>` (the leader's permission names it). */
export const poolKey = (keyId: string, curve: string, signers: string[]) =>
  `${kvKey(keyId)}.${kvKey(curve)}.${leaderToken(signers[0] ?? '')}.${setTag(signers)}`;

/** A leader's node id as its pools' KV keys spell it (its NATS permission names this token). */
export const leaderToken = (nodeId: string) => kvKey(nodeId);

/** Claims older than this are the API's crash, not a signing in flight: the leader drops them. */
export const CLAIM_ABANDONED_MS = 10_000;

/** Claimed ids an API node remembers. */
const MAX_REMEMBERED = 65_536;

export class PresignaturePools {
  private readonly cache = new Map<string, PoolEntry | null>();
  private sub?: { unsubscribe(): void };
  private claimSub?: { unsubscribe(): void };
  /** Ids this process saw claimed (so it does not try them again). */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly bus: Bus,
    private readonly manifest: Manifest,
    readonly entries: KvLike,
    readonly claims: KvLike,
    private readonly onForgery: (key: string) => void = () => undefined,
  ) {}

  static async open(bus: Bus, manifest: Manifest, onForgery?: (key: string) => void) {
    const n = names(manifest.cluster);
    return new PresignaturePools(
      bus,
      manifest,
      await bus.kv(n.presignatures, {}),
      // A claim outlives any signing that uses it; after a day its presignature is long gone.
      await bus.kv(n.claims, { ttlMs: 24 * 3600_000 }),
      onForgery,
    );
  }

  /**
   * Keeps every pool entry read in memory, updated from the bucket's subject (no read on the hot
   * path), and every claim made by any API node (so none tries an id another one took).
   */
  watch(): void {
    const claims = `$KV.${names(this.manifest.cluster).claims}.`;
    this.claimSub ??= this.bus.subscribe(`${claims}*`, (d, subject) => {
      const id = subject.slice(claims.length);
      if (d.length) this.noteClaimed(id);
      else this.claimed.delete(id);
    });
    const prefix = `$KV.${names(this.manifest.cluster).presignatures}.`;
    this.sub ??= this.bus.subscribe(`${prefix}*.*.*.*`, (d, subject) => {
      const key = subject.slice(prefix.length);
      if (!d.length) return void this.cache.set(key, null);
      const e = this.verified(key, d);
      // A list older than the one held (a replay of a genuine one) is ignored.
      const held = this.cache.get(key);
      if (e && (!held || e.at >= held.at)) this.cache.set(key, e);
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.claimSub?.unsubscribe();
  }

  /** Publishes the pool this node leads (signed). */
  async publish(me: PrivateIdentity, e: Omit<PoolEntry, 'signature' | 'at'>): Promise<void> {
    const body = { ...e, at: Date.now() };
    const entry: PoolEntry = {
      ...body,
      signature: bytesToHex(ed25519Sign(me.ed25519Secret, entryBytes(this.manifest.cluster, body))),
    };
    const key = poolKey(e.keyId, e.curve, e.signers);
    await this.entries.put(key, JSON.stringify(entry));
    this.cache.set(key, entry);
  }

  /** The pool of (key, curve, signers) as its leader signed it, or undefined. */
  async pool(keyId: string, curve: string, signers: string[]): Promise<PoolEntry | undefined> {
    const key = poolKey(keyId, curve, signers);
    if (!this.cache.has(key) || !this.sub) {
      const e = await this.entries.get(key).catch(() => null);
      const got = e && e.value.length ? this.verified(key, e.value) : undefined;
      const held = this.cache.get(key);
      if (!held || (got && got.at >= held.at)) this.cache.set(key, got ?? null);
    }
    const got = this.cache.get(key) ?? undefined;
    if (!got || got.keyId !== keyId || got.curve !== curve) return undefined;
    if (got.signers.join() !== signers.join()) return undefined;
    return got;
  }

  /**
   * Claims one presignature of the pool for `requestId`: the first id nobody claimed yet, by
   * creating its claim (one KV round trip when it wins); undefined when none is left.
   */
  async claim(pool: PoolEntry, requestId: string, tries = 4): Promise<string | undefined> {
    for (const id of pool.ids) {
      if (this.claimed.has(id)) continue;
      if (tries-- <= 0) return undefined;
      this.noteClaimed(id);
      try {
        await this.claims.create(id, JSON.stringify({ requestId, at: Date.now() }));
        return id;
      } catch (e) {
        if (!/wrong last sequence|exists/i.test(String((e as Error).message))) return undefined;
      }
    }
    return undefined;
  }

  /** Remembers a claimed id, the most recent MAX_REMEMBERED (a forgotten one costs one failed create). */
  private noteClaimed(id: string): void {
    this.claimed.delete(id);
    this.claimed.add(id);
    if (this.claimed.size > MAX_REMEMBERED)
      this.claimed.delete(this.claimed.values().next().value!);
  }

  /** Whether this process saw `id` claimed (its own claims and every one made while it watched). */
  isClaimed(id: string): boolean {
    return this.claimed.has(id);
  }

  /** Gives back a claim this process made and will not use (its request was a replay). */
  async release(id: string): Promise<void> {
    const e = await this.claims.get(id).catch(() => null);
    if (e?.value.length)
      await this.claims.delete(id, { previousSeq: e.revision }).catch(() => undefined);
    this.claimed.delete(id);
  }

  /** Whether the claims bucket holds a claim of `id` (its content is never trusted). */
  async claimedInBucket(id: string): Promise<boolean> {
    const e = await this.claims.get(id).catch(() => null);
    return !!e?.value.length;
  }

  private verified(key: string, value: Uint8Array): PoolEntry | undefined {
    try {
      const e = JSON.parse(new TextDecoder().decode(value)) as PoolEntry;
      const { signature, ...body } = e;
      const leader = this.manifest.nodes.find((n) => n.nodeId === e.signers?.[0]);
      if (
        leader &&
        typeof signature === 'string' &&
        Array.isArray(e.ids) &&
        e.ids.every((i) => typeof i === 'string' && /^[0-9a-f]{64}$/.test(i)) &&
        poolKey(e.keyId, e.curve, e.signers) === key &&
        ed25519Verify(
          hexToBytes(leader.ed25519),
          entryBytes(this.manifest.cluster, body),
          hexToBytes(signature),
        )
      )
        return e;
    } catch {
      /* not JSON, or a malformed signature */
    }
    this.onForgery(key.slice(0, 120));
    return undefined;
  }
}
