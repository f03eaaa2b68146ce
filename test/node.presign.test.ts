/**
 * Presignatures over a real nats-server and real node processes: one-round signing on both
 * curves (also under a BIP32 path, Groth–Shoup re-randomised), verified by @noble and
 * node:crypto; and single use under attack and faults: API nodes racing for the pool, a signer
 * killed between the claim and the use, a rogue publisher naming a used or stale presignature,
 * a node restored from a backup (which never holds one), nats-server restarted mid-claim, and a
 * refresh while the pools are full. At the end every node's disk is read back as its next start
 * would: each presignature a signature used is recorded used (durably, in its session ledger) by
 * each of its signers, and held by none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { Decrypter } from 'age-encryption';
import { createStorage } from 'unstorage';
import { requestIdOf, signHttp, type SignedHttp } from '../src/auth/signed-http.ts';
import {
  TesseraApiError,
  TesseraClient,
  type KeyInfo,
  type SignatureResult,
} from '../src/client/http.ts';
import { poolKey, type PoolEntry } from '../src/node/cluster/presignature-pools.ts';
import type { Manifest } from '../src/node/identity/manifest.ts';
import { names, record } from '../src/node/names.ts';
import type { NodeResult } from '../src/node/requests/requests.ts';
import { atomicFs } from '../src/node/storage/fs-atomic.ts';
import { EncryptedStore } from '../src/node/storage/storage.ts';
import { SessionLedger } from '../src/node/sessions/ledger.ts';
import { useOf } from '../src/node/presignatures/store.ts';
import {
  allNodeOutput,
  assertNoSecrets,
  cliArgv,
  makeCluster,
  startNode,
  type NodeProcess,
} from './helpers/cluster.ts';
import { deriveChild, isLowS, nobleVerify, nodeCryptoVerify, recover } from './helpers/ecdsa.ts';
import { freePort, startNats, type NatsServer } from './helpers/nats.ts';
import { nodeCryptoVerify as edVerify } from './helpers/verify.ts';
import { sha256 } from '@noble/hashes/sha2.js';

const NODES = ['node0', 'node1', 'node2'];
/** The default signer set of a 2-of-3 key (its pool's leader is node0). */
const POOLED = ['node0', 'node1'];
const POOL = 3;
const ROOT = new URL('../', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('presignatures: one-round signing, used once whatever happens', () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let pools: KV;
  let results: KV;
  let claims: KV;
  let manifest: Manifest;
  let initiator: Uint8Array;
  let configs: string[];
  let ports: number[];
  let key: KeyInfo;
  const nodes = new Map<string, NodeProcess>();
  /** Presignatures known used, and by whom, for the final check. */
  const used: { id: string; signers: string[] }[] = [];
  /** Every signature made, for the final checks. */
  const made: { curve: string; signature: string; presignature?: string; signers: string[] }[] = [];
  const client = (node = 'node0') =>
    new TesseraClient({
      url: `http://127.0.0.1:${ports[NODES.indexOf(node)]}`,
      initiator: { id: 'ops', kind: 'ed25519', secretKey: initiator },
      manifest,
    });
  const start = async (id: string) => nodes.set(id, await startNode(configs[NODES.indexOf(id)]!));
  const openStore = (id: string) => openStoreReadOnly(dir, id);
  const pool = async (curve: string, signers = POOLED): Promise<PoolEntry | undefined> => {
    const e = await pools.get(poolKey(key.keyId, curve, signers)).catch(() => null);
    return e && e.value.length ? (JSON.parse(e.string()) as PoolEntry) : undefined;
  };
  /** The pool once its leader lists POOL presignatures nobody claimed yet (`ids`: those). */
  const poolFull = async (curve: string, epoch = key.epoch) => {
    for (let i = 0; i < 300; i++) {
      const p = await pool(curve);
      if (p && p.epoch === epoch) {
        const free: string[] = [];
        for (const id of p.ids) {
          const c = await claims.get(id).catch(() => null);
          if (!c || !c.value.length) free.push(id);
        }
        if (free.length >= POOL) return { ...p, ids: free };
      }
      await sleep(100);
    }
    assert.fail(`the ${curve} pool did not fill`);
  };
  const ready = async () => {
    for (let i = 0; i < 100 && (await client().ready()).status !== 'ready'; i++) await sleep(100);
  };
  /** Signs through the API and checks the signature with @noble and node:crypto. */
  const sign = async (
    curve: 'secp256k1' | 'ed25519',
    opts: { via?: string; signers?: string[]; path?: number[] } = {},
  ): Promise<SignatureResult> => {
    const text = `presign ${Math.random()}`;
    const msg = new TextEncoder().encode(text);
    const message = curve === 'secp256k1' ? sha256(msg) : msg;
    const s = await client(opts.via).sign(key.keyId, {
      curve,
      message,
      ...(opts.signers ? { signers: opts.signers } : {}),
      ...(opts.path ? { derivationPath: opts.path } : {}),
    });
    const sig = hexToBytes(s.signature);
    if (curve === 'secp256k1') {
      const pk = opts.path
        ? deriveChild(hexToBytes(key.publicKeys.secp256k1!), hexToBytes(key.chainCode!), opts.path)
            .publicKey
        : hexToBytes(key.publicKeys.secp256k1!);
      assert.equal(s.publicKey, bytesToHex(pk));
      assert.ok(nobleVerify(sig, message, pk), 'noble verifies the ECDSA signature');
      assert.ok(nodeCryptoVerify(sig, msg, pk), 'node:crypto/OpenSSL verifies it');
      assert.ok(isLowS(sig), 'low-s');
      assert.equal(
        bytesToHex(recover(sig, s.recoveryId!, message)),
        bytesToHex(pk),
        'the recovery id recovers the key',
      );
    } else {
      const pk = hexToBytes(key.publicKeys.ed25519!);
      assert.ok(ed25519.verify(sig, msg, pk), 'noble verifies the Ed25519 signature');
      assert.ok(edVerify(sig, msg, pk), 'node:crypto verifies it');
    }
    const presignature = s.presignature;
    made.push({ curve, signature: s.signature, presignature, signers: s.signers });
    return s;
  };
  /** Publishes a genuine signed signing request on NATS as a rogue API node would, naming `presignature`; returns the signers' results. */
  const rogue = async (
    curve: string,
    presignature: string,
    expect = POOLED,
  ): Promise<NodeResult[]> => {
    const body = JSON.stringify({
      curve,
      message: curve === 'secp256k1' ? bytesToHex(sha256(new Uint8Array([7]))) : '07',
      signers: POOLED,
    });
    const path = `/v1/keys/${key.keyId}/sign`;
    const h = signHttp(
      { id: 'ops', kind: 'ed25519', secretKey: initiator },
      manifest.cluster,
      'POST',
      path,
      body,
    );
    const signed: SignedHttp = {
      method: 'POST',
      path,
      keyId: h['X-Tessera-Key-Id']!,
      timestamp: Number(h['X-Tessera-Timestamp']),
      nonce: h['X-Tessera-Nonce']!,
      signature: h['X-Tessera-Signature']!,
      body,
    };
    const requestId = requestIdOf(signed);
    nc.publish(
      names(manifest.cluster).fast,
      new TextEncoder().encode(JSON.stringify({ http: signed, presignature })),
    );
    const out: NodeResult[] = [];
    for (let i = 0; i < 200 && out.length < expect.length; i++) {
      out.length = 0;
      for (const n of expect) {
        const e = await results.get(`${requestId}.${n}`).catch(() => null);
        if (e?.value.length) out.push(JSON.parse(e.string()) as NodeResult);
      }
      if (out.length < expect.length) await sleep(100);
    }
    return out;
  };
  const typed = (e: unknown) =>
    e instanceof TesseraApiError && e.status >= 400 && /^[A-Z_]+$/.test(e.code);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-presign-'));
    server = await startNats(join(dir, 'nats'));
    ports = [];
    for (const _ of NODES) ports.push(await freePort());
    ({ manifest, initiator, configs } = await makeCluster(dir, NODES, server.url, undefined, {
      apiPorts: ports,
      timeouts: { roundMs: 3000, sessionMs: 20000 },
      operationTimeoutMs: 12_000,
      presign: { pool: POOL },
    }));
    await Promise.all(NODES.map(start));
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const kvm = new Kvm(nc);
    pools = await kvm.open(names(manifest.cluster).presignatures);
    results = await kvm.open(names(manifest.cluster).results);
    claims = await kvm.open(names(manifest.cluster).claims);
    await ready();
    key = await client().createKey({ threshold: 2 });
  });

  after(async () => {
    for (const p of nodes.values()) await p.stop('SIGKILL');
    await nc?.close().catch(() => undefined);
    await server?.stop();
    await assertNoSecrets(dir, NODES, allNodeOutput.join('\n'), [key?.keyId].filter(Boolean));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a signing on a presignature is one round; both curves and a derived key verify under noble and node:crypto', async () => {
    for (const curve of ['secp256k1', 'ed25519'] as const) {
      await poolFull(curve);
      const s = await sign(curve);
      assert.match(s.presignature ?? '', /^[0-9a-f]{64}$/);
    }
    // Groth–Shoup: a derived key signs on a presignature re-randomised with the path and the message.
    await poolFull('secp256k1');
    const derived = await sign('secp256k1', { path: [0, 5] });
    assert.ok(derived.presignature);
    // A signer set without a pool runs the full protocol.
    const full = await sign('secp256k1', { signers: ['node1', 'node2'] });
    assert.equal(full.presignature, undefined);
  });

  test('API nodes racing for the pool: each presignature goes to one signing, the rest run the full protocol', async () => {
    await poolFull('secp256k1');
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sign('secp256k1', { via: NODES[i % 3] })),
    );
    const used = runs.map((r) => r.presignature).filter(Boolean);
    assert.ok(used.length >= 1, 'some signings used a presignature');
    assert.ok(used.length < runs.length, 'the pool ran out and the rest ran the full protocol');
    assert.equal(new Set(used).size, used.length, 'no presignature was used twice');
  });

  test('a signer killed between the claim and the use: a typed failure, and the presignature is never used again, also after the leader restarts', async () => {
    const x = (await poolFull('secp256k1')).ids[0]!;
    await nodes.get('node1')!.stop('SIGKILL');
    // Claimed and published as an API would, while node1 is dead: node0 uses its own once and times out.
    const [first] = await rogue('secp256k1', x, ['node0']);
    assert.equal(first?.ok, false);
    assert.match(first!.error!.code, /^(TIMEOUT|UNREACHABLE)$/);
    await start('node1');
    // The leader restarts: what it reloads from its disk must not offer x again.
    await nodes.get('node0')!.stop('SIGKILL');
    await start('node0');
    await ready();
    const again = await rogue('secp256k1', x);
    const leader = again.find((r) => r.nodeId === 'node0');
    assert.equal(leader?.ok, false);
    assert.equal(leader?.error?.code, 'PRESIGNATURE_UNAVAILABLE');
    // node1 had never used x: it may use it once now, and is stopped by node0's abort.
    assert.equal(again.find((r) => r.nodeId === 'node1')?.ok, false);
    for (let i = 0; i < 3; i++) {
      const s = await sign('secp256k1');
      assert.notEqual(s.presignature, x);
    }
    used.push({ id: x, signers: ['node0'] });
  });

  test('a node restored from a backup holds no presignature, and signings go on without reuse', async () => {
    const cli = (args: string[]) => {
      const [bin, ...pre] = cliArgv('node');
      const r = spawnSync(bin!, [...pre, ...args], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    await poolFull('secp256k1');
    await poolFull('ed25519');
    const agekey = join(dir, 'backup.agekey');
    const recipient = cli(['backup', 'keygen', '--out', agekey]).trim();
    await nodes.get('node1')!.stop('SIGTERM');
    const held = (
      await openStore('node1').then(async (s) => {
        const r = (await s.records()).filter((x) => x.name.startsWith(record.presignaturePrefix));
        await s.close();
        return r;
      })
    ).length;
    assert.ok(held >= POOL, `node1 holds presignatures before the backup (${held})`);
    const file = join(dir, 'node1.backup.age');
    cli(['backup', '--config', configs[1]!, '--recipient', recipient, '--out', file]);
    // The backup holds the shares and none of the presignatures.
    const d = new Decrypter();
    d.addIdentity(
      readFileSync(agekey, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('AGE-'))!,
    );
    const doc = JSON.parse(new TextDecoder().decode(await d.decrypt(readFileSync(file)))) as {
      records: { name: string }[];
    };
    assert.ok(doc.records.some((r) => r.name.startsWith('share:')));
    assert.equal(doc.records.filter((r) => r.name.startsWith(record.presignaturePrefix)).length, 0);
    await start('node1');
    await ready();
    await poolFull('secp256k1');
    await nodes.get('node1')!.stop('SIGTERM');
    cli(['restore', '--config', configs[1]!, '--identity', agekey, '--in', file, '--force']);
    const s = await openStore('node1');
    assert.equal(
      (await s.records()).filter((x) => x.name.startsWith(record.presignaturePrefix)).length,
      0,
      'a restored store holds no presignature',
    );
    await s.close();
    await start('node1');
    await ready();
    // The pool still lists presignatures node1 no longer holds: such a signing fails before any
    // share leaves (typed), the client retries once, and the pool is made afresh.
    for (let i = 0; i < 4; i++) {
      for (const curve of ['secp256k1', 'ed25519'] as const) {
        try {
          await sign(curve);
        } catch (e) {
          assert.ok(typed(e), String(e));
          assert.equal((e as TesseraApiError).code, 'PRESIGNATURE_UNAVAILABLE');
        }
      }
    }
    await poolFull('secp256k1');
    const s2 = await sign('secp256k1');
    assert.ok(s2.presignature, 'fresh presignatures are used again');
  });

  test('nats-server restarted mid-claim: every signing verifies or fails typed, and no presignature is used twice', async () => {
    await poolFull('secp256k1');
    await poolFull('ed25519');
    const inflight = Array.from({ length: 6 }, (_, i) =>
      sign(i % 2 ? 'ed25519' : 'secp256k1', { via: NODES[i % 3] }).then(
        () => 'ok',
        (e: unknown) => {
          assert.ok(typed(e) || e instanceof TypeError, String(e));
          return 'failed';
        },
      ),
    );
    await sleep(15);
    await server.stop();
    server = await startNats(join(dir, 'nats'), undefined, server.port);
    await Promise.all(inflight);
    for (let i = 0; i < 100; i++) {
      if (
        (
          await client()
            .ready()
            .catch(() => ({ status: 'down' }))
        ).status === 'ready'
      )
        break;
      await sleep(200);
    }
    for (const curve of ['secp256k1', 'ed25519'] as const) await sign(curve);
  });

  test('a refresh while the pools are full: every presignature of the old shares is dropped, and refused if named', async () => {
    const oldEcdsa = await poolFull('secp256k1');
    const oldEd = await poolFull('ed25519');
    await client().refresh(key.keyId);
    key = await client().getKey(key.keyId);
    assert.notEqual(key.epoch, oldEcdsa.epoch);
    // A rogue publisher naming an old-epoch presignature gets a typed refusal, no share.
    const replay = await rogue('secp256k1', oldEcdsa.ids[0]!);
    for (const r of replay) {
      assert.equal(r.ok, false);
      assert.match(r.error!.code, /PRESIGNATURE_UNAVAILABLE|ABORTED_BY_PEER/);
    }
    const fresh = await poolFull('secp256k1', key.epoch);
    assert.equal(fresh.ids.filter((id) => oldEcdsa.ids.includes(id)).length, 0);
    const s = await sign('secp256k1');
    assert.ok(!oldEcdsa.ids.includes(s.presignature ?? ''));
    const e = await sign('ed25519');
    assert.ok(!oldEd.ids.includes(e.presignature ?? ''));
    // Every node dropped the old ones from its store within a reconcile (5 s).
    await sleep(6_000);
    for (const id of NODES) {
      const store = await openStoreReadOnly(dir, id);
      const names = (await store.records()).map((r) => r.name);
      for (const old of [...oldEcdsa.ids, ...oldEd.ids])
        assert.ok(!names.some((n) => n.endsWith(old)), `${id} still holds ${old.slice(0, 8)}`);
    }
  });

  test('at the end, on every node disk: each presignature a signature used is recorded used by each of its signers and held by none', async () => {
    for (const m of made.filter((x) => x.presignature))
      used.push({ id: m.presignature!, signers: m.signers });
    assert.ok(used.length >= 8, `presignatures used: ${used.length}`);
    assert.equal(new Set(used.map((u) => u.id)).size, used.length, 'no id was handed out twice');
    // Stopped, then read as each node would at its next start (a copy: opening writes nothing here).
    for (const p of nodes.values()) await p.stop('SIGTERM');
    nodes.clear();
    for (const id of NODES) {
      const copy = mkdtempSync(join(tmpdir(), `presign-${id}-`));
      cpSync(join(dir, 'data', id), copy, { recursive: true });
      const store = await EncryptedStore.open(
        createStorage({ driver: atomicFs({ base: copy }) }),
        hexToBytes(readFileSync(join(dir, `${id}.storage.key`), 'utf8').trim()),
      );
      const ledger = await SessionLedger.open(store, { journal: join(copy, 'sessions.journal') });
      const held = (await store.records()).map((r) => r.name);
      for (const u of used) {
        assert.ok(!held.some((n) => n.endsWith(u.id)), `${id} still holds ${u.id.slice(0, 8)}`);
        if (u.signers.includes(id))
          assert.ok(
            ledger.has(useOf(u.id)),
            `${id} has no durable record of using ${u.id.slice(0, 8)}`,
          );
      }
      await ledger.close();
      await store.close();
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

/** A running node's store, opened read-only beside it. */
async function openStoreReadOnly(dir: string, id: string): Promise<EncryptedStore> {
  return EncryptedStore.open(
    createStorage({ driver: atomicFs({ base: join(dir, 'data', id) }) }),
    hexToBytes(readFileSync(join(dir, `${id}.storage.key`), 'utf8').trim()),
    { readOnly: true },
  );
}
