/**
 * @module The indexed route table. Precedence is global (route-order.ts), so an index may only
 * narrow the candidates, never reorder them: each route sits under the hosts it requires, or in a
 * fallback list when it has none, all lists in precedence order. A request merges its host's list,
 * its parent domain's wildcard list and the fallback list, and takes the first route that matches,
 * so the cost per request follows the routes of one host plus the fallback, not the table size.
 */
import {
  compileRoutes, type CompiledRoute, type RouteDefinition, type RouteMatch, type RouteTable, type RouteTableBuild,
} from './compile-routes.ts';
import { requestHostKey } from './host-match.ts';
import type { RoutingRequest } from './request.ts';

export type { RouteDefinition, RouteMatch, RouteTable, RouteTableBuild } from './compile-routes.ts';

type Candidates<T> = ReadonlyArray<CompiledRoute<T>>;

const NONE: Candidates<never> = [];

export function compileRouteTable<T>(routes: ReadonlyArray<RouteDefinition<T>>): RouteTableBuild<T> {
  const { routes: ordered, errors } = compileRoutes(routes);
  const exact = new Map<string, Array<CompiledRoute<T>>>();
  const wildcard = new Map<string, Array<CompiledRoute<T>>>();
  const fallback: Array<CompiledRoute<T>> = [];
  // Routes arrive in precedence order, so appending keeps every list sorted.
  for (const route of ordered) {
    if (route.hosts === undefined) {
      fallback.push(route);
      continue;
    }
    for (const key of route.hosts) {
      const index = key.startsWith('*.') ? wildcard : exact;
      const hostKey = key.startsWith('*.') ? key.slice(2) : key;
      const list = index.get(hostKey) ?? [];
      if (list.at(-1) !== route) list.push(route);
      index.set(hostKey, list);
    }
  }
  return { table: new IndexedRouteTable(exact, wildcard, fallback), errors };
}

class IndexedRouteTable<T> implements RouteTable<T> {
  readonly #exact: ReadonlyMap<string, Candidates<T>>;
  readonly #wildcard: ReadonlyMap<string, Candidates<T>>;
  readonly #fallback: Candidates<T>;

  constructor(exact: ReadonlyMap<string, Candidates<T>>, wildcard: ReadonlyMap<string, Candidates<T>>, fallback: Candidates<T>) {
    this.#exact = exact;
    this.#wildcard = wildcard;
    this.#fallback = fallback;
  }

  match(req: RoutingRequest): RouteMatch<T> | undefined {
    const host = requestHostKey(req.host);
    const exact = this.#exact.get(host) ?? NONE;
    let wildcard: Candidates<T> = NONE;
    if (this.#wildcard.size > 0) {
      const dot = host.indexOf('.');
      if (dot > 0) wildcard = this.#wildcard.get(host.slice(dot + 1)) ?? NONE;
    }
    return firstMatch(req, exact, wildcard, this.#fallback);
  }
}

/** Three-way merge by rank; a route listed twice (exact and wildcard) is tried once. */
function firstMatch<T>(req: RoutingRequest, a: Candidates<T>, b: Candidates<T>, c: Candidates<T>): RouteMatch<T> | undefined {
  let i = 0;
  let j = 0;
  let k = 0;
  let lastRank = -1;
  for (;;) {
    let best: CompiledRoute<T> | undefined;
    let from = 0;
    if (i < a.length) {
      best = a[i]!;
      from = 1;
    }
    if (j < b.length && (best === undefined || b[j]!.rank < best.rank)) {
      best = b[j]!;
      from = 2;
    }
    if (k < c.length && (best === undefined || c[k]!.rank < best.rank)) {
      best = c[k]!;
      from = 3;
    }
    if (best === undefined) return undefined;
    if (from === 1) i++;
    else if (from === 2) j++;
    else k++;
    if (best.rank === lastRank) continue;
    lastRank = best.rank;
    if (best.match(req)) return best.result;
  }
}
