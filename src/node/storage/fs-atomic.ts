/**
 * An unstorage driver for the local filesystem whose writes are atomic and durable: write a
 * temporary file, fsync it, rename it over the target, fsync the directory. A process killed
 * mid-write leaves the old record or the new one, never a torn one. Keys map to paths by ":";
 * only safe path segments are accepted.
 * @module
 */
import { promises as fs } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { defineDriver } from 'unstorage';

const SEGMENT = /^[A-Za-z0-9@._-]+$/;

function pathOf(base: string, key: string): string {
  const parts = key.split(':').filter(Boolean);
  if (
    !parts.length ||
    parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..' || p.includes('.tmp-'))
  )
    throw new RangeError(`unsafe storage key "${key}"`);
  return join(base, ...parts);
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function writeAtomic(path: string, data: Uint8Array | string, durable = true): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  // The directory almost always exists: create it only when the open says it does not.
  const h = await fs.open(tmp, 'w', 0o600).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
    await fs.mkdir(dirname(path), { recursive: true });
    return fs.open(tmp, 'w', 0o600);
  });
  try {
    await h.writeFile(data);
    if (durable) await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, path);
  if (durable) await fsyncDir(dirname(path));
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (!e.name.includes('.tmp-')) out.push(p);
  }
}

/** The atomic fs driver: `atomicFs({ base })`. */
export const atomicFs = defineDriver((opts: { base: string }) => ({
  name: 'tessera-fs-atomic',
  options: opts,
  async hasItem(key: string) {
    return (await readOrNull(pathOf(opts.base, key))) !== null;
  },
  async getItem(key: string) {
    const b = await readOrNull(pathOf(opts.base, key));
    return b === null ? null : b.toString('utf8');
  },
  async getItemRaw(key: string) {
    const b = await readOrNull(pathOf(opts.base, key));
    return b === null ? null : new Uint8Array(b);
  },
  async setItem(key: string, value: string) {
    await writeAtomic(pathOf(opts.base, key), value);
  },
  async setItemRaw(key: string, value: Uint8Array, tOpts?: { durable?: boolean }) {
    // Still atomic (rename) without `durable`; only the fsyncs are skipped.
    await writeAtomic(pathOf(opts.base, key), value, tOpts?.durable !== false);
  },
  async removeItem(key: string) {
    const p = pathOf(opts.base, key);
    await fs.rm(p, { force: true });
    await fsyncDir(dirname(p)).catch(() => undefined);
  },
  async getKeys(base: string) {
    const files: string[] = [];
    await walk(opts.base, files);
    const keys = files.map((f) => relative(opts.base, f).split(sep).join(':'));
    return base ? keys.filter((k) => k.startsWith(base)) : keys;
  },
  async clear() {
    await fs.rm(opts.base, { recursive: true, force: true });
  },
}));
