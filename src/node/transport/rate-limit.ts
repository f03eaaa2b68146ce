/**
 * At most one report per key and window, the next one carrying how many were suppressed: for
 * log lines anyone on the bus can provoke (rejected envelopes, forged records).
 * @module
 */

/** Wraps `emit` so that reports sharing `keyOf` are passed on at most once per `windowMs`. */
export function rateLimited<R>(
  keyOf: (r: R) => string,
  emit: (r: R, suppressed: number) => void,
  windowMs = 10_000,
  now: () => number = Date.now,
): (r: R) => void {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (r) => {
    const t = now();
    const key = keyOf(r);
    const last = seen.get(key);
    if (last && t - last.at < windowMs) {
      last.suppressed++;
      return;
    }
    // Keys are few in practice; this only bounds the map if that ever changes.
    if (!last && seen.size >= 1024)
      for (const [k, v] of seen) if (t - v.at >= windowMs) seen.delete(k);
    if (!last && seen.size >= 1024) return;
    seen.set(key, { at: t, suppressed: 0 });
    emit(r, last?.suppressed ?? 0);
  };
}
