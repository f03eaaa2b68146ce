/**
 * The storage drivers a node can run on (src/node/node.ts: memory, fs through the atomic driver,
 * redis), plus unstorage's own fs driver, as one table for the driver contract suite and the
 * encrypted-store suite. Each `make()` is a fresh namespace; `again()` opens the same one anew.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createStorage, type Storage } from 'unstorage';
import fsDriver from 'unstorage/drivers/fs';
import redisDriver from 'unstorage/drivers/redis';
import { freePort } from '../../src/runtime/ports.ts';
import { keepOutput, launch, waitUntil, type Launched } from '../../src/runtime/process.ts';
import { atomicFs } from '../../src/node/storage/fs-atomic.ts';

/** One driver of the table. */
export interface DriverRow {
  name: string;
  /** A fresh, empty namespace, and a way to open that namespace again (a restart). */
  make(): { storage: Storage; again(): Storage };
  /** Whether data outlives the instance (memory's does not). */
  persistent: boolean;
  /** Whether a reader racing a replace sees the old or the new value, never a mix. */
  atomicReplace: boolean;
}

/** A redis-server on a free loopback port, without persistence. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<unknown> }> {
  const port = await freePort();
  const server: Launched = launch(
    [
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = keepOutput([server.proc.stdout, server.proc.stderr]);
  await waitUntil(server, () => output().includes('Ready to accept connections'), {
    timeoutMs: 10_000,
    why: () => `redis-server did not start: ${output()}`,
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.stop('SIGKILL') };
}

/** The table, over `redisUrl` (read when a namespace is made) and temporary directories. */
export function driverTable(redisUrl: () => string): { rows: DriverRow[]; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-drivers-'));
  const fresh = (prefix: string) => join(dir, `${prefix}-${Math.random().toString(36).slice(2)}`);
  const reopenable = (open: () => Storage) => ({ storage: open(), again: open });
  const rows: DriverRow[] = [
    {
      name: 'memory',
      persistent: false,
      atomicReplace: true,
      make: () => {
        const storage = createStorage();
        return { storage, again: () => storage };
      },
    },
    {
      name: 'atomic fs',
      persistent: true,
      atomicReplace: true,
      make: () =>
        ((base) => reopenable(() => createStorage({ driver: atomicFs({ base }) })))(fresh('afs')),
    },
    {
      name: 'redis',
      persistent: true,
      atomicReplace: true,
      make: () =>
        ((base) =>
          reopenable(() => createStorage({ driver: redisDriver({ url: redisUrl(), base }) })))(
          `t${Math.random().toString(36).slice(2)}`,
        ),
    },
    {
      // unstorage's own fs driver writes in place (the node uses the atomic one); the store
      // suite keeps covering it.
      name: 'fs',
      persistent: true,
      atomicReplace: false,
      make: () =>
        ((base) => reopenable(() => createStorage({ driver: fsDriver({ base }) })))(fresh('fs')),
    },
  ];
  return { rows, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The driver table of a test file: a redis-server started before its tests, stopped after them
 * and the table's directories removed.
 */
export function driversWithRedis(): { rows: DriverRow[] } {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const table = driverTable(() => redis!.url);
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
    table.cleanup();
  });
  return table;
}
