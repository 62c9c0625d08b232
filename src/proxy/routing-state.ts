/**
 * @module A snapshot compiled for serving: one route table per entry point and kind (plain, TLS),
 * the service handlers, and each router's handler (its middleware chain around its service).
 *
 * Built whole from a full snapshot, then edited by deltas: a delta rebuilds the services it names
 * and those that reference them, the handlers of the routers that use any of these (or a changed
 * middleware), and re-indexes only the routers whose rule, priority or TLS flag changed. A route
 * target is the same object across edits, with its handler swapped in place, so a router whose
 * service changed keeps its place in the table. Edits run synchronously between requests: a request
 * never sees half a delta.
 */
import { compileRouteTable, type EditableRouteTable } from '../rules/route-table.ts';
import type { RuleCache } from '../rules/rule-cache.ts';
import type { SnapshotDelta } from '../runtime/snapshot-delta.ts';
import { childServices, type MiddlewareSpec, type RouterSpec, type ServiceSpec, type Snapshot } from '../runtime/snapshot.ts';
import { DEFAULT_TLS_OPTIONS } from '../runtime/tls-policy.ts';
import type { ChainBuilder } from '../middlewares/chain-builder.ts';
import { LoadBalancerService, rebuildServiceHandlers, type ServiceBuildContext, type ServiceHandler } from './service-handlers.ts';

export interface RouteTarget {
  readonly routerName: string;
  readonly serviceName: string;
  /** The TLS options the router names (`default` for none): a TLS request is served only on a connection handshaken under them. */
  readonly tlsOptions: string;
  /** With middlewares, the router's chain ending in its service; without, the service itself. */
  service: ServiceHandler;
}

export interface CompiledEntryPoint {
  readonly plain: EditableRouteTable<RouteTarget>;
  readonly tls: EditableRouteTable<RouteTarget>;
}

interface RouterRecord {
  readonly entryPoint: string;
  readonly spec: RouterSpec;
  readonly target: RouteTarget;
  /** What its handler was built from besides its service: `s:<service>`, `m:<middleware>` (empty without middlewares). */
  deps: string[];
}

export interface RoutingContext {
  readonly build: ServiceBuildContext;
  readonly chains: ChainBuilder;
  /** Keeps compiled rules across full builds (swept after each). */
  readonly rules: RuleCache;
}

export class RoutingState {
  revision: number;
  readonly entryPoints = new Map<string, CompiledEntryPoint>();
  readonly services = new Map<string, ServiceHandler>();
  readonly #serviceSpecs: Map<string, ServiceSpec>;
  readonly #middlewareSpecs: Map<string, MiddlewareSpec>;
  readonly #context: RoutingContext;
  /** `<entry point>\n<router>` → its record. */
  readonly #routers = new Map<string, RouterRecord>();
  /**
   * `s:<service>` / `m:<middleware>` → the routers whose handler uses it. Made by the first delta
   * that changes a service or middleware (most change only routers), then kept up to date: a cold
   * start with 10,000 routers does not pay for 10,000 sets it may never read.
   */
  #users: Map<string, Set<RouterRecord>> | undefined;

  /** Compiles `snapshot` whole; `previous` lends load balancers whose spec is unchanged (servers, pools, health). */
  constructor(snapshot: Snapshot, context: RoutingContext, previous?: RoutingState) {
    this.#context = context;
    this.revision = snapshot.revision;
    this.#serviceSpecs = new Map(Object.entries(snapshot.services));
    this.#middlewareSpecs = new Map(Object.entries(snapshot.middlewares));
    rebuildServiceHandlers(this.services, this.#serviceSpecs, this.#serviceSpecs.keys(), { ...context.build, previous: previous?.services });
    const chains = context.chains.build(this.#middlewareSpecs, this.services);
    for (const [name, { routers }] of Object.entries(snapshot.entryPoints)) {
      const routes = routers.map((spec) => {
        const record = this.#record(name, spec, chains.router);
        return { name: spec.name, rule: spec.rule, syntax: spec.syntax, priority: spec.priority, tls: spec.tls, target: record.target };
      });
      this.entryPoints.set(name, {
        plain: compileRouteTable(routes.filter((r) => !r.tls), context.rules).table,
        tls: compileRouteTable(routes.filter((r) => r.tls), context.rules).table,
      });
    }
    chains.done();
    context.rules.sweep();
  }

  /** Applies `delta` in place; its base must be this state's revision (the caller checks). */
  apply(delta: SnapshotDelta): void {
    // Services: the changed ones and, transitively, those that hand requests to them.
    const changedServices = new Set([...Object.keys(delta.services.upsert), ...delta.services.remove]);
    for (const name of delta.services.remove) this.#serviceSpecs.delete(name);
    for (const [name, spec] of Object.entries(delta.services.upsert)) this.#serviceSpecs.set(name, spec);
    const affectedServices = this.#withParents(changedServices);
    if (affectedServices.size > 0) {
      const previous = new Map<string, ServiceHandler>();
      for (const name of affectedServices) {
        const handler = this.services.get(name);
        if (handler !== undefined) previous.set(name, handler);
        this.services.delete(name);
      }
      rebuildServiceHandlers(this.services, this.#serviceSpecs, affectedServices, { ...this.#context.build, previous });
    }

    const changedMiddlewares = new Set([...Object.keys(delta.middlewares.upsert), ...delta.middlewares.remove]);
    for (const name of delta.middlewares.remove) this.#middlewareSpecs.delete(name);
    for (const [name, spec] of Object.entries(delta.middlewares.upsert)) this.#middlewareSpecs.set(name, spec);
    const chains = this.#context.chains.build(this.#middlewareSpecs, this.services, changedMiddlewares);

    // Routers whose handler is built from something that changed, unless the delta replaces them anyway.
    const rebuild = new Set<RouterRecord>();
    if (affectedServices.size > 0 || changedMiddlewares.size > 0) {
      const users = this.#usersIndex();
      for (const name of affectedServices) for (const record of users.get(`s:${name}`) ?? []) rebuild.add(record);
      for (const name of changedMiddlewares) for (const record of users.get(`m:${name}`) ?? []) rebuild.add(record);
    }

    for (const [entryPoint, { upsert, remove }] of Object.entries(delta.entryPoints)) {
      let tables = this.entryPoints.get(entryPoint);
      if (tables === undefined) this.entryPoints.set(entryPoint, (tables = { plain: compileRouteTable<RouteTarget>([]).table, tls: compileRouteTable<RouteTarget>([]).table }));
      for (const name of remove) {
        const record = this.#routers.get(`${entryPoint}\n${name}`);
        if (record === undefined) continue;
        this.#forget(record);
        rebuild.delete(record);
        (record.spec.tls ? tables.tls : tables.plain).delete(name);
      }
      for (const spec of upsert) {
        const before = this.#routers.get(`${entryPoint}\n${spec.name}`);
        if (before !== undefined) {
          this.#forget(before);
          rebuild.delete(before);
        }
        const record = this.#record(entryPoint, spec, chains.router);
        const samePlace = before !== undefined && before.spec.rule === spec.rule && before.spec.syntax === spec.syntax && before.spec.priority === spec.priority && before.spec.tls === spec.tls && before.spec.service === spec.service;
        if (samePlace) {
          // The table holds the old target: give it the new handler instead of re-indexing.
          before.target.service = record.target.service;
          this.#forget(record);
          const kept: RouterRecord = { entryPoint, spec, target: before.target, deps: record.deps };
          this.#remember(kept);
          continue;
        }
        if (before !== undefined) (before.spec.tls ? tables.tls : tables.plain).delete(spec.name);
        (spec.tls ? tables.tls : tables.plain).set({ name: spec.name, rule: spec.rule, syntax: spec.syntax, priority: spec.priority, target: record.target });
      }
    }

    for (const record of rebuild) {
      this.#forget(record);
      const fresh = this.#handler(record.spec, chains.router);
      record.target.service = fresh.service;
      record.deps = fresh.deps;
      this.#remember(record);
    }
    chains.done();

    if (affectedServices.size > 0) this.#context.build.pools.retain(this.origins());
    this.revision = delta.revision;
  }

  /** The origins of every load-balanced server: pools for any other origin may close. */
  origins(): Set<string> {
    const origins = new Set<string>();
    for (const handler of this.services.values()) {
      if (handler instanceof LoadBalancerService) for (const s of handler.servers) origins.add(s.origin);
    }
    return origins;
  }

  #record(entryPoint: string, spec: RouterSpec, router: RouterFactory): RouterRecord {
    const { service, deps } = this.#handler(spec, router);
    const record: RouterRecord = { entryPoint, spec, target: { routerName: spec.name, serviceName: spec.service, tlsOptions: spec.tlsOptions ?? DEFAULT_TLS_OPTIONS, service }, deps };
    this.#remember(record);
    return record;
  }

  #handler(spec: RouterSpec, router: RouterFactory): { service: ServiceHandler; deps: string[] } {
    const deps: string[] = [];
    // The control plane only sends routers whose service it sent; a missing one is a bug, not a 404.
    const service = router(spec, this.services.get(spec.service)!, deps);
    return { service, deps };
  }

  #remember(record: RouterRecord): void {
    this.#routers.set(`${record.entryPoint}\n${record.spec.name}`, record);
    if (this.#users !== undefined) this.#index(this.#users, record);
  }

  #usersIndex(): Map<string, Set<RouterRecord>> {
    if (this.#users === undefined) {
      const users = new Map<string, Set<RouterRecord>>();
      for (const record of this.#routers.values()) this.#index(users, record);
      this.#users = users;
    }
    return this.#users;
  }

  #index(users: Map<string, Set<RouterRecord>>, record: RouterRecord): void {
    for (const dep of [`s:${record.spec.service}`, ...record.deps]) {
      let set = users.get(dep);
      if (set === undefined) users.set(dep, (set = new Set()));
      set.add(record);
    }
  }

  #forget(record: RouterRecord): void {
    const key = `${record.entryPoint}\n${record.spec.name}`;
    if (this.#routers.get(key) === record) this.#routers.delete(key);
    if (this.#users === undefined) return;
    for (const dep of [`s:${record.spec.service}`, ...record.deps]) {
      const users = this.#users.get(dep);
      users?.delete(record);
      if (users?.size === 0) this.#users.delete(dep);
    }
  }

  /** `names` and every service that references one of them, directly or not. */
  #withParents(names: ReadonlySet<string>): Set<string> {
    const affected = new Set(names);
    if (names.size === 0) return affected;
    const parents = new Map<string, string[]>();
    for (const [name, spec] of this.#serviceSpecs) {
      for (const child of childServices(spec)) {
        let list = parents.get(child);
        if (list === undefined) parents.set(child, (list = []));
        list.push(name);
      }
    }
    const queue = [...names];
    while (queue.length > 0) {
      for (const parent of parents.get(queue.pop()!) ?? []) {
        if (affected.has(parent)) continue;
        affected.add(parent);
        queue.push(parent);
      }
    }
    return affected;
  }
}

type RouterFactory = (spec: RouterSpec, service: ServiceHandler, deps?: string[]) => ServiceHandler;
