/**
 * @module A section's request and response rules → steps the router generator threads requests
 * through (frontend-routers.ts). HAProxy runs them by type, not by line: all `http-request` rules
 * (legacy `req*` rules after them), then the `redirect` rules, then backend selection
 * (haproxy-migration.md §3.7). Each rule becomes one step:
 * - `middleware`: changes the request and goes on (headers, path rewrites, basicAuth);
 * - `terminal`: answers the request (redirect; deny, as an ipAllowList that admits no address);
 * - `allow`: stops the section's remaining `http-request` rules for requests it matches.
 * Response header rules become headers middlewares on the routes that reach a backend.
 */
import { Untranslatable } from './acl-criteria.ts';
import { splitCondition, type ConditionScope } from './conditions.ts';
import { LEGACY_REQUEST_ACTIONS, legacyHeader } from './legacy-rules.ts';
import { staticValue } from './log-format.ts';
import type { Directive } from './parse-config.ts';
import type { ProxyView } from './proxy-view.ts';
import { redirectAction } from './redirect-action.ts';
import { HTTP_REQUEST_ACTIONS, type ActionHandler, type Step } from './request-actions.ts';
import { render } from './rule-expr.ts';
import { middlewareSpec, type MiddlewareSpec, type TranslationContext } from './translation-context.ts';

export type { Step } from './request-actions.ts';

export interface SectionRules {
  /** `http-request` rules, then legacy `req*` rules, in file order. */
  readonly request: readonly Step[];
  /** `redirect` rules, in file order. */
  readonly redirects: readonly Step[];
  /** The middleware setting response headers (unconditional `http-response` and `rspadd`), if any. */
  readonly response: readonly MiddlewareSpec[];
}

const HTTP_REQUEST: Readonly<Record<string, ActionHandler>> = { ...HTTP_REQUEST_ACTIONS, redirect: redirectAction };

/** Reads every request/response rule of `proxy` for one router copy (its scope fixes ssl_fc). */
export function sectionRules(proxy: ProxyView, scope: ConditionScope, tx: TranslationContext): SectionRules {
  const request: Step[] = [];
  const legacy: Step[] = [];
  const redirects: Step[] = [];
  const responseHeaders: Record<string, string> = {};
  for (const d of proxy.section.defaults === undefined ? [] : proxy.inheritedList('http-request').filter((x) => !proxy.section.directives.includes(x))) {
    tx.report('unsupported', proxy, d, 'http-request rules in a defaults section are not translated; move them into the sections that use them');
  }
  for (const d of proxy.section.directives) {
    const keyword = d.words[0]!;
    if (keyword === 'http-request') {
      tx.consumed.add(d);
      const step = runRule(HTTP_REQUEST, d.words[1] ?? '', 2, d, proxy, scope, tx);
      if (step !== undefined) request.push(step);
    } else if (keyword === 'redirect') {
      tx.consumed.add(d);
      const step = runRule({ redirect: redirectAction }, 'redirect', 1, d, proxy, scope, tx);
      if (step !== undefined) redirects.push(step);
    } else if (keyword === 'http-response' || keyword === 'rspadd') {
      tx.consumed.add(d);
      const header = responseHeader(d, proxy, tx);
      if (header !== undefined) responseHeaders[header[0]] = header[1];
    } else if (LEGACY_REQUEST_ACTIONS[keyword] !== undefined) {
      tx.consumed.add(d);
      tx.report('notice', proxy, d, 'legacy syntax: HAProxy 2.1 and later refuse this directive');
      const step = runRule(LEGACY_REQUEST_ACTIONS, keyword, 1, d, proxy, scope, tx);
      if (step !== undefined) legacy.push(step);
    } else if (/^(req|rsp)i?(rep|del|deny|allow|pass|tarpit|setbe)$/.test(keyword)) {
      tx.consumed.add(d);
      tx.report('unsupported', proxy, d, 'legacy regex rewriting/filtering (refused by HAProxy 2.1 and later) has no equivalent, except the reqrep prefix-strip idiom and reqadd/reqdel/rspadd');
    }
  }
  const response: MiddlewareSpec[] = Object.keys(responseHeaders).length === 0 ? [] : [middlewareSpec(proxy, 'response-headers', 'headers', { customResponseHeaders: responseHeaders })];
  return { request: mergeHeaderSteps([...request, ...legacy]), redirects, response };
}

/**
 * Adjacent header rules with the same condition become one headers middleware (later rules win
 * for the same header, as applying them in order would), so a run of set-header lines costs one
 * middleware, not one each.
 */
function mergeHeaderSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    const last = out.at(-1);
    const headers = (s: Step | undefined) => (s?.middleware?.type === 'headers' ? (s.middleware.options.customRequestHeaders as Record<string, string> | undefined) : undefined);
    const before = headers(last);
    const current = headers(step);
    if (last !== undefined && before !== undefined && current !== undefined && last.kind === 'middleware' && step.kind === 'middleware' && render(last.cond) === render(step.cond)) {
      out[out.length - 1] = { ...last, middleware: { ...last.middleware!, options: { customRequestHeaders: { ...before, ...current } } } };
    } else out.push(step);
  }
  return out;
}

function runRule(
  table: Readonly<Record<string, ActionHandler>>,
  action: string,
  argsFrom: number,
  d: Directive,
  proxy: ProxyView,
  scope: ConditionScope,
  tx: TranslationContext,
): Step | undefined {
  const handler = table[action];
  if (handler === undefined) {
    const disposition = OTHER_ACTIONS.get(action);
    tx.report(disposition?.[0] ?? 'unsupported', proxy, d, disposition?.[1] ?? `http-request ${action} has no equivalent`);
    return undefined;
  }
  try {
    const { args, condition } = splitCondition(d, argsFrom);
    return handler({ proxy, scope, tx, d, args, condition });
  } catch (error) {
    if (!(error instanceof Untranslatable)) throw error;
    const at = error.source.line === d.line ? '' : ` (line ${error.source.line}: ${error.source.words.join(' ')})`;
    tx.report('unsupported', proxy, d, `${error.message}${at}; this rule is left out`);
    return undefined;
  }
}

const STATE_ONLY = 'changes HAProxy-internal state only; nothing to translate';
const OTHER_ACTIONS: ReadonlyMap<string, readonly ['ignored' | 'unsupported', string]> = new Map([
  ['capture', ['ignored', 'captures feed HAProxy\'s logs only']],
  ['set-log-level', ['ignored', 'logging only']],
  ['set-var', ['unsupported', 'variables have no equivalent']],
  ['set-var-fmt', ['unsupported', 'variables have no equivalent']],
  ['unset-var', ['ignored', STATE_ONLY]],
  ['return', ['unsupported', 'HAProxy-generated responses ("return") have no equivalent']],
  ['tarpit', ['unsupported', 'tarpit has no equivalent']],
  ['reject', ['unsupported', 'closing the connection ("reject") has no equivalent']],
  ['silent-drop', ['unsupported', 'silent-drop has no equivalent']],
  ['use-service', ['unsupported', 'HAProxy services (Lua, Prometheus exporter…) have no equivalent']],
  ['set-uri', ['unsupported', 'set-uri has no equivalent']],
  ['set-query', ['unsupported', 'set-query has no equivalent']],
  ['set-method', ['unsupported', 'set-method has no equivalent']],
  ['replace-header', ['unsupported', 'regex header rewriting has no equivalent']],
  ['replace-value', ['unsupported', 'regex header rewriting has no equivalent']],
  ['normalize-uri', ['unsupported', 'URI normalization is not translated']],
  ['cache-use', ['unsupported', 'the HAProxy cache has no equivalent']],
  ['wait-for-body', ['ignored', 'request buffering only']],
  ['wait-for-handshake', ['ignored', 'TLS early-data handling only']],
  ['set-src', ['unsupported', 'rewriting the client address has no equivalent']],
  ['set-dst', ['unsupported', 'rewriting the destination has no equivalent']],
  ['set-timeout', ['unsupported', 'per-request timeouts have no equivalent']],
]);

/** One unconditional response header rule → [name, value] (`''` removes the header). */
function responseHeader(d: Directive, proxy: ProxyView, tx: TranslationContext): [string, string] | undefined {
  const keyword = d.words[0];
  let action: string;
  let name: string;
  let fmt: string;
  let rest: readonly string[];
  if (keyword === 'rspadd') {
    tx.report('notice', proxy, d, 'legacy syntax: HAProxy 2.1 and later refuse this directive');
    try {
      [name, fmt] = legacyHeader(d, d.words[1] ?? '');
    } catch (error) {
      tx.report('unsupported', proxy, d, (error as Error).message);
      return undefined;
    }
    action = 'add-header';
    rest = d.words.slice(2);
  } else {
    action = d.words[1] ?? '';
    name = d.words[2] ?? '';
    fmt = action === 'del-header' ? '' : (d.words[3] ?? '');
    rest = d.words.slice(action === 'del-header' ? 3 : 4);
  }
  if (!['set-header', 'add-header', 'del-header'].includes(action)) {
    tx.report('unsupported', proxy, d, `http-response ${action} has no equivalent`);
    return undefined;
  }
  if (rest.length > 0) {
    tx.report('unsupported', proxy, d, 'conditional response rules have no equivalent; left out');
    return undefined;
  }
  const value = staticValue(fmt);
  if (value === undefined) {
    tx.report('unsupported', proxy, d, `"${fmt}" is computed per response; only fixed values translate`);
    return undefined;
  }
  if (action === 'add-header') tx.report('deviation', proxy, d, 'adding a response header line becomes setting it (the headers middleware replaces)');
  return [name, value];
}

