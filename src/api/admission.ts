/**
 * What a client may hold on this API node, and when. An operation slot (`maxInflight`) is taken
 * only once the request's signature verified, so unauthenticated clients cannot fill them; before
 * that a client holds at most a body still arriving, bounded in time (`bodyTimeoutMs`) and in
 * number per source address (`bodiesPerSource`).
 * @module
 */

/** Admission limits. */
export interface AdmissionLimits {
  /** Authenticated operations in flight before the API answers 429. */
  maxInflight: number;
  /** Requests from one source address whose body is still arriving before the API answers 429. */
  bodiesPerSource: number;
}

/** Counts operation slots and arriving bodies. */
export class Admission {
  private inflight = 0;
  private arriving = new Map<string, number>();
  /** Requests holding a slot, so each takes at most one and gives it back once. */
  private holding = new WeakSet<Request>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Operations in flight now. */
  get operations(): number {
    return this.inflight;
  }

  /** Bodies arriving now, over all sources. */
  get bodies(): number {
    let n = 0;
    for (const v of this.arriving.values()) n += v;
    return n;
  }

  /** Counts a body starting to arrive from `source`; false when that source has its share already. */
  bodyStarts(source: string): boolean {
    const n = this.arriving.get(source) ?? 0;
    if (n >= this.limits.bodiesPerSource) return false;
    this.arriving.set(source, n + 1);
    return true;
  }

  /** The body from `source` arrived, failed or timed out. */
  bodyEnds(source: string): void {
    const n = (this.arriving.get(source) ?? 1) - 1;
    if (n > 0) this.arriving.set(source, n);
    else this.arriving.delete(source);
  }

  /** Gives authenticated `req` an operation slot; false when all are taken. Idempotent per request. */
  admit(req: Request): boolean {
    if (this.holding.has(req)) return true;
    if (this.inflight >= this.limits.maxInflight) return false;
    this.inflight++;
    this.holding.add(req);
    return true;
  }

  /** Gives back `req`'s slot, if it holds one. */
  release(req: Request): void {
    if (this.holding.delete(req)) this.inflight--;
  }
}
