/** Every subset of `ids` with at least `min` members. */
export function subsets(ids: number[], min: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << ids.length; mask++) {
    const s = ids.filter((_, i) => mask & (1 << i));
    if (s.length >= min) out.push(s);
  }
  return out;
}
