/**
 * @module gorilla/mux route templates, which the v2 syntax uses for HostRegexp, Path, PathPrefix
 * and Query: literal text with `{name}` or `{name:regexp}` variables, turned into one anchored RE2
 * pattern (Traefik's fork of gorilla/mux, `newRouteRegexp`).
 */
import { RuleError } from '../errors.ts';

export type TemplateKind = 'host' | 'path' | 'prefix' | 'query';

/** The pattern a variable without `:regexp` gets. */
const DEFAULT_PATTERN: Readonly<Record<TemplateKind, string>> = {
  host: '[^.]+',
  path: '[^/]+',
  prefix: '[^/]+',
  query: '.*',
};

/** RE2 source for `template`; errors are SY_RULE_MATCHER at `column`. */
export function muxTemplateToRe2(template: string, kind: TemplateKind, column: number): string {
  const fail = (message: string): never => {
    throw new RuleError('SY_RULE_MATCHER', `${message} in template ${JSON.stringify(template)}`, column);
  };
  let pattern = '^';
  let literalStart = 0;
  for (const [open, close] of braceSpans(template) ?? fail('unbalanced braces')) {
    pattern += quoteMeta(template.slice(literalStart, open));
    const inner = template.slice(open + 1, close);
    const colon = inner.indexOf(':');
    const name = colon < 0 ? inner : inner.slice(0, colon);
    const variable = colon < 0 ? DEFAULT_PATTERN[kind] : inner.slice(colon + 1);
    if (name === '' || variable === '') fail(`missing name or pattern in {${inner}}`);
    pattern += `(?:${variable})`;
    literalStart = close + 1;
  }
  pattern += quoteMeta(template.slice(literalStart));
  if (kind === 'query' && template.slice(template.indexOf('=') + 1) === '') pattern += DEFAULT_PATTERN.query;
  return kind === 'prefix' ? pattern : `${pattern}$`;
}

/** Top-level `{…}` spans as [open, close] indices; undefined when braces do not balance. */
function braceSpans(text: string): Array<[number, number]> | undefined {
  const spans: Array<[number, number]> = [];
  let level = 0;
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{' && level++ === 0) open = i;
    if (text[i] === '}') {
      if (--level === 0) spans.push([open, i]);
      else if (level < 0) return undefined;
    }
  }
  return level === 0 ? spans : undefined;
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
