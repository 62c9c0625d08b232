/**
 * @module What a circuit breaker watches: over the last 10 seconds (ten 1-second buckets, as
 * oxy's memmetrics), the request count, 502/504 answers (its "network errors"), counts per status
 * and a latency histogram (2 % wide log buckets) for quantiles.
 */

const BUCKETS = 10;
const BUCKET_MS = 1_000;
const GROWTH = Math.log(1.02);
const LATENCY_BINS = 1_200;

class Bucket {
  start = -1;
  total = 0;
  networkErrors = 0;
  readonly codes = new Map<number, number>();
  readonly latency = new Uint32Array(LATENCY_BINS);

  reset(start: number): void {
    this.start = start;
    this.total = 0;
    this.networkErrors = 0;
    this.codes.clear();
    this.latency.fill(0);
  }
}

export class RollingMetrics {
  readonly #buckets = Array.from({ length: BUCKETS }, () => new Bucket());

  record(status: number, latencyMs: number, now = performance.now()): void {
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const bucket = this.#buckets[Math.floor(now / BUCKET_MS) % BUCKETS]!;
    if (bucket.start !== start) bucket.reset(start);
    bucket.total++;
    if (status === 502 || status === 504) bucket.networkErrors++;
    bucket.codes.set(status, (bucket.codes.get(status) ?? 0) + 1);
    const micros = Math.max(1, latencyMs * 1_000);
    bucket.latency[Math.min(LATENCY_BINS - 1, Math.floor(Math.log(micros) / GROWTH))]! += 1;
  }

  reset(): void {
    for (const b of this.#buckets) b.reset(-1);
  }

  networkErrorRatio(now = performance.now()): number {
    let total = 0;
    let errors = 0;
    for (const b of this.#live(now)) {
      total += b.total;
      errors += b.networkErrors;
    }
    return total === 0 ? 0 : errors / total;
  }

  /** count of [from, to) / count of [dividedByFrom, dividedByTo); 0 when the divisor is 0. */
  responseCodeRatio(from: number, to: number, dividedByFrom: number, dividedByTo: number, now = performance.now()): number {
    let a = 0;
    let b = 0;
    for (const bucket of this.#live(now)) {
      for (const [code, n] of bucket.codes) {
        if (code >= from && code < to) a += n;
        if (code >= dividedByFrom && code < dividedByTo) b += n;
      }
    }
    return b === 0 ? 0 : a / b;
  }

  /** Latency in ms at percentile `quantile` (0-100). */
  latencyAtQuantileMs(quantile: number, now = performance.now()): number {
    const live = [...this.#live(now)];
    let total = 0;
    for (const b of live) total += b.total;
    if (total === 0) return 0;
    const wanted = Math.max(1, Math.ceil((quantile / 100) * total));
    let seen = 0;
    for (let bin = 0; bin < LATENCY_BINS; bin++) {
      for (const b of live) seen += b.latency[bin]!;
      if (seen >= wanted) return Math.exp((bin + 1) * GROWTH) / 1_000;
    }
    return Math.exp(LATENCY_BINS * GROWTH) / 1_000;
  }

  *#live(now: number): Iterable<Bucket> {
    const oldest = Math.floor(now / BUCKET_MS) * BUCKET_MS - (BUCKETS - 1) * BUCKET_MS;
    for (const b of this.#buckets) if (b.start >= oldest) yield b;
  }
}
