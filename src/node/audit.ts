/**
 * Append-only, hash-chained audit log (JSON lines): each entry carries the SHA-256 of the
 * previous line, so any edit, deletion or reordering breaks the chain. Never holds secrets.
 * A log that cannot be written makes the operation fail (fail closed).
 * @module
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';

const GENESIS = '0'.repeat(64);
const hashLine = (line: string) => bytesToHex(sha256(new TextEncoder().encode(line)));

/** An audit log file. */
export class AuditLog {
  private prev: string;

  constructor(readonly path: string) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    this.prev = lines.length ? hashLine(lines[lines.length - 1]!) : GENESIS;
  }

  /** Appends one entry; throws if the file cannot be written. */
  append(entry: Record<string, unknown>): void {
    const line = JSON.stringify({ ts: new Date().toISOString(), prev: this.prev, ...entry });
    appendFileSync(this.path, line + '\n', { mode: 0o600 });
    this.prev = hashLine(line);
  }
}

/** Checks a log's chain; returns the number of entries or the first broken line (1-based). */
export function verifyAuditLog(path: string): { ok: true; entries: number } | { ok: false; line: number; reason: string } {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    let entry: { prev?: string };
    try {
      entry = JSON.parse(lines[i]!);
    } catch {
      return { ok: false, line: i + 1, reason: 'not JSON' };
    }
    if (entry.prev !== prev) return { ok: false, line: i + 1, reason: 'hash chain broken (edited, deleted or reordered entries)' };
    prev = hashLine(lines[i]!);
  }
  return { ok: true, entries: lines.length };
}
