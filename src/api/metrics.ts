/**
 * A minimal Prometheus registry: counters and histograms with labels, rendered in the text
 * exposition format. Kept here to stay dependency-light.
 * @module
 */

type Labels = Record<string, string>;
const key = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${l[k]!.replace(/["\\\n]/g, '_')}"`)
    .join(',');

/** Counters and histograms for one process. */
export class Metrics {
  private counters = new Map<string, { help: string; values: Map<string, number> }>();
  private histograms = new Map<
    string,
    {
      help: string;
      buckets: number[];
      values: Map<string, { counts: number[]; sum: number; count: number }>;
    }
  >();
  private gauges = new Map<string, { help: string; read: () => number }>();

  /** Adds `by` to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const c = this.counters.get(name) ?? { help, values: new Map() };
    this.counters.set(name, c);
    const k = key(labels);
    c.values.set(k, (c.values.get(k) ?? 0) + by);
  }

  /** Records one observation (seconds) in a histogram. */
  observe(
    name: string,
    help: string,
    labels: Labels,
    value: number,
    buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ): void {
    const h = this.histograms.get(name) ?? { help, buckets, values: new Map() };
    this.histograms.set(name, h);
    const k = key(labels);
    const v = h.values.get(k) ?? { counts: h.buckets.map(() => 0), sum: 0, count: 0 };
    h.values.set(k, v);
    h.buckets.forEach((b, i) => {
      if (value <= b) v.counts[i]!++;
    });
    v.sum += value;
    v.count++;
  }

  /** Registers a gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  /** The text exposition format. */
  render(): string {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
    }
    for (const [name, h] of this.histograms) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const [k, v] of h.values) {
        const sep = k ? `${k},` : '';
        h.buckets.forEach((b, i) => out.push(`${name}_bucket{${sep}le="${b}"} ${v.counts[i]}`));
        out.push(
          `${name}_bucket{${sep}le="+Inf"} ${v.count}`,
          `${name}_sum${k ? `{${k}}` : ''} ${v.sum}`,
          `${name}_count${k ? `{${k}}` : ''} ${v.count}`,
        );
      }
    }
    for (const [name, g] of this.gauges)
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    return out.join('\n') + '\n';
  }
}
