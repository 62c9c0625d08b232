/**
 * @module A Prometheus histogram fed with bucket counts instead of observations. The worker threads
 * bucket their own observations (request-metrics.ts) and send the changes; prom-client's Histogram
 * only takes one observation at a time, so this small metric adds whole deltas and renders the
 * same `_bucket` / `_sum` / `_count` series through a prom-client Registry.
 */
import type { Metric, Registry } from 'prom-client';

interface Entry {
  readonly labels: Record<string, string>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface Value {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export class SummedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #labelNames: readonly string[];
  readonly #bounds: readonly number[];
  readonly #entries = new Map<string, Entry>();

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registers: readonly Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    this.#bounds = options.buckets;
    // Registry.registerMetric only reads `name`, `get()` and `reset()`; prom-client's type lists its own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Adds a delta: `buckets` are per-bucket (not cumulative) counts, the last one being +Inf. */
  add(labels: readonly string[], buckets: readonly number[], sum: number, count: number): void {
    const key = labels.join('\0');
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const named: Record<string, string> = {};
      this.#labelNames.forEach((name, i) => (named[name] = labels[i] ?? ''));
      entry = { labels: named, buckets: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#entries.set(key, entry);
    }
    for (let i = 0; i < entry.buckets.length; i++) entry.buckets[i]! += buckets[i] ?? 0;
    entry.sum += sum;
    entry.count += count;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    const values: Value[] = [];
    for (const entry of this.#entries.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += entry.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...entry.labels, le: this.#bounds[i]! }, value: cumulative });
      }
      cumulative += entry.buckets[this.#bounds.length]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { ...entry.labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${this.name}_sum`, labels: entry.labels, value: entry.sum });
      values.push({ metricName: `${this.name}_count`, labels: entry.labels, value: entry.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#entries.clear();
  }
}
