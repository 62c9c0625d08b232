/**
 * @module When a store session (etcd lease, Consul session) is still believed alive: only while a
 * renewal succeeded within its TTL minus a margin. Clients report a lost session late (etcd3 only
 * after 2×TTL while disconnected) and the store may already have expired it at TTL, so each adapter
 * steps down on its own clock too. One rule, shared by both adapters.
 */

const CHECK_EVERY_MS = 250;

export class SessionLiveness {
  readonly #lost = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #lastSuccess = Date.now();

  /** `onTick` runs on every check while alive (Consul renews from it). */
  constructor(ttlMs: number, marginMs: number, staleReason: string, onTick?: () => void) {
    this.#timer = setInterval(() => {
      if (this.sinceSuccessMs > ttlMs - Math.min(marginMs, ttlMs / 4)) {
        this.lose(new Error(staleReason));
        return;
      }
      onTick?.();
    }, CHECK_EVERY_MS);
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  get sinceSuccessMs(): number {
    return Date.now() - this.#lastSuccess;
  }

  renewed(): void {
    this.#lastSuccess = Date.now();
  }

  lose(reason: unknown): void {
    clearInterval(this.#timer);
    if (!this.#lost.signal.aborted) this.#lost.abort(reason);
  }
}
