/**
 * @module Compiled rules kept across route-table builds. A configuration change usually touches one
 * router among thousands; recompiling every rule made one change cost as much as a cold start
 * (bench/scale.ts: 10,000 routers). The cache belongs to its owner (a data plane, the control
 * plane), not to the module, and forgets rules that the last build no longer used.
 */
import { RuleError } from '../errors.ts';
import { compileRule, type CompiledRule, type RuleSyntax } from './compile.ts';
import type { RequestPredicate } from './request.ts';
import type { UnicodeTables } from './unicode-tables.ts';

export class RuleCache {
  #current = new Map<string, CompiledRule | RuleError>();
  #next = new Map<string, CompiledRule | RuleError>();

  /** The compiled rule, from the cache when this text and syntax were compiled before; throws its RuleError. */
  compile(rule: string, syntax: RuleSyntax, tables: UnicodeTables): CompiledRule {
    const key = `${syntax}\u0000${rule}`;
    let entry = this.#next.get(key) ?? this.#current.get(key);
    if (entry === undefined) {
      try {
        entry = memoizeForHost(compileRule(rule, syntax, tables));
      } catch (error) {
        if (!(error instanceof RuleError)) throw error;
        entry = error;
      }
    }
    this.#next.set(key, entry);
    if (entry instanceof RuleError) throw entry;
    return entry;
  }

  /** Ends a build (which may span several tables): what it did not use is forgotten. */
  sweep(): void {
    this.#current = this.#next;
    this.#next = new Map();
  }
}

/** A route sits under the same host in every build; settling its rule for that host is done once. */
function memoizeForHost(rule: CompiledRule): CompiledRule {
  const settled = new Map<string, RequestPredicate | false>();
  return {
    match: rule.match,
    hosts: rule.hosts,
    forHost(host) {
      let predicate = settled.get(host);
      if (predicate === undefined) {
        predicate = rule.forHost(host);
        settled.set(host, predicate);
      }
      return predicate;
    },
  };
}
