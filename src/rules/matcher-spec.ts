/**
 * @module The contract between the rule compiler and each syntax's matcher registry (Traefik's
 * `httpFuncs` / `httpFuncsV2` tables): arity, a builder run once at compile time, and for Host-like
 * matchers the host keys the route table indexes on. Also the argument checks both syntaxes share.
 */
import { RuleError } from '../errors.ts';
import type { RuleArgument } from './ast.ts';
import { isAscii } from './byte-string.ts';
import type { RequestPredicate } from './request.ts';
import type { UnicodeTables } from './unicode-tables.ts';

export interface MatcherArity {
  readonly min: number;
  readonly max: number;
  /** Arguments come as key/value pairs (gorilla/mux `Headers`), so their count must be even. */
  readonly pairs?: boolean;
}

export interface MatcherSpec {
  readonly arity: MatcherArity;
  /** Checks the arguments (RuleError at the argument's column) and returns the request test. */
  build(args: readonly RuleArgument[], tables: UnicodeTables): RequestPredicate;
  /**
   * Index keys (see host-match.ts) one of which every request this matcher accepts has;
   * undefined when it can accept any host.
   */
  hostKeys?(args: readonly RuleArgument[]): readonly string[] | undefined;
}

export type MatcherRegistry = Readonly<Record<string, MatcherSpec>>;

export const ONE: MatcherArity = { min: 1, max: 1 };
export const TWO: MatcherArity = { min: 2, max: 2 };
export const ONE_OR_TWO: MatcherArity = { min: 1, max: 2 };
export const ONE_OR_MORE: MatcherArity = { min: 1, max: Infinity };
export const PAIRS: MatcherArity = { min: 2, max: Infinity, pairs: true };

export const NEVER: RequestPredicate = () => false;

/** Lowercased host argument; Traefik refuses non-ASCII hosts (use punycode). */
export function asciiHost(arg: RuleArgument, matcher: string): string {
  requireAscii(arg, matcher);
  return arg.value.toLowerCase();
}

export function requireAscii(arg: RuleArgument, matcher: string): void {
  if (!isAscii(arg.value)) {
    throw new RuleError('SY_RULE_MATCHER', `${matcher}: non-ASCII host ${JSON.stringify(arg.value)}; use punycode`, arg.column);
  }
}

export function requireLeadingSlash(arg: RuleArgument, matcher: string): string {
  if (!arg.value.startsWith('/')) {
    throw new RuleError('SY_RULE_MATCHER', `${matcher}: path ${JSON.stringify(arg.value)} does not start with "/"`, arg.column);
  }
  return arg.value;
}
