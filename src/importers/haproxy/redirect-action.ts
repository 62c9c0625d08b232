/**
 * @module `redirect` and `http-request redirect` → a terminal step with redirectScheme (scheme) or
 * redirectRegex (location, prefix). Traefik's redirectRegex matches the full request URL
 * (`scheme://host/path?query`). Codes 301/308 become `permanent`; Traefik then answers 301 to GET
 * and 308 to other methods (302/307 when not permanent), where HAProxy sends the configured code
 * to every method: reported as a deviation (haproxy-migration.md §3.11).
 */
import { Untranslatable } from './acl-criteria.ts';
import { conditionExpr } from './conditions.ts';
import { goReplacement, staticValue } from './log-format.ts';
import type { RuleInput, Step } from './request-actions.ts';
import { middlewareSpec, type MiddlewareSpec } from './translation-context.ts';

const CODE_DEVIATIONS: ReadonlyMap<number, string> = new Map([
  [301, 'HAProxy answers 301 to every method; Traefik (permanent) answers 301 to GET and 308 to other methods'],
  [302, 'HAProxy answers 302 to every method; Traefik answers 302 to GET and 307 to other methods'],
  [303, 'HAProxy answers 303; Traefik has no 303 and answers 302 to GET, 307 to other methods'],
  [307, 'HAProxy answers 307 to every method; Traefik answers 302 to GET and 307 to other methods'],
  [308, 'HAProxy answers 308 to every method; Traefik (permanent) answers 301 to GET and 308 to other methods'],
]);

/** Words after `redirect`: `location|prefix|scheme <to> [code N] [drop-query|keep-query]`. */
export function redirectAction(input: RuleInput): Step | undefined {
  const { proxy, tx, d, args } = input;
  const [type = '', target = '', ...options] = args;
  let code = 302;
  let dropQuery = false;
  let keepQuery = false;
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    if (option === 'code') {
      code = Number(options[++i]);
      if (!CODE_DEVIATIONS.has(code)) throw new Untranslatable(d, `redirect code ${options[i]} is not one of 301, 302, 303, 307, 308`);
    } else if (option === 'drop-query') dropQuery = true;
    else if (option === 'keep-query') keepQuery = true;
    else throw new Untranslatable(d, `redirect option "${option}" has no equivalent`);
  }
  const fixed = staticValue(target);
  if (fixed === undefined) throw new Untranslatable(d, `"${target}" is computed per request; only fixed redirect targets translate`);
  const permanent = code === 301 || code === 308;
  let middleware: MiddlewareSpec;
  if (type === 'scheme') {
    middleware = middlewareSpec(proxy, 'redirect', 'redirectScheme', { scheme: fixed, permanent });
    tx.report('deviation', proxy, d, 'HAProxy keeps the port of the Host header in the new URL; redirectScheme replaces it with the scheme\'s default port');
  } else if (type === 'location') {
    // HAProxy drops the query unless keep-query.
    middleware = keepQuery
      ? middlewareSpec(proxy, 'redirect', 'redirectRegex', { regex: '^[^?]*(\\?.*)?$', replacement: `${goReplacement(fixed)}\${1}`, permanent })
      : middlewareSpec(proxy, 'redirect', 'redirectRegex', { regex: '^.*$', replacement: goReplacement(fixed), permanent });
  } else if (type === 'prefix') {
    const rest = dropQuery ? '${1}' : '${1}${2}';
    // `redirect prefix /` keeps the path only (a relative Location), per configuration.txt.
    const prefix = fixed === '/' ? '' : goReplacement(fixed);
    middleware = middlewareSpec(proxy, 'redirect', 'redirectRegex', { regex: '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*)?([^?]*)(\\?.*)?$', replacement: `${prefix}${rest}`, permanent });
  } else throw new Untranslatable(d, `redirect ${type} is not one of location, prefix, scheme`);
  tx.report('deviation', proxy, d, CODE_DEVIATIONS.get(code)!);
  return { kind: 'terminal', cond: conditionExpr(input.condition, input.scope), label: 'redirect', source: d, middleware };
}
