/**
 * @module The contract between the rule compiler and each syntax's matcher registry (Traefik's
 * `httpFuncs` / `httpFuncsV2` tables): arity and a builder run once at compile time; Host-like
 * matchers instead give a test on the bare host and the keys the route table indexes them under.
 * Also the argument checks both syntaxes share.
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

/** A matcher that reads the request. */
export interface RequestMatcherSpec {
  readonly arity: MatcherArity;
  /** Checks the arguments (RuleError at the argument's column) and returns the request test. */
  build(args: readonly RuleArgument[], tables: UnicodeTables): RequestPredicate;
}

/**
 * A matcher that reads only the host (Host, HostHeader). Its test takes a bare host, so the route
 * table can settle it from the index key alone and skip it per request.
 */
export interface HostMatcherSpec {
  readonly arity: MatcherArity;
  /** Checks the arguments and returns the test on a lowercased, port-less host. */
  hostTest(args: readonly RuleArgument[]): (host: string) => boolean;
  /** Index keys (host-match.ts) one of which every accepted host has; undefined when any host may pass. */
  hostKeys(args: readonly RuleArgument[]): readonly string[] | undefined;
}

export type MatcherSpec = RequestMatcherSpec | HostMatcherSpec;

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
