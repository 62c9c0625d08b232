/**
 * @module Go regexps for middlewares (redirectRegex, replacePathRegex, stripPrefixRegex, header
 * regexes): RE2 syntax translated once into a linear-time RegExp that keeps its capture groups, and
 * Go's `ReplaceAllString` with its `$1` / `${1}` / `$name` / `$$` template expansion.
 */
import { newLinearRegExp } from '../rules/linear-engine.ts';
import { translateRe2 } from '../rules/re2-translate.ts';
import { UnicodeTables } from '../rules/unicode-tables.ts';

export class GoRegexp {
  readonly source: string;
  /** Non-global: `test`/`exec` keep no state between requests. */
  readonly #once: RegExp;
  /** Global, for successive matches in a replacement; lastIndex is reset before each use. */
  readonly #all: RegExp;

  /** Throws RuleError (SY_RULE_REGEXP / SY_RULE_ENGINE) for a pattern RE2 or the engine refuses. */
  constructor(pattern: string) {
    this.source = pattern;
    const translated = translateRe2(pattern, new UnicodeTables(), 1, true);
    this.#once = newLinearRegExp(translated, 1);
    this.#all = new RegExp(this.#once.source, 'lg');
  }

  test(text: string): boolean {
    return this.#once.test(text);
  }

  exec(text: string): RegExpExecArray | null {
    return this.#once.exec(text);
  }

  /**
   * Go's ReplaceAllString: every non-overlapping match is replaced by `template` expanded with its
   * groups; an empty match right after the previous match is skipped, as Go does.
   */
  replaceAll(text: string, template: string): string {
    const re = this.#all;
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    let previousEnd = -1;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (m[0].length === 0) {
        re.lastIndex = m.index + 1;
        if (m.index === previousEnd) continue;
      }
      out += text.slice(last, m.index) + expand(template, m);
      last = end;
      previousEnd = end;
      if (re.lastIndex > text.length) break;
    }
    return out + text.slice(last);
  }
}

/** Go's Regexp.Expand: `$name`, `${name}`, `$1`, `$$`; unknown or unmatched groups are empty. */
export function expand(template: string, match: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1 || dollar === template.length - 1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const next = template[dollar + 1]!;
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    let name: string;
    let end: number;
    if (next === '{') {
      const close = template.indexOf('}', dollar + 2);
      name = close === -1 ? '' : template.slice(dollar + 2, close);
      end = close + 1;
      if (close === -1 || !/^\w+$/.test(name)) {
        // Malformed: Go keeps the '$' as text.
        out += '$';
        i = dollar + 1;
        continue;
      }
    } else {
      const word = /^\w+/.exec(template.slice(dollar + 1));
      if (word === null) {
        out += '$';
        i = dollar + 1;
        continue;
      }
      name = word[0];
      end = dollar + 1 + name.length;
    }
    out += groupValue(match, name);
    i = end;
  }
  return out;
}

function groupValue(match: RegExpExecArray, name: string): string {
  if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
  return match.groups?.[name] ?? '';
}

/** A GoRegexp for a middleware option; a pattern RE2 refuses is an error naming `key`. */
export function regexpOption(pattern: string, key: string, MiddlewareError: new (message: string, key: string) => Error): GoRegexp {
  try {
    return new GoRegexp(pattern);
  } catch (error) {
    throw new MiddlewareError(`${(error as Error).message.replace(/ at column 1$/, '')}: ${JSON.stringify(pattern)}`, key);
  }
}
