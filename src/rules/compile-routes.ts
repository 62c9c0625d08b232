/**
 * @module The part both route tables share: compile every rule once, keep the failures aside
 * (a bad rule disables only its own router) and put the rest in precedence order.
 */
import { RuleError } from '../errors.ts';
import { compileRule, type RuleSyntax } from './compile.ts';
import type { RuleCache } from './rule-cache.ts';
import type { RequestPredicate, RoutingRequest } from './request.ts';
import { compareRoutes, rulePriority } from './route-order.ts';
import { UnicodeTables } from './unicode-tables.ts';

export interface RouteDefinition<T> {
  readonly name: string;
  readonly rule: string;
  readonly syntax: RuleSyntax;
  /** 0 or absent: the rule's length in bytes. */
  readonly priority?: number | undefined;
  readonly target: T;
}

export interface RouteMatch<T> {
  readonly name: string;
  readonly target: T;
}

export interface RouteTable<T> {
  match(req: RoutingRequest): RouteMatch<T> | undefined;
}

export interface RouteCompileError {
  readonly name: string;
  readonly error: RuleError;
}

export interface RouteTableBuild<T> {
  readonly table: RouteTable<T>;
  readonly errors: readonly RouteCompileError[];
}

export interface CompiledRoute<T> {
  readonly name: string;
  readonly priority: number;
  /** Position in precedence order: lower is tried first. */
  readonly rank: number;
  readonly match: RequestPredicate;
  readonly hosts: readonly string[] | undefined;
  /** See CompiledRule.forHost. */
  readonly forHost: (host: string) => RequestPredicate | false;
  /** Returned as is on a match, so matching allocates nothing. */
  readonly result: RouteMatch<T>;
}

/** Compiles `routes` into precedence order; RuleErrors are collected, anything else is a bug and thrown. */
export function compileRoutes<T>(routes: ReadonlyArray<RouteDefinition<T>>, cache?: RuleCache): {
  routes: Array<CompiledRoute<T>>;
  errors: RouteCompileError[];
} {
  const tables = new UnicodeTables();
  const errors: RouteCompileError[] = [];
  const compiled: Array<Omit<CompiledRoute<T>, 'rank'>> = [];
  for (const route of routes) {
    try {
      const { match, hosts, forHost } = cache === undefined ? compileRule(route.rule, route.syntax, tables) : cache.compile(route.rule, route.syntax, tables);
      const result = Object.freeze({ name: route.name, target: route.target });
      compiled.push({ name: route.name, priority: rulePriority(route.rule, route.priority), match, hosts, forHost, result });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      errors.push({ name: route.name, error });
    }
  }
  compiled.sort(compareRoutes);
  return { routes: compiled.map((route, rank) => ({ ...route, rank })), errors };
}

