/**
 * The message bus a node runs on: subject publish/subscribe for peer envelopes, a durable,
 * de-duplicated request stream, and KV buckets. `natsBus` is the distributed engine (NATS with
 * JetStream); `memoryBus` is an in-process stand-in for the zero-config local demo only (one
 * process, no durability, no network).
 * @module
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvStream } from '../names.ts';

/** A KV entry. */
export interface KvEntryLike {
  key: string;
  value: Uint8Array;
  /** The key's revision (its stream sequence): what a compare-and-set delete names. */
  revision: number;
  string(): string;
}

/** The KV operations Tessera uses (a subset of @nats-io/kv's KV). */
export interface KvLike {
  get(key: string): Promise<KvEntryLike | null>;
  put(key: string, value: string): Promise<unknown>;
  /** Fails when the key exists. */
  create(key: string, value: string): Promise<unknown>;
  /** With `previousSeq`: only if the key is still at that revision. */
  delete(key: string, opts?: { previousSeq?: number }): Promise<unknown>;
  /** Existing values first, then updates, for keys matching `key` (`*` matches one token). */
  watch(opts: { key: string }): Promise<AsyncIterable<KvEntryLike> & { stop(): void }>;
}

/** A bus. */
export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  subscribe(
    pattern: string,
    onMessage: (data: Uint8Array, subject: string) => void,
  ): { unsubscribe(): void };
  /** Ensures the request stream exists. */
  stream(name: string, subject: string): Promise<void>;
  /** Publishes to the request stream; a repeated `msgId` is dropped (de-duplication window). */
  streamPublish(subject: string, data: Uint8Array, msgId: string): Promise<void>;
  /** Delivers every stream message to `durable` once (at least once over NATS); ack after handling. */
  consume(
    stream: string,
    durable: string,
    maxPending: number,
    handle: (data: Uint8Array) => Promise<void>,
  ): Promise<{ close(): Promise<void> }>;
  kv(bucket: string, opts: { ttlMs?: number }): Promise<KvLike>;
  /**
   * Checks that every stream, consumer and bucket this bus opened still exists, recreates what
   * is missing with the configuration it was opened with (a recreated consumer's delivery
   * restarts), and reports what it recreated and what it could not.
   */
  repair(): Promise<Repair>;
  /** Connected right now. */
  connected(): boolean;
  close(): Promise<void>;
}

/** Something the bus needs that is gone and could not be recreated. */
export interface MissingPiece {
  /** `stream <name>`, `consumer <durable>`, `bucket <name>` or `jetstream`. */
  what: string;
  /** Why it could not be checked or recreated (a fixed code). */
  reason: 'PERMISSION_DENIED' | 'JETSTREAM_UNAVAILABLE' | 'TIMEOUT' | 'ERROR';
}

/** What one `repair` found. */
export interface Repair {
  recreated: string[];
  missing: MissingPiece[];
}

const streamConfig = (name: string, subject: string) => ({
  name,
  subjects: [subject],
  duplicate_window: 120 * 1e9,
  max_age: 24 * 3600 * 1e9,
});
const consumerConfig = (durable: string, maxPending: number) => ({
  durable_name: durable,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: 300 * 1e9,
  max_ack_pending: maxPending,
});

const notFound = (e: unknown) =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound);

/** A fixed code for a JetStream failure (its own text may carry anything). */
function reasonOf(e: unknown): MissingPiece['reason'] {
  const m = String((e as Error)?.message ?? e);
  if (/permission/i.test(m)) return 'PERMISSION_DENIED';
  if (/timeout/i.test(m)) return 'TIMEOUT';
  if (/no responders|not enabled|unavailable|insufficient resources|maximum .* reached/i.test(m))
    return 'JETSTREAM_UNAVAILABLE';
  return 'ERROR';
}

/**
 * Runs a JetStream management call again when it times out: at start, nodes set up their
 * buckets together and a busy nats-server (file store, at-rest encryption) may answer one late;
 * the retry finds what the late call made (create opens an existing bucket; add is idempotent).
 */
async function patiently<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (i >= attempts || reasonOf(e) !== 'TIMEOUT') throw e;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}

/** A durable consumer being delivered, and how to restart its delivery. */
interface Delivery {
  stream: string;
  durable: string;
  maxPending: number;
  handle: (data: Uint8Array) => Promise<void>;
  messages?: ConsumerMessages;
  /** Its delivery could not be restarted after the consumer was recreated: retried at the next repair. */
  stalled?: boolean;
  closed: boolean;
}

/** The NATS (JetStream) bus. */
export function natsBus(nc: NatsConnection): Bus {
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') up = false;
      else if (s.type === 'reconnect') up = true;
    }
  })().catch(() => undefined);
  // What this bus opened, so that `repair` can recreate it alike.
  const streams = new Map<string, string>();
  const buckets = new Map<string, { ttlMs?: number }>();
  const deliveries = new Set<Delivery>();
  let manager: Promise<JetStreamManager> | undefined;
  const openKv = async (bucket: string, opts: { ttlMs?: number }) => {
    const create = () =>
      new Kvm(nc).create(bucket, opts.ttlMs ? { ttl: opts.ttlMs } : { history: 1 });
    try {
      return await create();
    } catch (e) {
      // Nodes starting together race to create a bucket: the losers' add fails ("subjects overlap"
      // on nats-server 2.9) although the bucket now exists, so open it again (it is only looked up).
      if (
        !(await jetstreamManager(nc)
          .then((jsm) => jsm.streams.info(kvStream(bucket)))
          .then(
            () => true,
            () => false,
          ))
      )
        throw e;
      return create();
    }
  };
  /** (Re)starts pulling a durable consumer's messages; the previous pull loop, if any, is closed. */
  const deliver = async (d: Delivery) => {
    const messages = await (await jetstream(nc).consumers.get(d.stream, d.durable)).consume();
    const previous = d.messages;
    d.messages = messages;
    void previous?.close().catch(() => undefined);
    if (d.closed) void messages.close().catch(() => undefined);
    void (async () => {
      for await (const m of messages) void d.handle(m.data).finally(() => m.ack());
    })().catch(() => undefined);
  };
  return {
    publish: (subject, data) => nc.publish(subject, data),
    subscribe: (pattern, onMessage) =>
      nc.subscribe(pattern, {
        callback: (err, msg) => (err ? undefined : onMessage(msg.data, msg.subject)),
      }),
    async stream(name, subject) {
      streams.set(name, subject);
      const jsm = await patiently(() => jetstreamManager(nc));
      try {
        await patiently(() => jsm.streams.info(name));
      } catch {
        await jsm.streams.add(streamConfig(name, subject)).catch(() => undefined);
      }
    },
    async streamPublish(subject, data, msgId) {
      await jetstream(nc).publish(subject, data, { msgID: msgId });
    },
    async consume(stream, durable, maxPending, handle) {
      const jsm = await patiently(() => jetstreamManager(nc));
      await jsm.consumers.add(stream, consumerConfig(durable, maxPending)).catch(() => undefined);
      const d: Delivery = { stream, durable, maxPending, handle, closed: false };
      await patiently(() => deliver(d));
      deliveries.add(d);
      return {
        close: async () => {
          d.closed = true;
          deliveries.delete(d);
          await d.messages?.close();
        },
      };
    },
    async kv(bucket, opts) {
      const kv = (await patiently(() => openKv(bucket, opts))) as unknown as KvLike;
      buckets.set(bucket, opts);
      return kv;
    },
    async repair() {
      const out: Repair = { recreated: [], missing: [] };
      let jsm: JetStreamManager;
      try {
        // Without the account-info round trip: each check below fails on its own if JetStream is away.
        jsm = await (manager ??= jetstreamManager(nc, { checkAPI: false }));
      } catch (e) {
        manager = undefined;
        out.missing.push({ what: 'jetstream', reason: reasonOf(e) });
        return out;
      }
      /** Whether `what` exists now (recreated if it had disappeared). */
      const ensure = async (
        what: string,
        exists: () => Promise<unknown>,
        create: () => Promise<unknown>,
      ): Promise<'there' | 'recreated' | 'missing'> => {
        try {
          await exists();
          return 'there';
        } catch (e) {
          // Anything but "not found" (no permission, JetStream away) leaves it unknown: not recreated.
          if (!notFound(e)) {
            out.missing.push({ what, reason: reasonOf(e) });
            return 'missing';
          }
        }
        try {
          await create();
          out.recreated.push(what);
          return 'recreated';
        } catch (e) {
          // Another node may have recreated it in the meantime.
          if (
            await exists().then(
              () => true,
              () => false,
            )
          )
            return 'there';
          out.missing.push({ what, reason: reasonOf(e) });
          return 'missing';
        }
      };
      // Streams first: deleting one deletes its consumers too.
      for (const [name, subject] of streams)
        await ensure(
          `stream ${name}`,
          () => jsm.streams.info(name),
          () => jsm.streams.add(streamConfig(name, subject)),
        );
      for (const d of deliveries) {
        const what = `consumer ${d.durable}`;
        const state = await ensure(
          what,
          () => jsm.consumers.info(d.stream, d.durable),
          () => jsm.consumers.add(d.stream, consumerConfig(d.durable, d.maxPending)),
        );
        if (d.closed || state === 'missing' || (state === 'there' && !d.stalled)) continue;
        // The pull loop of a deleted consumer waits for it; a new one takes what arrived meanwhile.
        d.stalled = await deliver(d).then(
          () => false,
          (e: unknown) => (out.missing.push({ what, reason: reasonOf(e) }), true),
        );
      }
      for (const [bucket, opts] of buckets)
        await ensure(
          `bucket ${bucket}`,
          () => jsm.streams.info(kvStream(bucket)),
          () => openKv(bucket, opts),
        );
      return out;
    },
    connected: () => up && !nc.isClosed(),
    close: () => nc.drain().catch(() => undefined),
  };
}

const matches = (pattern: string, subject: string) => {
  const p = pattern.split('.');
  const s = subject.split('.');
  return p.length === s.length && p.every((t, i) => t === '*' || t === s[i]);
};

const entry = (key: string, value: Uint8Array, revision: number): KvEntryLike => ({
  key,
  value,
  revision,
  string: () => new TextDecoder().decode(value),
});

/** A bus shared by nodes in one process (development only). */
export function memoryBus(): Bus {
  const subs = new Set<{ pattern: string; on: (d: Uint8Array, subject: string) => void }>();
  type Stream = {
    log: Uint8Array[];
    seen: Map<string, number>;
    consumers: Set<(d: Uint8Array) => void>;
  };
  const streams = new Map<string, Stream>();
  const bySubject = new Map<string, Stream>();
  const buckets = new Map<string, KvLike>();
  const bus: Bus = {
    publish(subject, data) {
      // Asynchronous, like a network: never re-enter the sender.
      for (const s of subs)
        if (matches(s.pattern, subject)) queueMicrotask(() => s.on(data.slice(), subject));
    },
    subscribe(pattern, on) {
      const s = { pattern, on };
      subs.add(s);
      return { unsubscribe: () => void subs.delete(s) };
    },
    async stream(name, subject) {
      if (!streams.has(name)) streams.set(name, { log: [], seen: new Map(), consumers: new Set() });
      bySubject.set(subject, streams.get(name)!);
    },
    async streamPublish(subject, data, msgId) {
      const s = bySubject.get(subject);
      if (!s) throw new Error(`no stream for ${subject}`);
      const now = Date.now();
      for (const [id, t] of s.seen) if (now - t > 120_000) s.seen.delete(id);
      if (s.seen.has(msgId)) return;
      s.seen.set(msgId, now);
      s.log.push(data);
      for (const c of s.consumers) setTimeout(() => c(data), 0);
    },
    async consume(stream, _durable, _maxPending, handle) {
      const s = streams.get(stream)!;
      const deliver = (d: Uint8Array) => void handle(d).catch(() => undefined);
      s.consumers.add(deliver);
      for (const d of s.log) setTimeout(() => deliver(d), 0);
      return { close: async () => void s.consumers.delete(deliver) };
    },
    async kv(bucket, opts) {
      const existing = buckets.get(bucket);
      if (existing) return existing;
      const data = new Map<string, { value: Uint8Array; at: number; revision: number }>();
      let revision = 0;
      const watchers = new Set<{ pattern: string; push: (e: KvEntryLike) => void }>();
      const live = (k: string) => {
        const v = data.get(k);
        if (v && opts.ttlMs && Date.now() - v.at > opts.ttlMs) data.delete(k);
        return data.get(k);
      };
      const set = (key: string, value: string) => {
        const bytes = new TextEncoder().encode(value);
        const rev = ++revision;
        data.set(key, { value: bytes, at: Date.now(), revision: rev });
        for (const w of watchers) if (matches(w.pattern, key)) w.push(entry(key, bytes, rev));
        // Like NATS KV: every update is also a message on $KV.<bucket>.<key>.
        bus.publish(`$KV.${bucket}.${key}`, bytes);
      };
      const kv: KvLike = {
        async get(key) {
          const v = live(key);
          return v ? entry(key, v.value, v.revision) : null;
        },
        async put(key, value) {
          set(key, value);
        },
        async create(key, value) {
          if (live(key)) throw new Error('wrong last sequence: key exists');
          set(key, value);
        },
        async delete(key, opts) {
          if (opts?.previousSeq !== undefined && live(key)?.revision !== opts.previousSeq)
            throw new Error('wrong last sequence');
          revision++;
          data.delete(key);
          // As NATS KV publishes a delete marker on the key's subject (readers drop what they cached).
          bus.publish(`$KV.${bucket}.${key}`, new Uint8Array());
        },
        async watch({ key }) {
          const queue: KvEntryLike[] = [];
          let wake: (() => void) | undefined;
          let stopped = false;
          const w = { pattern: key, push: (e: KvEntryLike) => (queue.push(e), wake?.()) };
          for (const k of data.keys())
            if (matches(key, k) && live(k))
              queue.push(entry(k, data.get(k)!.value, data.get(k)!.revision));
          watchers.add(w);
          return {
            stop() {
              stopped = true;
              watchers.delete(w);
              wake?.();
            },
            async *[Symbol.asyncIterator]() {
              while (!stopped) {
                if (queue.length) yield queue.shift()!;
                else await new Promise<void>((r) => (wake = r));
              }
            },
          };
        },
      };
      buckets.set(bucket, kv);
      return kv;
    },
    // Nothing in process memory disappears.
    repair: async () => ({ recreated: [], missing: [] }),
    connected: () => true,
    close: async () => undefined,
  };
  return bus;
}
