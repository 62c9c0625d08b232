/**
 * @module Rule text → request predicate, for one syntax. Also works out which hosts a rule can
 * possibly match, so the route table can index it (see route-table.ts).
 */
import { RuleError } from '../errors.ts';
import type { MatcherNode, RuleNode } from './ast.ts';
import type { MatcherRegistry, MatcherSpec } from './matcher-spec.ts';
import { v2Matchers } from './matchers-v2.ts';
import { v3Matchers } from './matchers-v3.ts';
import { parseRule } from './parse.ts';
import type { RequestPredicate } from './request.ts';
import { UnicodeTables } from './unicode-tables.ts';

export type RuleSyntax = 'v2' | 'v3';

export interface CompiledRule {
  readonly match: RequestPredicate;
  /**
   * Host index keys (`a.example.com`, `*.example.com`) one of which every request the rule accepts
   * has: set when `Host` is required on every path through the rule; undefined otherwise.
   */
  readonly hosts: readonly string[] | undefined;
}

const REGISTRIES: Readonly<Record<RuleSyntax, MatcherRegistry>> = { v2: v2Matchers, v3: v3Matchers };

/**
 * Compiles `text`; throws RuleError (SY_RULE_SYNTAX, SY_RULE_MATCHER, SY_RULE_REGEXP) with the
 * column at fault. Pass one `tables` to every rule of a compile so Unicode tables are built once.
 */
export function compileRule(text: string, syntax: RuleSyntax, tables: UnicodeTables = new UnicodeTables()): CompiledRule {
  return compileNode(parseRule(text), syntax, tables);
}

function compileNode(node: RuleNode, syntax: RuleSyntax, tables: UnicodeTables): CompiledRule {
  if (node.kind === 'matcher') return compileMatcher(node, syntax, tables);
  const parts = node.operands.map((operand) => compileNode(operand, syntax, tables));
  const tests = parts.map((part) => part.match);
  if (node.kind === 'and') {
    // Any operand's hosts bound the whole conjunction; the fewest keys make the tightest index.
    const bounded = parts.filter((part) => part.hosts !== undefined).map((part) => part.hosts!);
    bounded.sort((a, b) => a.length - b.length);
    return { match: every(tests), hosts: bounded[0] };
  }
  const unbounded = parts.some((part) => part.hosts === undefined);
  return { match: some(tests), hosts: unbounded ? undefined : [...new Set(parts.flatMap((part) => part.hosts!))] };
}

function compileMatcher(node: MatcherNode, syntax: RuleSyntax, tables: UnicodeTables): CompiledRule {
  const [name, spec] = resolveMatcher(node, syntax);
  const { min, max, pairs } = spec.arity;
  const count = node.args.length;
  if (count < min || count > max || (pairs === true && count % 2 !== 0)) {
    const wanted = pairs ? 'key/value pairs' : min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new RuleError('SY_RULE_MATCHER', `${name} takes ${wanted} argument(s), got ${count}`, node.column);
  }
  const test = spec.build(node.args, tables);
  if (!node.negated) return { match: test, hosts: spec.hostKeys?.(node.args) };
  return { match: (req) => !test(req), hosts: undefined };
}

/** Traefik accepts exactly four spellings: `PathPrefix`, `pathprefix`, `PATHPREFIX`, `Pathprefix`. */
function resolveMatcher(node: MatcherNode, syntax: RuleSyntax): [string, MatcherSpec] {
  const found = lookup(node.name, REGISTRIES[syntax]);
  if (found !== undefined) return found;
  const other: RuleSyntax = syntax === 'v3' ? 'v2' : 'v3';
  const hint = lookup(node.name, REGISTRIES[other]) === undefined ? '' : ` (it is a ${other} matcher: set ruleSyntax=${other})`;
  throw new RuleError('SY_RULE_MATCHER', `unknown matcher ${node.name}${hint}`, node.column);
}

function lookup(written: string, registry: MatcherRegistry): [string, MatcherSpec] | undefined {
  for (const [name, spec] of Object.entries(registry)) {
    const lower = name.toLowerCase();
    const title = lower.charAt(0).toUpperCase() + lower.slice(1);
    if (written === name || written === lower || written === name.toUpperCase() || written === title) return [name, spec];
  }
  return undefined;
}

function every(tests: readonly RequestPredicate[]): RequestPredicate {
  if (tests.length === 2) {
    const [a, b] = tests as [RequestPredicate, RequestPredicate];
    return (req) => a(req) && b(req);
  }
  return (req) => {
    for (const test of tests) if (!test(req)) return false;
    return true;
  };
}

function some(tests: readonly RequestPredicate[]): RequestPredicate {
  if (tests.length === 2) {
    const [a, b] = tests as [RequestPredicate, RequestPredicate];
    return (req) => a(req) || b(req);
  }
  return (req) => {
    for (const test of tests) if (test(req)) return true;
    return false;
  };
}
