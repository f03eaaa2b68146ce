/**
 * Secret files and passphrases. A secret file (identity, storage key, backup identity, initiator
 * key) is created with mode 0600 and exclusive create, so an existing key is never silently
 * replaced; replacing one (`--force`) writes a 0600 temporary file and renames it over the old
 * one, so a crash leaves the old key or the new one, never a torn file. Every passphrase source
 * (prompt, file, environment) must give at least MIN_PASSPHRASE characters.
 * @module
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import process from 'node:process';

/** The shortest passphrase accepted from any source (characters, i.e. code points). */
export const MIN_PASSPHRASE = 12;

/** A file that already exists and was not to be replaced. */
export class FileExistsError extends Error {
  override name = 'FileExistsError';
}

/** A passphrase that is missing or too short; the message names its source. */
export class PassphraseError extends Error {
  override name = 'PassphraseError';
}

function writeAll(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
  fsyncSync(fd);
}

/** Makes a new directory entry durable (best effort: some platforms cannot open a directory). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Creates `path` holding `data`, mode 0600. Without `force` an existing file is an error naming
 * it; with `force` the file is replaced atomically.
 */
export function writeSecretFile(
  path: string,
  data: Uint8Array | string,
  opts: { force?: boolean } = {},
): void {
  writeNewFile(path, data, { ...opts, mode: 0o600 });
}

/** Like writeSecretFile, for a file that is not secret (a public key): `mode` defaults to 0644. */
export function writeNewFile(
  path: string,
  data: Uint8Array | string,
  opts: { force?: boolean; mode?: number } = {},
): void {
  const target = opts.force ? `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}` : path;
  let fd: number;
  try {
    fd = openSync(target, 'wx', opts.mode ?? 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new FileExistsError(
        `${path} already exists; refusing to overwrite it (pass --force to replace it)`,
      );
    throw e;
  }
  try {
    writeAll(fd, data);
  } catch (e) {
    closeSync(fd);
    unlinkSync(target);
    throw e;
  }
  closeSync(fd);
  if (opts.force) renameSync(target, path);
  syncDir(dirname(path));
}

/** Throws unless `passphrase` has at least MIN_PASSPHRASE characters; `source` names where it came from. */
export function checkPassphrase(passphrase: string, source: string): string {
  if (!passphrase) throw new PassphraseError(`the passphrase from ${source} is empty`);
  if ([...passphrase].length < MIN_PASSPHRASE)
    throw new PassphraseError(
      `the passphrase from ${source} is shorter than ${MIN_PASSPHRASE} characters`,
    );
  return passphrase;
}

/** Reads a passphrase file: its content less exactly one trailing newline (`\n` or `\r\n`), nothing else stripped. */
export function readPassphraseFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  const passphrase = text.endsWith('\r\n')
    ? text.slice(0, -2)
    : text.endsWith('\n')
      ? text.slice(0, -1)
      : text;
  return checkPassphrase(passphrase, `passphrase file ${path}`);
}

/** The passphrase in environment variable `name`, checked, or undefined when it is unset or empty. */
export function passphraseFromEnv(name: string): string | undefined {
  const v = process.env[name];
  return v ? checkPassphrase(v, `environment variable ${name}`) : undefined;
}
