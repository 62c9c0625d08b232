/**
 * @module Builds each router's handler once per snapshot: its middlewares, outermost first,
 * wrapped around its service. A router without middlewares gets its service handler itself (no
 * wrapper, no extra call). Compiled middlewares and their kept state (circuit breakers, in-flight
 * counts, auth pools, Redis clients) are reused from the previous snapshot when a middleware's
 * options did not change; state no build uses any more is closed.
 */
import type { MiddlewareSpec, RouterSpec } from '../runtime/snapshot.ts';
import type { RequestContext } from '../proxy/request-context.ts';
import type { ServiceHandler } from '../proxy/service-handlers.ts';
import type { UpstreamPools } from '../proxy/upstream-pools.ts';
import { sendError } from '../proxy/error-responses.ts';
import { writerOf } from '../proxy/request-context.ts';
import type { Handler, Wrap, WrapContext } from './middleware.ts';
import { middlewareDefinitions } from './registry.ts';
import { TokenTable } from './token-table.ts';

export interface ChainBuilderOptions {
  readonly pools: UpstreamPools;
  /** Shared with the other worker threads; a private table when absent (tests, single thread). */
  readonly tokens?: TokenTable | undefined;
  readonly threads?: number | undefined;
}

interface Compiled {
  readonly fingerprint: string;
  readonly wrap: Wrap | undefined;
  readonly error: string | undefined;
}

export class ChainBuilder {
  readonly #pools: UpstreamPools;
  readonly #tokens: TokenTable;
  readonly #threads: number;
  #compiled = new Map<string, Compiled>();
  #kept = new Map<string, unknown>();

  constructor(options: ChainBuilderOptions) {
    this.#pools = options.pools;
    this.#tokens = options.tokens ?? new TokenTable();
    this.#threads = options.threads ?? 1;
  }

  /**
   * Returns a function giving each router its handler; call `done()` on the result when every router
   * is built. A full build (no `changed`) builds every router: state no router took is closed. A
   * partial build (`changed`: the middlewares a delta upserted or removed) builds only some routers
   * and keeps everything else; only the changed middlewares' old state may be closed.
   *
   * `deps`, when given to `router()`, receives what the handler was built from (`m:<middleware>`,
   * `s:<service>`), so a later delta knows which routers to build again.
   */
  build(specs: ReadonlyMap<string, MiddlewareSpec> | Readonly<Record<string, MiddlewareSpec>>, services: ReadonlyMap<string, ServiceHandler>, changed?: ReadonlySet<string>): { router(spec: RouterSpec, service: ServiceHandler, deps?: string[]): ServiceHandler; done(): void } {
    const middlewares: ReadonlyMap<string, MiddlewareSpec> = specs instanceof Map ? specs : new Map(Object.entries(specs));
    // A partial build with no middleware changed adds to the current maps (nothing to close).
    const unchanged = changed !== undefined && changed.size === 0;
    const compiled = unchanged ? this.#compiled : new Map<string, Compiled>();
    const kept = unchanged ? this.#kept : new Map<string, unknown>();
    if (changed !== undefined && !unchanged) {
      for (const [name, c] of this.#compiled) if (!changed.has(name)) compiled.set(name, c);
      for (const [id, value] of this.#kept) if (!changed.has(id.slice(0, id.indexOf('\n')))) kept.set(id, value);
    }
    let deps: string[] | undefined;
    const compile = (name: string): Compiled => {
      let c = compiled.get(name);
      if (c !== undefined) return c;
      const spec = middlewares.get(name);
      const fingerprint = spec === undefined ? '' : JSON.stringify(spec);
      const before = this.#compiled.get(name);
      if (before !== undefined && before.fingerprint === fingerprint) c = before;
      else if (spec === undefined) c = { fingerprint, wrap: undefined, error: `middleware ${name} is not in the snapshot` };
      else {
        try {
          const definition = middlewareDefinitions[spec.type]!;
          c = { fingerprint, wrap: definition.compile(spec.options as never, (option) => `${name}/${spec.type}/${option}`), error: undefined };
        } catch (error) {
          c = { fingerprint, wrap: undefined, error: (error as Error).message };
        }
      }
      compiled.set(name, c);
      return c;
    };
    const wrap = (name: string, next: Handler, stack: readonly string[]): Handler => {
      deps?.push(`m:${name}`);
      if (stack.includes(name)) return refuse(`middleware ${name} contains itself`);
      const c = compile(name);
      if (c.wrap === undefined) return refuse(c.error ?? 'invalid middleware');
      const provider = name.slice(name.lastIndexOf('@') + 1);
      const qualify = (ref: string) => (ref.includes('@') ? ref : `${ref}@${provider}`);
      const context: WrapContext = {
        name,
        fingerprint: c.fingerprint,
        service: (ref) => {
          deps?.push(`s:${qualify(ref)}`);
          return services.get(qualify(ref)) ?? unavailable(qualify(ref));
        },
        middleware: (ref, inner) => wrap(qualify(ref), inner, [...stack, name]),
        keep: <T>(part: string, create: () => T): T => {
          const id = `${name}\n${c.fingerprint}\n${part}`;
          if (kept.has(id)) return kept.get(id) as T;
          const value = this.#kept.has(id) ? (this.#kept.get(id) as T) : create();
          kept.set(id, value);
          return value;
        },
        pools: this.#pools,
        tokens: this.#tokens,
        threads: this.#threads,
      };
      return c.wrap(next, context);
    };
    return {
      router: (spec, service, into) => {
        if (spec.middlewares.length === 0) return service;
        deps = into;
        let handler: Handler = (ctx) => service.handle(ctx);
        for (let i = spec.middlewares.length - 1; i >= 0; i--) handler = wrap(spec.middlewares[i]!, handler, []);
        deps = undefined;
        return { name: service.name, available: () => service.available(), handle: handler };
      },
      done: () => {
        for (const [id, value] of kept === this.#kept ? [] : this.#kept) {
          if (!kept.has(id) && value !== null && typeof value === 'object' && 'close' in value && typeof value.close === 'function') {
            try {
              void (value.close as () => unknown)();
            } catch {
              // Closing old state is best effort.
            }
          }
        }
        this.#compiled = compiled;
        this.#kept = kept;
      },
    };
  }
}

/** A middleware the control plane accepted but this thread could not build: refuse, never skip it. */
function refuse(reason: string): Handler {
  return (ctx: RequestContext) => sendError(writerOf(ctx), 500, `Internal Server Error: ${reason}`);
}

function unavailable(name: string): ServiceHandler {
  return { name, available: () => false, handle: (ctx) => sendError(writerOf(ctx), 503, 'no available server') };
}
