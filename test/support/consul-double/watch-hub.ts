/**
 * @module Parked blocking queries and what wakes them: a write to their key, to a key under their
 * prefix, to the sessions table, or the whole store being replaced (Consul's "abandon" channel).
 */

/** What a blocking query depends on. */
export interface Watch {
  readonly key?: string;
  readonly prefix?: string;
  readonly sessions?: boolean;
}

export type WakeReason = 'changed' | 'abandoned' | 'stopped';

interface Waiter {
  readonly watch: Watch;
  readonly wake: (reason: WakeReason) => void;
}

function matches(watch: Watch, key: string): boolean {
  return watch.key === key || (watch.prefix !== undefined && key.startsWith(watch.prefix));
}

export class WatchHub {
  #waiters = new Set<Waiter>();

  /** Parked queries right now; tests use it to know a long poll has reached the server. */
  get size(): number {
    return this.#waiters.size;
  }

  /** Resolves on the first relevant change, or with 'stopped' once `signal` aborts. */
  wait(watch: Watch, signal: AbortSignal): Promise<WakeReason> {
    if (signal.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        watch,
        wake: (reason) => {
          this.#waiters.delete(waiter);
          signal.removeEventListener('abort', onAbort);
          resolve(reason);
        },
      };
      const onAbort = (): void => waiter.wake('stopped');
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  notify(keys: readonly string[], sessions: boolean): void {
    for (const waiter of [...this.#waiters]) {
      if ((sessions && waiter.watch.sessions === true) || keys.some((key) => matches(waiter.watch, key))) waiter.wake('changed');
    }
  }

  /** A snapshot restore: every query answers at once with whatever the new state says. */
  abandon(): void {
    for (const waiter of [...this.#waiters]) waiter.wake('abandoned');
  }
}
