/** The bench's arithmetic: percentiles of sorted samples, the median, rounding for print. */

/** Percentile `p` of sorted samples (nearest rank). */
export const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** The median of unsorted samples. */
export const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** `x` rounded to `d` decimals. */
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
