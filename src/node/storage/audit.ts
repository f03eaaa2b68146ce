/**
 * Append-only, hash-chained audit log (JSON lines): each entry carries the SHA-256 of the
 * previous line, so any edit, deletion or reordering breaks the chain. Never holds secrets.
 * A log that cannot be written makes the operation fail (fail closed). The chain cannot show a
 * cut tail, so a node anchors the log's position (entry count and last line's hash) in its
 * encrypted store (`audit:position`, rollback-checked like every record): a log shorter than
 * the anchor, or one whose line at the anchor differs, stops the node at start.
 * @module
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { PositionAnchor } from './position-anchor.ts';
import type { EncryptedStore } from './storage.ts';
import { record } from '../names.ts';

const GENESIS = '0'.repeat(64);
const hashLine = (line: string) => bytesToHex(sha256(new TextEncoder().encode(line)));

const POSITION = record.auditPosition;

/** Where the log stood at its last anchored append. */
interface AuditPosition {
  entries: number;
  head: string;
}

/** The audit log is shorter than, or differs from, the position anchored in the store (truncated or rolled back). */
export class AuditRollbackError extends Error {
  override name = 'AuditRollbackError';
  readonly code = 'AUDIT_ROLLBACK';
  constructor(why: string) {
    super(`the audit log ${why}; refusing to start (restore the log or investigate)`);
  }
}

/** An audit log file. */
export class AuditLog {
  private prev: string;
  private entries: number;
  private anchored?: PositionAnchor<AuditPosition>;

  constructor(readonly path: string) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    this.prev = lines.length ? hashLine(lines[lines.length - 1]!) : GENESIS;
    this.entries = lines.length;
  }

  /**
   * Checks the log against the position anchored in `store` (AuditRollbackError when it is
   * shorter or its line there differs), then keeps the anchor current after each append.
   */
  async anchor(store: EncryptedStore): Promise<void> {
    const anchored = new PositionAnchor<AuditPosition>(store, POSITION, () => ({
      entries: this.entries,
      head: this.prev,
    }));
    const at = await anchored.read();
    if (at && at.entries > 0) {
      const lines = existsSync(this.path)
        ? readFileSync(this.path, 'utf8').split('\n').filter(Boolean)
        : [];
      if (lines.length < at.entries)
        throw new AuditRollbackError(
          `has ${lines.length} entries but had ${at.entries} (truncated or rolled back)`,
        );
      if (hashLine(lines[at.entries - 1]!) !== at.head)
        throw new AuditRollbackError(
          `differs at entry ${at.entries} from what was written (replaced)`,
        );
    }
    this.anchored = anchored;
    if (!at || at.entries !== this.entries) anchored.update();
    await this.settled();
  }

  /** Appends one entry; throws if the file (or, before, its anchor) cannot be written. */
  append(entry: Record<string, unknown>): void {
    this.anchored?.check();
    const line = JSON.stringify({ ts: new Date().toISOString(), prev: this.prev, ...entry });
    appendFileSync(this.path, line + '\n', { mode: 0o600 });
    this.prev = hashLine(line);
    this.entries++;
    this.anchored?.update();
  }

  /** Settles once the latest position is anchored. */
  async settled(): Promise<void> {
    await this.anchored?.settled();
  }
}

/** Checks a log's chain; returns the number of entries or the first broken line (1-based). */
export function verifyAuditLog(
  path: string,
): { ok: true; entries: number } | { ok: false; line: number; reason: string } {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    let entry: { prev?: string };
    try {
      entry = JSON.parse(lines[i]!);
    } catch {
      return { ok: false, line: i + 1, reason: 'not JSON' };
    }
    if (entry.prev !== prev)
      return {
        ok: false,
        line: i + 1,
        reason: 'hash chain broken (edited, deleted or reordered entries)',
      };
    prev = hashLine(lines[i]!);
  }
  return { ok: true, entries: lines.length };
}
