/**
 * @module The blocking-query loop of Consul's `agent/blockingquery/blockingquery.go`: return as soon
 * as the result's index exceeds the client's, else park until a relevant write, the deadline
 * (wait clamped to the maximum, plus up to wait/16 of jitter), or a hostile spurious wake-up.
 */
import type { Watch, WatchHub } from './watch-hub.ts';

export interface QueryResult<T> {
  readonly index: number;
  /** false for a missing key or an empty listing: Consul's ErrNotFound path. */
  readonly found: boolean;
  readonly value: T;
}

export interface BlockingOptions {
  /** The client's `?index=`; 0 answers at once. */
  readonly minIndex: number;
  /** The client's `?wait=` in ms, 0 when absent. */
  readonly waitMs: number;
  readonly watch: Watch;
  readonly hub: WatchHub;
  /** Aborted when the client goes away, so its waiter does not linger. */
  readonly signal: AbortSignal;
  readonly maxQueryMs: number;
  readonly defaultQueryMs: number;
  readonly jitter: boolean;
  /** Probability (0–1) that this query returns early with an unchanged index. */
  readonly spuriousWakeups: number;
}

/** Consul's RPCQueryTimeout: default when absent, clamp to the maximum, then add random 0…wait/16. */
export function queryTimeout(options: Pick<BlockingOptions, 'waitMs' | 'maxQueryMs' | 'defaultQueryMs' | 'jitter'>): number {
  const wait = options.waitMs <= 0 ? options.defaultQueryMs : Math.min(options.waitMs, options.maxQueryMs);
  return wait + (options.jitter ? Math.random() * (wait / 16) : 0);
}

export async function blockingQuery<T>(options: BlockingOptions, run: () => QueryResult<T>): Promise<QueryResult<T>> {
  let result = run();
  if (options.minIndex === 0) return result;

  const stop = new AbortController();
  const timers = [setTimeout(() => stop.abort(), queryTimeout(options))];
  if (options.spuriousWakeups > 0 && Math.random() < options.spuriousWakeups) {
    // Short but not zero, so a client that loops without rate limiting really does hammer.
    timers.push(setTimeout(() => stop.abort(), Math.random() * 50));
  }
  const onClientGone = (): void => stop.abort();
  options.signal.addEventListener('abort', onClientGone, { once: true });

  let minIndex = options.minIndex;
  let notFound = false;
  try {
    for (;;) {
      if (!result.found) {
        // Still missing after a wake-up: unrelated writes moved the table index, so keep blocking.
        if (notFound) minIndex = Math.max(minIndex, result.index);
        notFound = true;
      }
      if (result.index > minIndex) return result;
      const reason = await options.hub.wait(options.watch, stop.signal);
      if (reason === 'stopped') return result;
      result = run();
      if (reason === 'abandoned') return result;
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    options.signal.removeEventListener('abort', onClientGone);
  }
}
