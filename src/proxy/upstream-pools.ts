/**
 * @module One undici Pool per upstream origin, kept alive across snapshots: a route change that
 * leaves a server in place keeps its warm connections. Pools no longer referenced are closed
 * gracefully (undici lets their in-flight requests finish first).
 */
import { Pool } from 'undici';

export interface UpstreamTimeouts {
  readonly dialTimeoutMs: number;
  /** 0 disables: wait for the upstream's headers as long as it takes (Traefik's default). */
  readonly responseHeaderTimeoutMs: number;
  readonly idleConnTimeoutMs: number;
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #timeouts: UpstreamTimeouts;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connectTimeout: this.#timeouts.dialTimeoutMs,
        headersTimeout: this.#timeouts.responseHeaderTimeoutMs,
        bodyTimeout: 0,
        // Below Node's 5 s server default so we never reuse a socket the upstream is closing.
        keepAliveTimeout: Math.min(4_000, this.#timeouts.idleConnTimeoutMs),
        keepAliveMaxTimeout: this.#timeouts.idleConnTimeoutMs,
        pipelining: 1,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes the pools whose origin is not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (keep.has(origin)) continue;
      this.#pools.delete(origin);
      pool.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}
