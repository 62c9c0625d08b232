/**
 * @module What every endpoint is handed besides the request: the state, the resolved options and
 * the live knobs, plus the blocking-query settings derived from them.
 */
import type { BlockingOptions } from './blocking-query.ts';
import type { ConsulState } from './consul-state.ts';
import type { DoubleConfig } from './double-config.ts';
import type { Knobs } from './knobs.ts';
import type { QueryOptions } from './query-options.ts';
import type { RequestContext } from './request-context.ts';
import type { Watch } from './watch-hub.ts';

export interface Env {
  readonly state: ConsulState;
  readonly config: DoubleConfig;
  readonly knobs: Knobs;
}

export function blockingFor(env: Env, ctx: RequestContext, options: QueryOptions, watch: Watch): BlockingOptions {
  const spurious = env.knobs.spuriousWakeups;
  return {
    minIndex: options.minIndex,
    waitMs: options.waitMs,
    watch,
    hub: env.state.hub,
    signal: ctx.signal,
    maxQueryMs: env.config.maxQueryMs,
    defaultQueryMs: env.config.defaultQueryMs,
    jitter: env.config.queryJitter,
    spuriousWakeups: spurious === true ? 1 : spurious === false ? 0 : spurious,
  };
}
