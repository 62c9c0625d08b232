/**
 * @module The indexed route table. Precedence is global (route-order.ts), so an index may only
 * narrow the candidates, never reorder them: each route sits under the hosts it requires, or in a
 * fallback list when it has none, all lists in precedence order. A request merges its host's list,
 * its parent domain's wildcard list and the fallback list, and takes the first route that matches,
 * so the cost per request follows the routes of one host plus the fallback, not the table size.
 *
 * Under an exact host, a route keeps the rule already settled for that host (its Host matchers
 * decided at compile time): with 10,000 routers each request meets cold closures, and skipping
 * the Host ones more than halved the time per match (bench/route-table.ts).
 *
 * A table is built once in order, then edited in place: `set` and `delete` touch only the lists of
 * the hosts the route requires (or the fallback list), so one changed router among 10,000 costs a
 * compile and a few list walks. Ranks are positions in precedence order, renumbered on each edit
 * (a loop over the routes after it), which keeps the per-request merge a comparison of integers.
 */
import { RuleError } from '../errors.ts';
import {
  compileRoutes, type CompiledRoute, type RouteCompileError, type RouteDefinition, type RouteMatch, type RouteTable,
} from './compile-routes.ts';
import { compileRule } from './compile.ts';
import { requestHostKey } from './host-match.ts';
import type { RuleCache } from './rule-cache.ts';
import type { RequestPredicate, RoutingRequest } from './request.ts';
import { compareRoutes, rulePriority } from './route-order.ts';
import { UnicodeTables } from './unicode-tables.ts';

export type { RouteDefinition, RouteMatch, RouteTable, RouteTableBuild } from './compile-routes.ts';

/**
 * A node of a precedence-ordered list. Linked rather than arrayed: one cold read fewer per request
 * (bench/route-table.ts, 10,000 routers, wide set: about 240 ns against 265 ns with arrays).
 */
interface Candidate<T> {
  /** Position of its route in precedence order; renumbered when a route is inserted or removed. */
  rank: number;
  readonly result: RouteMatch<T>;
  /** The whole rule. */
  readonly match: RequestPredicate;
  /** The rule settled for the list's host; valid only when the request host equals that key exactly. */
  readonly settled: RequestPredicate;
  next: Candidate<T> | undefined;
}

/** One route of the table, with the list nodes it owns (one per index key). */
interface Entry<T> {
  readonly route: Omit<CompiledRoute<T>, 'rank'>;
  readonly nodes: Array<{ readonly index: Map<string, Candidate<T>>; readonly key: string; readonly node: Candidate<T> }>;
}

/** A route table that can be edited in place: a configuration change re-indexes one route, not all. */
export interface EditableRouteTable<T> extends RouteTable<T> {
  /** Adds the route, or replaces the one with the same name; a rule that fails leaves the name absent and is returned. */
  set(route: RouteDefinition<T>): RouteCompileError | undefined;
  delete(name: string): void;
  readonly size: number;
}

/** `cache`, when given, keeps compiled rules from one build to the next; its owner sweeps it (rule-cache.ts). */
export function compileRouteTable<T>(routes: ReadonlyArray<RouteDefinition<T>>, cache?: RuleCache): { readonly table: EditableRouteTable<T>; readonly errors: readonly RouteCompileError[] } {
  const { routes: ordered, errors } = compileRoutes(routes, cache);
  const table = new IndexedRouteTable<T>();
  // Routes arrive in precedence order, so appending keeps every list sorted.
  for (const route of ordered) table.append(route);
  return { table, errors };
}

class IndexedRouteTable<T> implements EditableRouteTable<T> {
  readonly #exact = new Map<string, Candidate<T>>();
  readonly #wildcard = new Map<string, Candidate<T>>();
  /** The routes without a required host, under the key ''. */
  readonly #fallback = new Map<string, Candidate<T>>();
  /** Every route in precedence order: an entry's index is its rank. */
  readonly #order: Array<Entry<T>> = [];
  readonly #byName = new Map<string, Entry<T>>();
  /** Tails while building in order (append), dropped at the first edit. */
  #tails: Map<Map<string, Candidate<T>>, Map<string, Candidate<T>>> | undefined = new Map();

  get size(): number {
    return this.#order.length;
  }

  match(req: RoutingRequest): RouteMatch<T> | undefined {
    const host = requestHostKey(req.host);
    let wildcard: Candidate<T> | undefined;
    if (this.#wildcard.size > 0) {
      const dot = host.indexOf('.');
      if (dot > 0) wildcard = this.#wildcard.get(host.slice(dot + 1));
    }
    // A request host with trailing dots only shares its key with the settled rules: check it whole.
    return firstMatch(req, this.#exact.get(host), host === req.host, wildcard, this.#fallback.get(''));
  }

  /** Bulk build: `route` comes after every route already in the table. */
  append(route: CompiledRoute<T>): void {
    const entry: Entry<T> = { route, nodes: [] };
    const rank = this.#order.length;
    this.#order.push(entry);
    this.#byName.set(route.name, entry);
    for (const [index, key, settled] of this.#placements(route)) {
      const tails = this.#tailsOf(index);
      const tail = tails.get(key);
      if (tail?.rank === rank) continue; // the same route under the same key twice
      const node: Candidate<T> = { rank, result: route.result, match: route.match, settled, next: undefined };
      if (tail === undefined) index.set(key, node);
      else tail.next = node;
      tails.set(key, node);
      entry.nodes.push({ index, key, node });
    }
  }

  set(definition: RouteDefinition<T>): RouteCompileError | undefined {
    this.delete(definition.name);
    let compiled;
    try {
      compiled = compileRule(definition.rule, definition.syntax, new UnicodeTables());
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      return { name: definition.name, error };
    }
    const route: Omit<CompiledRoute<T>, 'rank'> = {
      name: definition.name,
      priority: rulePriority(definition.rule, definition.priority),
      match: compiled.match,
      hosts: compiled.hosts,
      forHost: compiled.forHost,
      result: Object.freeze({ name: definition.name, target: definition.target }),
    };
    this.#tails = undefined;
    // The first route that goes after the new one (binary search on precedence).
    let low = 0;
    let high = this.#order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareRoutes(this.#order[mid]!.route, route) < 0) low = mid + 1;
      else high = mid;
    }
    const entry: Entry<T> = { route, nodes: [] };
    this.#order.splice(low, 0, entry);
    this.#byName.set(route.name, entry);
    this.#renumber(low + 1);
    for (const [index, key, settled] of this.#placements(route)) {
      const node: Candidate<T> = { rank: low, result: route.result, match: route.match, settled, next: undefined };
      let before: Candidate<T> | undefined;
      let after = index.get(key);
      while (after !== undefined && after.rank < low) {
        before = after;
        after = after.next;
      }
      if (after?.rank === low) continue; // the same route under the same key twice
      node.next = after;
      if (before === undefined) index.set(key, node);
      else before.next = node;
      entry.nodes.push({ index, key, node });
    }
    return undefined;
  }

  delete(name: string): void {
    const entry = this.#byName.get(name);
    if (entry === undefined) return;
    this.#tails = undefined;
    this.#byName.delete(name);
    for (const { index, key, node } of entry.nodes) {
      let previous: Candidate<T> | undefined;
      let current = index.get(key);
      while (current !== undefined && current !== node) {
        previous = current;
        current = current.next;
      }
      if (current === undefined) continue;
      if (previous !== undefined) previous.next = node.next;
      else if (node.next !== undefined) index.set(key, node.next);
      else index.delete(key);
    }
    const rank = entry.nodes[0]?.node.rank ?? this.#order.indexOf(entry);
    const at = this.#order[rank] === entry ? rank : this.#order.indexOf(entry);
    this.#order.splice(at, 1);
    this.#renumber(at);
  }

  /** Ranks are positions: every route from `from` on takes its new one. */
  #renumber(from: number): void {
    for (let rank = from; rank < this.#order.length; rank++) for (const { node } of this.#order[rank]!.nodes) node.rank = rank;
  }

  /** The lists a route belongs in: under each host it requires (settled there), else the fallback. */
  *#placements(route: Omit<CompiledRoute<T>, 'rank'>): Iterable<[Map<string, Candidate<T>>, string, RequestPredicate]> {
    if (route.hosts === undefined) yield [this.#fallback, '', route.match];
    for (const key of route.hosts ?? []) {
      if (key.startsWith('*.')) {
        yield [this.#wildcard, key.slice(2), route.match];
        continue;
      }
      const settled = route.forHost(key);
      if (settled !== false) yield [this.#exact, key, settled];
    }
  }

  #tailsOf(index: Map<string, Candidate<T>>): Map<string, Candidate<T>> {
    if (this.#tails === undefined) throw new Error('append() builds a new table; an edited one takes set()');
    let tails = this.#tails.get(index);
    if (tails === undefined) this.#tails.set(index, (tails = new Map()));
    return tails;
  }
}

/** Three-way merge by rank; a route listed twice (exact and wildcard) is tried once. */
function firstMatch<T>(
  req: RoutingRequest,
  exact: Candidate<T> | undefined,
  exactSettled: boolean,
  wildcard: Candidate<T> | undefined,
  fallback: Candidate<T> | undefined,
): RouteMatch<T> | undefined {
  let lastRank = -1;
  for (;;) {
    let best = exact;
    if (wildcard !== undefined && (best === undefined || wildcard.rank < best.rank)) best = wildcard;
    if (fallback !== undefined && (best === undefined || fallback.rank < best.rank)) best = fallback;
    if (best === undefined) return undefined;
    const fromExact = best === exact;
    if (fromExact) exact = exact!.next;
    else if (best === wildcard) wildcard = wildcard.next;
    else fallback = fallback!.next;
    if (best.rank === lastRank) continue;
    lastRank = best.rank;
    if ((fromExact && exactSettled ? best.settled : best.match)(req)) return best.result;
  }
}
