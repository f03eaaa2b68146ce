/**
 * Anchors where an append-only file stands (its length and last hash or MAC) in the encrypted
 * store, at most once per interval: appends meanwhile share the next write, and the file is
 * always written before its anchor, so the anchor never runs ahead. A file that is shorter than
 * its anchor, or differs at it, was cut or rolled back. The price of the interval is that a cut
 * of the last interval's appends before a crash is not detected; anchoring every append put
 * three store writes on each signing's path (≈ 15 ms of p50 in `npm run bench`).
 * @module
 */
import type { EncryptedStore } from './storage.ts';

/** How often, at most, a position is anchored while appends keep coming. */
export const ANCHOR_EVERY_MS = 1000;

/** The anchor of one file's position, in store record `name`. */
export class PositionAnchor<T> {
  private anchoring?: Promise<void>;
  private again = false;
  private timer?: ReturnType<typeof setTimeout>;
  private failure: unknown;

  constructor(
    private readonly store: EncryptedStore,
    private readonly name: string,
    private readonly position: () => T,
    private readonly everyMs = ANCHOR_EVERY_MS,
  ) {}

  /** The position anchored last (from the store; undefined before the first anchor). */
  read(): Promise<T | undefined> {
    return this.store.getJson<T>(this.name);
  }

  /** Throws, once, the error of an anchor write that failed since the last call (fail closed). */
  check(): void {
    if (this.failure === undefined) return;
    const e = this.failure;
    this.failure = undefined;
    throw e;
  }

  /** Anchors the current position now or, within the interval of the last anchor, at its end. */
  update(): void {
    if (this.anchoring || this.timer) {
      this.again = true;
      return;
    }
    this.anchoring = this.store
      .putJson(this.name, this.position(), { durable: false })
      .catch((e: unknown) => void (this.failure = e))
      .finally(() => {
        this.anchoring = undefined;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.again) {
            this.again = false;
            this.update();
          }
        }, this.everyMs);
        this.timer.unref?.();
      });
  }

  /** Settles once the latest position is anchored (writes a pending one now). */
  async settled(): Promise<void> {
    for (;;) {
      while (this.anchoring) await this.anchoring;
      if (!this.timer) return;
      clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.again) return;
      this.again = false;
      this.update();
    }
  }
}
