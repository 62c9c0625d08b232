import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChainBuilder } from '../../src/middlewares/chain-builder.ts';
import { RoutingState, type RoutingContext } from '../../src/proxy/routing-state.ts';
import { LoadBalancerService, healthKey, type ServiceHandler } from '../../src/proxy/service-handlers.ts';
import { UpstreamPools } from '../../src/proxy/upstream-pools.ts';
import type { RequestContext } from '../../src/proxy/request-context.ts';
import { RuleCache } from '../../src/rules/rule-cache.ts';
import { applySnapshotDelta, diffSnapshots, isEmptyDelta } from '../../src/runtime/snapshot-delta.ts';
import { EMPTY_TLS, type MiddlewareSpec, type RouterSpec, type ServiceSpec, type Snapshot } from '../../src/runtime/snapshot.ts';
import { request } from '../rules/request-fixture.ts';
import { pick, random } from '../support/random.ts';

const ENTRY_POINTS = ['web', 'websecure'];
const HOSTS = ['a.test', 'b.test', 'c.test', 'x.a.test'];
const PATHS = ['/', '/api', '/api/v1', '/web'];

/** Every server is marked down, so a handler answers 503 at once and never dials: what it did to the request shows. */
const health = new Map<string, boolean>();

function serviceSpec(r: () => number, index: number): ServiceSpec {
  const roll = r();
  // Composite services only reference lower-numbered ones: no cycles, as the control plane ensures.
  if (index > 0 && roll < 0.2) return { kind: 'weighted', services: [{ name: `s${Math.floor(r() * index)}@etcd`, weight: 1 }] };
  if (index > 1 && roll < 0.3) return { kind: 'failover', service: `s${Math.floor(r() * index)}@etcd`, fallback: `s${Math.floor(r() * index)}@etcd` };
  const url = `http://127.0.0.1:${1 + Math.floor(r() * 3)}/${Math.floor(r() * 3)}`;
  health.set(healthKey(`s${index}@etcd`, url), false);
  return { kind: 'loadBalancer', servers: [{ url, weight: 1, preservePath: false }], passHostHeader: r() < 0.5, healthCheck: undefined, sticky: undefined };
}

function middlewareSpec(r: () => number, index: number): MiddlewareSpec {
  if (index > 0 && r() < 0.3) return { type: 'chain', options: { middlewares: [`m${Math.floor(r() * index)}@etcd`] } };
  return { type: 'addPrefix', options: { prefix: `/p${Math.floor(r() * 4)}` } };
}

function routerSpec(r: () => number, index: number, services: number, middlewares: number): RouterSpec {
  const rule = r() < 0.7 ? `Host(\`${pick(r, HOSTS)}\`) && PathPrefix(\`${pick(r, PATHS)}\`)` : `PathPrefix(\`${pick(r, PATHS)}\`)`;
  const chain = r() < 0.4 ? [`m${Math.floor(r() * middlewares)}@etcd`] : [];
  const priority = r() < 0.2 ? 1 + Math.floor(r() * 3) : undefined;
  return { name: `r${index}@etcd`, rule, syntax: 'v3', priority, service: `s${Math.floor(r() * services)}@etcd`, middlewares: chain, tls: r() < 0.3 };
}

/** A consistent snapshot: every router's service and middlewares are in it. */
class Config {
  readonly services = new Map<number, ServiceSpec>();
  readonly middlewares = new Map<number, MiddlewareSpec>();
  readonly routers = new Map<number, { spec: RouterSpec; entryPoints: string[] }>();
  revision = 1;
  readonly r: () => number;

  constructor(r: () => number) {
    this.r = r;
    for (let i = 0; i < 8; i++) this.services.set(i, serviceSpec(r, i));
    for (let i = 0; i < 4; i++) this.middlewares.set(i, middlewareSpec(r, i));
    for (let i = 0; i < 30; i++) this.#router(i);
  }

  #router(i: number): void {
    const r = this.r;
    this.routers.set(i, { spec: routerSpec(r, i, this.services.size, this.middlewares.size), entryPoints: r() < 0.3 ? ENTRY_POINTS : [pick(r, ENTRY_POINTS)] });
  }

  /** A random change: a router changed, added or removed; a service or middleware changed (in place, keeping references valid). */
  change(): void {
    const r = this.r;
    const roll = r();
    if (roll < 0.45) this.#router(Math.floor(r() * 40));
    else if (roll < 0.6) this.routers.delete(Math.floor(r() * 40));
    else if (roll < 0.85) {
      const i = Math.floor(r() * this.services.size);
      this.services.set(i, serviceSpec(r, i));
    } else {
      const i = Math.floor(r() * this.middlewares.size);
      this.middlewares.set(i, middlewareSpec(r, i));
    }
    this.revision += 1;
  }

  snapshot(): Snapshot {
    const entryPoints: Record<string, { routers: RouterSpec[] }> = {};
    for (const ep of ENTRY_POINTS) entryPoints[ep] = { routers: [] };
    for (const { spec, entryPoints: eps } of this.routers.values()) for (const ep of eps) entryPoints[ep]!.routers.push(spec);
    // Only what routers use is sent, as the control plane does (with what composite services and chains reference).
    const services: Record<string, ServiceSpec> = {};
    const middlewares: Record<string, MiddlewareSpec> = {};
    const addService = (name: string): void => {
      const spec = this.services.get(Number(name.slice(1, name.indexOf('@'))))!;
      services[name] = spec;
      if (spec.kind === 'weighted') for (const s of spec.services) addService(s.name);
      if (spec.kind === 'failover') [spec.service, spec.fallback].forEach(addService);
    };
    const addMiddleware = (name: string): void => {
      const spec = this.middlewares.get(Number(name.slice(1, name.indexOf('@'))))!;
      middlewares[name] = spec;
      if (spec.type === 'chain') for (const m of spec.options.middlewares as string[]) addMiddleware(m);
    };
    for (const { spec } of this.routers.values()) {
      addService(spec.service);
      spec.middlewares.forEach(addMiddleware);
    }
    return { revision: this.revision, entryPoints, services, middlewares, tls: EMPTY_TLS };
  }
}

function context(): RoutingContext {
  const pools = new UpstreamPools({ dialTimeoutMs: 1_000, responseHeaderTimeoutMs: 1_000, idleConnTimeoutMs: 1_000 });
  return { build: { pools, health }, chains: new ChainBuilder({ pools }), rules: new RuleCache() };
}

function describeService(handler: ServiceHandler | undefined): string {
  if (handler instanceof LoadBalancerService) return `lb ${handler.name} ${handler.servers.map((s) => `${s.url} ${s.healthy}`).join(',')}`;
  return handler?.name ?? 'none';
}

/** What a request meets: the router, its service, and what the chain did to the path before the (down) service answered. */
function decision(state: RoutingState, ep: string, tls: boolean, host: string, path: string): string {
  const tables = state.entryPoints.get(ep);
  const match = (tls ? tables?.tls : tables?.plain)?.match(request({ host, path }));
  if (match === undefined) return '404';
  const ctx = { ...request({ host, path }), res: { headersSent: false, writeHead() {}, end() {}, destroy() {} } } as unknown as RequestContext;
  let status = 0;
  (ctx.res as unknown as { writeHead: (s: number) => void }).writeHead = (s) => (status = s);
  match.target.service.handle(ctx);
  const { target } = match;
  const plain = target.service === state.services.get(target.serviceName);
  return `${target.routerName} → ${describeService(state.services.get(target.serviceName))} ${plain ? 'direct' : 'chain'} ${ctx.path} ${status}`;
}

describe('snapshot deltas', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: 60 random changes applied as deltas route like the final snapshot applied whole`, () => {
      const config = new Config(random(seed));
      let previous = config.snapshot();
      const incremental = new RoutingState(previous, context());
      for (let step = 0; step < 60; step++) {
        config.change();
        const next = config.snapshot();
        const delta = diffSnapshots(previous, next);
        assert.equal(delta.baseRevision, incremental.revision);
        // The delta is what a plane that applied it would hold (router order aside).
        const patched = applySnapshotDelta(previous, delta);
        assert.deepEqual(patched.services, next.services);
        assert.deepEqual(patched.middlewares, next.middlewares);
        for (const ep of ENTRY_POINTS) {
          assert.deepEqual(new Set(patched.entryPoints[ep]!.routers), new Set(next.entryPoints[ep]!.routers));
        }
        incremental.apply(delta);
        previous = next;
        if (step % 10 !== 9) continue;
        const whole = new RoutingState(next, context());
        for (const ep of ENTRY_POINTS) {
          for (const tls of [false, true]) {
            for (const host of [...HOSTS, 'other.test']) {
              for (const path of PATHS) {
                assert.equal(decision(incremental, ep, tls, host, path), decision(whole, ep, tls, host, path), `step ${step}: ${ep} ${tls ? 'tls' : 'plain'} ${host}${path}`);
              }
            }
          }
        }
        assert.deepEqual([...incremental.services.keys()].sort(), [...whole.services.keys()].sort());
        for (const [name, handler] of whole.services) assert.equal(describeService(incremental.services.get(name)), describeService(handler), name);
      }
    });
  }

  it('carries only what changed, and nothing when nothing did', () => {
    const router: RouterSpec = { name: 'a@etcd', rule: 'Host(`a.test`)', syntax: 'v3', priority: undefined, service: 's@etcd', middlewares: [], tls: false };
    const service: ServiceSpec = { kind: 'loadBalancer', servers: [{ url: 'http://127.0.0.1:1', weight: 1, preservePath: false }], passHostHeader: true, healthCheck: undefined, sticky: undefined };
    const base: Snapshot = { revision: 1, entryPoints: { web: { routers: [router] } }, services: { 's@etcd': service }, middlewares: {}, tls: EMPTY_TLS };
    assert.equal(isEmptyDelta(diffSnapshots(base, { ...base, revision: 2, services: { 's@etcd': { ...service } } })), true);
    const moved = { ...router, rule: 'Host(`b.test`)' };
    const other = { ...router, name: 'b@etcd' };
    const delta = diffSnapshots(base, { ...base, revision: 2, entryPoints: { web: { routers: [moved, other] } } });
    assert.deepEqual(delta.entryPoints, { web: { upsert: [moved, other], remove: [] } });
    assert.deepEqual(delta.services, { upsert: {}, remove: [] });
    assert.equal(delta.tls, undefined);
    const removed = diffSnapshots(base, { ...base, revision: 3, entryPoints: { web: { routers: [] } }, services: {}, tls: { ...EMPTY_TLS, challenges: { t: 'k' } } });
    assert.deepEqual(removed.entryPoints, { web: { upsert: [], remove: ['a@etcd'] } });
    assert.deepEqual(removed.services.remove, ['s@etcd']);
    assert.deepEqual(removed.tls?.challenges, { t: 'k' });
  });
});
