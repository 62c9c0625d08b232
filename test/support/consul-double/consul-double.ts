/**
 * @module `startConsulDouble`: an in-process Consul HTTP API (KV, blocking queries, sessions, locks,
 * lock-delay, txn, ACL token, optional TLS) on 127.0.0.1, written to Consul's documented semantics,
 * with hostile knobs and request counters for tests. Its conformance suite, in
 * `test/consul-double/`, also runs against a real Consul when `CONSUL_HTTP_ADDR` is set.
 */
import { ConsulState } from './consul-state.ts';
import { resolveConfig, type ConsulDoubleOptions } from './double-config.ts';
import { HttpFront } from './http-server.ts';
import { Knobs } from './knobs.ts';
import { Stats } from './stats.ts';

export type { ConsulDoubleOptions } from './double-config.ts';
export type { KeyValidation } from './key-validation.ts';
export type { Knobs } from './knobs.ts';
export type { Stats } from './stats.ts';

export interface ConsulDouble {
  /** `127.0.0.1:<port>`, the form `CONSUL_HTTP_ADDR` takes. */
  readonly address: string;
  /** `http://127.0.0.1:<port>` (or `https://`). */
  readonly url: string;
  readonly port: number;
  readonly knobs: Knobs;
  readonly stats: Stats;
  /** Stops listening, drops connections and clears every timer. */
  close(): Promise<void>;
}

export async function startConsulDouble(options: ConsulDoubleOptions = {}): Promise<ConsulDouble> {
  const config = resolveConfig(options);
  const state = new ConsulState({
    nodeName: config.nodeName,
    startIndex: config.startIndex,
    sessionTtlMinNs: config.sessionTtlMinNs,
    sessionTtlMultiplier: config.sessionTtlMultiplier,
  });
  const stats = new Stats(() => state.hub.size);
  let closed = false;
  const knobs = new Knobs(state, {
    stop: async () => {
      state.sessions.suspendTimers();
      await front.stop();
    },
    restart: async () => {
      if (closed) throw new Error('consul double: restart after close');
      if (front.listening) return;
      await front.listen();
      state.sessions.resumeTimers();
    },
  });
  const front = new HttpFront(options, { state, config, knobs }, stats);
  await front.listen();
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    address: `127.0.0.1:${front.port}`,
    url: `${scheme}://127.0.0.1:${front.port}`,
    port: front.port,
    knobs,
    stats,
    close: async () => {
      closed = true;
      state.close();
      await front.stop();
      // Handlers parked on a pause finish against closed sockets instead of hanging forever.
      knobs.resume();
    },
  };
}
