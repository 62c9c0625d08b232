/**
 * @module The shape every middleware module has. A middleware is compiled once from its decoded
 * options (`compile`: every check and every costly preparation — regexes, CIDRs, hashes — happens
 * here, and a bad option throws a MiddlewareConfigError naming its key), and the result wraps the
 * next handler of a router's chain once per snapshot. Per request only the returned handler runs.
 *
 * The control plane calls `compile` alone to report bad options in the API (check-middleware.ts);
 * the data planes call it again and wrap (chain-builder.ts).
 */
import type { z } from 'zod';
import type { middlewareTypes } from '../config/middleware-schemas.ts';
import { SwitchyardError } from '../errors.ts';
import type { RequestContext } from '../proxy/request-context.ts';
import type { ServiceHandler } from '../proxy/service-handlers.ts';
import type { UpstreamPools } from '../proxy/upstream-pools.ts';
import type { TokenTable } from './token-table.ts';

/** One step of a router's pipeline: a middleware, or the service at the end. */
export type Handler = (ctx: RequestContext) => void;

export type MiddlewareOptions<T extends keyof typeof middlewareTypes> = z.output<(typeof middlewareTypes)[T]>;

/** What a compiled middleware may use while it wraps (never per request). */
export interface WrapContext {
  /** The middleware's qualified name (`auth@file`). */
  readonly name: string;
  /** Its options, serialized: equal fingerprints mean equal options (keys of shared state use it). */
  readonly fingerprint: string;
  /** Service handlers of the snapshot (errors pages), by qualified name. */
  service(name: string): ServiceHandler;
  /** A middleware's handler chain around `next` (chain), by qualified name. */
  middleware(name: string, next: Handler): Handler;
  /**
   * State kept across snapshots while this middleware's options stay the same (circuit breaker
   * counters, in-flight counts, connection pools): the previous build's value, else `create()`.
   * A value with a `close()` is closed once no build uses it any more.
   */
  keep<T>(part: string, create: () => T): T;
  readonly pools: UpstreamPools;
  /** Node-wide token buckets shared by every worker thread. */
  readonly tokens: TokenTable;
  /** Worker threads serving this node (budgets that cannot be shared are split by it). */
  readonly threads: number;
}

export type Wrap = (next: Handler, context: WrapContext) => Handler;

export interface MiddlewareDefinition<T> {
  /**
   * Validates and prepares `options`; `key(option)` is the full key of one option
   * (`traefik/http/middlewares/auth/basicAuth/users/0`) for errors. Throws MiddlewareConfigError.
   */
  compile(options: T, key: (option: string) => string): Wrap;
  /** Qualified references to other objects, for the control plane's existence checks. */
  references?(options: T): { readonly services?: readonly string[]; readonly middlewares?: readonly string[] };
}

/** An option a middleware cannot work with: a bad regex, CIDR, hash, range, missing value… */
export class MiddlewareConfigError extends SwitchyardError {
  constructor(message: string, key: string) {
    super('SY_MIDDLEWARE_CONFIG', message, key);
    this.name = 'MiddlewareConfigError';
  }
}

/** Runs `build`, turning any SwitchyardError without a key (a regexp's) into one naming `key`. */
export function atKey<T>(key: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof MiddlewareConfigError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new MiddlewareConfigError(message, key);
  }
}

export function defineMiddleware<T>(definition: MiddlewareDefinition<T>): MiddlewareDefinition<T> {
  return definition;
}
