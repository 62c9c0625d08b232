/**
 * @module Builds the request handler of each service in a snapshot: a load balancer over upstream
 * servers (with sticky cookies and passive health checks when configured), a weighted split across
 * services (sticky too), a failover pair, or a mirroring service. Built once per snapshot; the
 * per-request work is a pick and a forward.
 */
import { sendError } from './error-responses.ts';
import { forward, type ForwardFailure } from './forward.ts';
import { MirroringService } from './mirroring-service.ts';
import { StickyCookie, stickyHash } from './sticky-cookie.ts';
import { WeightedRoundRobin } from './load-balancer.ts';
import { writerOf, type RequestContext } from './request-context.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import type { UpstreamServer } from './upstream-server.ts';
import type { LoadBalancerSpec, ServiceSpec } from '../runtime/snapshot.ts';

export interface ServiceHandler {
  readonly name: string;
  /** True while at least one server can take a request (failover and weighted use it). */
  available(): boolean;
  handle(ctx: RequestContext): void;
}

export interface ServiceBuildContext {
  readonly pools: UpstreamPools;
  /** Last known health of `service\nurl`; absent means healthy (not checked yet). */
  readonly health: ReadonlyMap<string, boolean>;
  /** Handlers of the previous snapshot: a load balancer whose spec did not change is kept as is
   * (its servers, pools, health flags and round-robin position), so a change elsewhere costs it nothing. */
  readonly previous?: ReadonlyMap<string, ServiceHandler> | undefined;
}

export function healthKey(service: string, url: string): string {
  return `${service}\n${url}`;
}

/**
 * Builds the services `names` into `handlers` (which must not hold them), taking every other
 * service they reference from `handlers` as it is. `build.previous` keeps load balancers whose
 * spec is unchanged. References were checked by the control plane; cycles are cut.
 */
export function rebuildServiceHandlers(handlers: Map<string, ServiceHandler>, specs: ReadonlyMap<string, ServiceSpec>, names: Iterable<string>, build: ServiceBuildContext): void {
  const building = new Set<string>();
  const get = (name: string): ServiceHandler => {
    const done = handlers.get(name);
    if (done !== undefined) return done;
    const spec = specs.get(name);
    if (spec === undefined || building.has(name)) return unavailable(name);
    building.add(name);
    let handler: ServiceHandler;
    switch (spec.kind) {
      case 'loadBalancer': {
        const fingerprint = JSON.stringify(spec);
        const before = build.previous?.get(name);
        handler = before instanceof LoadBalancerService && before.fingerprint === fingerprint ? before : new LoadBalancerService(name, spec, build, fingerprint);
        break;
      }
      case 'weighted':
        handler = new WeightedService(name, spec.services.map((s) => ({ name: s.name, handler: get(s.name), weight: s.weight, healthy: true })), spec.sticky === undefined ? undefined : new StickyCookie(spec.sticky));
        break;
      case 'failover':
        handler = new FailoverService(name, get(spec.service), get(spec.fallback));
        break;
      case 'mirroring':
        handler = new MirroringService(name, get(spec.service), spec.mirrors.map((m) => ({ handler: get(m.name), percent: m.percent })), spec.mirrorBody ?? true, spec.maxBodySize ?? -1);
        break;
    }
    building.delete(name);
    handlers.set(name, handler);
    return handler;
  };
  for (const name of names) if (specs.has(name)) get(name);
}


export class LoadBalancerService implements ServiceHandler {
  readonly name: string;
  /** The spec it was built from, serialized: equal fingerprints mean an equal service. */
  readonly fingerprint: string;
  readonly servers: readonly UpstreamServer[];
  readonly #balancer: WeightedRoundRobin<UpstreamServer>;
  readonly #passHostHeader: boolean;
  readonly #sticky: StickyCookie | undefined;
  /** Cookie value → server (hash and plain URL). */
  readonly #byCookie: ReadonlyMap<string, UpstreamServer>;
  readonly #onFailure: ForwardFailure | undefined;

  constructor(name: string, spec: LoadBalancerSpec, build: ServiceBuildContext, fingerprint: string) {
    this.name = name;
    this.fingerprint = fingerprint;
    this.servers = spec.servers.map((s) => upstreamServer(s.url, s.weight, s.preservePath, build, build.health.get(healthKey(name, s.url)) ?? true));
    this.#balancer = new WeightedRoundRobin(this.servers);
    this.#passHostHeader = spec.passHostHeader;
    this.#sticky = spec.sticky === undefined ? undefined : new StickyCookie(spec.sticky);
    // Only sticky services read cookies; hashing every server of 10,000 services cost the cold start ~30 ms.
    this.#byCookie = this.#sticky === undefined ? new Map() : new Map(this.servers.flatMap((s) => [[stickyHash(s.url), s], [s.url, s]] as const));
    this.#onFailure = spec.passiveHealthCheck === undefined ? undefined : passiveHealth(spec.passiveHealthCheck.failureWindowMs, spec.passiveHealthCheck.maxFailedAttempts);
  }

  available(): boolean {
    return this.servers.some((s) => s.healthy && s.weight > 0);
  }

  get passHostHeader(): boolean {
    return this.#passHostHeader;
  }

  pick(): UpstreamServer | undefined {
    return this.#balancer.next();
  }

  handle(ctx: RequestContext): void {
    const sticky = this.#sticky;
    let server: UpstreamServer | undefined;
    if (sticky !== undefined) {
      const value = sticky.read(ctx);
      const wanted = value === undefined ? undefined : this.#byCookie.get(value);
      if (wanted !== undefined && wanted.healthy && wanted.weight > 0) server = wanted;
      else {
        server = this.#balancer.next();
        if (server !== undefined) sticky.set(ctx, stickyHash(server.url));
      }
    } else {
      server = this.#balancer.next();
    }
    if (server === undefined) {
      sendError(writerOf(ctx), 503, 'no available server');
      return;
    }
    forward(ctx, server, this.#passHostHeader, this.#onFailure);
  }
}

/**
 * Traefik v3.6's passive health check: `maxFailedAttempts` failed exchanges (no answer from the
 * server) within `failureWindow` take it out of rotation for one window. Counted per thread.
 */
function passiveHealth(windowMs: number, maxFailed: number): ForwardFailure {
  const failures = new Map<UpstreamServer, number[]>();
  return (server) => {
    const now = performance.now();
    const recent = (failures.get(server) ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    failures.set(server, recent);
    if (recent.length < maxFailed || !server.healthy) return;
    server.healthy = false;
    failures.delete(server);
    setTimeout(() => (server.healthy = true), windowMs).unref();
  };
}

function upstreamServer(url: string, weight: number, preservePath: boolean, build: ServiceBuildContext, healthy: boolean): UpstreamServer {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '');
  return {
    url,
    origin: parsed.origin,
    host: parsed.host,
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    secure,
    pathPrefix: preservePath ? path : '',
    pool: build.pools.get(parsed.origin),
    weight,
    healthy,
  };
}

interface WeightedChild {
  readonly name: string;
  readonly handler: ServiceHandler;
  readonly weight: number;
  healthy: boolean;
}

class WeightedService implements ServiceHandler {
  readonly name: string;
  readonly #children: readonly WeightedChild[];
  readonly #balancer: WeightedRoundRobin<WeightedChild>;
  readonly #sticky: StickyCookie | undefined;
  readonly #byCookie: ReadonlyMap<string, WeightedChild>;

  constructor(name: string, children: WeightedChild[], sticky: StickyCookie | undefined) {
    this.name = name;
    this.#children = children;
    this.#balancer = new WeightedRoundRobin(children);
    this.#sticky = sticky;
    this.#byCookie = new Map(children.flatMap((c) => [[stickyHash(c.name), c], [c.name, c]] as const));
  }

  available(): boolean {
    return this.#children.some((c) => c.handler.available());
  }

  handle(ctx: RequestContext): void {
    for (const child of this.#children) child.healthy = child.handler.available();
    const sticky = this.#sticky;
    if (sticky !== undefined) {
      const value = sticky.read(ctx);
      const wanted = value === undefined ? undefined : this.#byCookie.get(value);
      if (wanted !== undefined && wanted.healthy && wanted.weight > 0) {
        wanted.handler.handle(ctx);
        return;
      }
    }
    const child = this.#balancer.next();
    if (child === undefined) {
      sendError(writerOf(ctx), 503, 'no available server');
      return;
    }
    if (sticky !== undefined) sticky.set(ctx, stickyHash(child.name));
    child.handler.handle(ctx);
  }
}

class FailoverService implements ServiceHandler {
  readonly name: string;
  readonly #main: ServiceHandler;
  readonly #fallback: ServiceHandler;

  constructor(name: string, main: ServiceHandler, fallback: ServiceHandler) {
    this.name = name;
    this.#main = main;
    this.#fallback = fallback;
  }

  available(): boolean {
    return this.#main.available() || this.#fallback.available();
  }

  handle(ctx: RequestContext): void {
    (this.#main.available() ? this.#main : this.#fallback).handle(ctx);
  }
}

function unavailable(name: string): ServiceHandler {
  return {
    name,
    available: () => false,
    handle: (ctx) => sendError(writerOf(ctx), 503, 'no available server'),
  };
}
