/**
 * @module Rule text → request predicate, for one syntax. Also works out which hosts a rule can
 * match, and re-assembles the rule for one known host, so the route table can index it and skip
 * Host checks the index has already made (see route-table.ts).
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
  /**
   * The rule as it applies to requests whose host is exactly `host` (lowercase, no trailing dot):
   * Host matchers settled, only the other tests left; `false` when no such request can match.
   */
  forHost(host: string): RequestPredicate | false;
}

/** Compiled leaves in the rule's shape, kept so the rule can be re-assembled without recompiling. */
type Tree = Leaf | { readonly kind: 'and' | 'or'; readonly operands: readonly Tree[] };

interface Leaf {
  readonly kind: 'leaf';
  readonly test: RequestPredicate;
  readonly negated: boolean;
  /** Host matchers only: the same test on a bare host, and the index keys it implies. */
  readonly hostTest?: (host: string) => boolean;
  readonly hostKeys?: readonly string[] | undefined;
}

const REGISTRIES: Readonly<Record<RuleSyntax, MatcherRegistry>> = { v2: v2Matchers, v3: v3Matchers };
const ALWAYS: RequestPredicate = () => true;

/**
 * Compiles `text`; throws RuleError (SY_RULE_SYNTAX, SY_RULE_MATCHER, SY_RULE_REGEXP) with the
 * column at fault. Pass one `tables` to every rule of a compile so Unicode tables are built once.
 */
export function compileRule(text: string, syntax: RuleSyntax, tables: UnicodeTables = new UnicodeTables()): CompiledRule {
  const tree = compileTree(parseRule(text), syntax, tables);
  return {
    match: assemble(tree),
    hosts: hostsOf(tree),
    forHost(host) {
      const settled = settle(tree, host);
      return settled === true ? ALWAYS : settled === false ? false : assemble(settled);
    },
  };
}

function compileTree(node: RuleNode, syntax: RuleSyntax, tables: UnicodeTables): Tree {
  if (node.kind !== 'matcher') return { kind: node.kind, operands: node.operands.map((op) => compileTree(op, syntax, tables)) };
  const [name, spec] = resolveMatcher(node, syntax);
  const { min, max, pairs } = spec.arity;
  const count = node.args.length;
  if (count < min || count > max || (pairs === true && count % 2 !== 0)) {
    const wanted = pairs ? 'key/value pairs' : min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new RuleError('SY_RULE_MATCHER', `${name} takes ${wanted} argument(s), got ${count}`, node.column);
  }
  if (!('hostTest' in spec)) return { kind: 'leaf', test: spec.build(node.args, tables), negated: node.negated };
  const hostTest = spec.hostTest(node.args);
  const test: RequestPredicate = (req) => hostTest(req.host);
  return { kind: 'leaf', test, negated: node.negated, hostTest, hostKeys: spec.hostKeys(node.args) };
}

function hostsOf(tree: Tree): readonly string[] | undefined {
  if (tree.kind === 'leaf') return tree.negated ? undefined : tree.hostKeys;
  const parts = tree.operands.map(hostsOf);
  if (tree.kind === 'and') {
    // Any operand's hosts bound the whole conjunction; the fewest keys make the tightest index.
    const bounded = parts.filter((hosts) => hosts !== undefined);
    return bounded.sort((a, b) => a.length - b.length)[0];
  }
  return parts.includes(undefined) ? undefined : [...new Set(parts.flatMap((hosts) => hosts!))];
}

/** Replaces Host leaves by their verdict for `host`, folding constants; true/false when fully decided. */
function settle(tree: Tree, host: string): Tree | boolean {
  if (tree.kind === 'leaf') return tree.hostTest === undefined ? tree : tree.hostTest(host) !== tree.negated;
  const decisive = tree.kind === 'or';
  const kept: Tree[] = [];
  for (const operand of tree.operands) {
    const settled = settle(operand, host);
    if (settled === decisive) return decisive;
    if (settled !== !decisive) kept.push(settled as Tree);
  }
  if (kept.length === 0) return !decisive;
  return kept.length === 1 ? kept[0]! : { kind: tree.kind, operands: kept };
}

function assemble(tree: Tree): RequestPredicate {
  if (tree.kind === 'leaf') {
    const { test } = tree;
    return tree.negated ? (req) => !test(req) : test;
  }
  const tests = tree.operands.map(assemble);
  return tree.kind === 'and' ? every(tests) : some(tests);
}

/** Traefik accepts exactly four spellings: `PathPrefix`, `pathprefix`, `PATHPREFIX`, `Pathprefix`. */
function resolveMatcher(node: MatcherNode, syntax: RuleSyntax): [string, MatcherSpec] {
  const found = lookup(node.name, REGISTRIES[syntax]);
  if (found !== undefined) return found;
  const other: RuleSyntax = syntax === 'v3' ? 'v2' : 'v3';
  const hint = lookup(node.name, REGISTRIES[other]) === undefined ? '' : ` (it is a ${other} matcher: set ruleSyntax=${other})`;
  throw new RuleError('SY_RULE_MATCHER', `unknown matcher ${node.name}${hint}`, node.column);
}

/** Spelling → matcher, per registry: 10,000 rules at a cold start spell the same few matchers. */
const spellings = new WeakMap<MatcherRegistry, Map<string, [string, MatcherSpec]>>();

function lookup(written: string, registry: MatcherRegistry): [string, MatcherSpec] | undefined {
  let known = spellings.get(registry);
  if (known === undefined) spellings.set(registry, (known = new Map()));
  let found = known.get(written);
  if (found !== undefined) return found;
  found = scan(written, registry);
  // Only valid spellings are kept (at most four per matcher): unknown names would grow it without bound.
  if (found !== undefined) known.set(written, found);
  return found;
}

function scan(written: string, registry: MatcherRegistry): [string, MatcherSpec] | undefined {
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
