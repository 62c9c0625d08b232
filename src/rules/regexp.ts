/**
 * @module Go regexps for rules, compiled once into linear-time RegExps. Matching is unanchored, as
 * Go's `MatchString`; the RegExp has no `g` flag, so `test` keeps no state between requests.
 */
import { newLinearRegExp } from './linear-engine.ts';
import { translateRe2 } from './re2-translate.ts';
import type { UnicodeTables } from './unicode-tables.ts';

/** Compiles Go RE2 `pattern` from the rule argument at `column`; errors are RuleError with that column. */
export function compileGoRegexp(pattern: string, column: number, tables: UnicodeTables): RegExp {
  return newLinearRegExp(translateRe2(pattern, tables, column), column);
}
