/**
 * @module A frontend (or listen) section → routers. HAProxy takes the first rule that matches,
 * Traefik the matching router with the highest priority, so the generator walks HAProxy's order
 * and emits routers from first to last, each one priority below the one before: the first router
 * whose rule matches is the outcome HAProxy would reach, and no rule needs the negation of the
 * ones above it (haproxy-migration.md §3.4).
 *
 * The walk: frontend http-request steps, frontend redirects, then one lane per use_backend (in
 * order) and the default lane, each continuing with its backend's own steps. A conditional step
 * that changes the request (a header, an auth check) forks the walk: once with its condition and
 * its middleware, then without; an `allow` forks into "skip the rest of this rule set" and "go on".
 * A terminal step (redirect, deny) ends the walk where its condition holds. The default lane
 * matches everything (``PathPrefix(`/`)``), so every request finds a router: with no
 * default_backend it goes to an empty service, which answers 503 as HAProxy does.
 *
 * A frontend with plain and TLS binds yields two router sets (Traefik TLS routers serve TLS only),
 * with `ssl_fc` folded to false and true; the TLS set's names end in `-tls`.
 */
import { Untranslatable } from './acl-criteria.ts';
import { conditionExpr, splitCondition, type ConditionScope } from './conditions.ts';
import type { EntryPointRegistry, EntryPointSpec } from './entry-points.ts';
import { sanitizeName, shortHash } from './key-builder.ts';
import type { Directive } from './parse-config.ts';
import type { ProxyView } from './proxy-view.ts';
import { sectionRules, type SectionRules, type Step } from './request-rules.ts';
import { TRUE, and, implies, render, requiredPorts, type Expr } from './rule-expr.ts';
import type { MiddlewareSpec, TranslationContext } from './translation-context.ts';

/** Imported routers sit above hand-written ones (whose default priority is their rule's length). */
export const PRIORITY_BASE = 1_000_000;
/** Beyond this many routers for one frontend, conditional rules are multiplying out of hand. */
const MAX_ROUTERS = 5_000;

type Item =
  | { readonly t: 'step'; readonly step: Step; /** Where an `allow` continues. */ readonly stageEnd: number }
  | { readonly t: 'switch'; readonly lanes: readonly Lane[] }
  | { readonly t: 'final'; readonly service: string; readonly response: readonly MiddlewareSpec[] };

interface Lane {
  readonly cond: Expr;
  /** Backend section name, or undefined for "no backend" (503). */
  readonly backend: string | undefined;
  readonly label: string;
  readonly source: Directive | undefined;
}

interface Outcome {
  readonly conds: readonly Expr[];
  readonly middlewares: readonly MiddlewareSpec[];
  readonly service: string;
  readonly label: string;
}

class TooManyRouters extends Error {}

export function translateFrontend(proxy: ProxyView, tx: TranslationContext, entryPoints: EntryPointRegistry): void {
  const header = { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] };
  const mode = proxy.mode;
  if (mode !== 'http') {
    if (proxy.section.kind === 'frontend') {
      tx.report('unsupported', proxy, header, `mode ${mode}${proxy.setting('mode') === undefined ? ' (no "mode" in the section or its defaults: HAProxy\'s default)' : ''}: TCP frontends are not translated`);
    }
    proxy.consumeAll();
    return;
  }
  const isListen = proxy.section.kind === 'listen';
  const hasServers = proxy.section.directives.some((d) => d.words[0] === 'server');
  const useBackends = proxy.own('use_backend');
  const defaultBackend = proxy.setting('default_backend');
  if (isListen && proxy.section.directives.some((d) => d.words[0] === 'stats') && !hasServers && useBackends.length === 0 && defaultBackend === undefined) {
    tx.report('unsupported', proxy, header, 'a stats page (listen with "stats" and no servers) has no equivalent: the node has /api, the dashboard and /metrics on its traefik entry point; not translated');
    proxy.consumeAll();
    return;
  }
  const { plain, tls } = entryPoints.binds(proxy, tx);
  if (plain.length === 0 && tls.length === 0) {
    if (!isListen) tx.report('notice', proxy, header, 'no usable bind: no routers');
    return;
  }
  const acls = proxy.acls();
  for (const [copy, eps] of [['plain', plain], ['tls', tls]] as const) {
    if (eps.length === 0) continue;
    const scope: ConditionScope = {
      acls,
      tls: copy === 'tls',
      ports: eps.map((e) => e.port),
      deviation: (source, message) => tx.report('deviation', proxy, source, message),
    };
    try {
      routersForCopy(proxy, tx, scope, eps, useBackends, defaultBackend?.words[1] ?? (isListen && hasServers ? proxy.name : undefined), copy === 'tls');
    } catch (error) {
      if (!(error instanceof TooManyRouters)) throw error;
      tx.report('unsupported', proxy, header, `conditional rules multiply into more than ${MAX_ROUTERS} routers; simplify the conditions of the header/auth rules`);
    }
  }
}

function routersForCopy(
  proxy: ProxyView,
  tx: TranslationContext,
  scope: ConditionScope,
  eps: readonly EntryPointSpec[],
  useBackends: readonly Directive[],
  defaultBackend: string | undefined,
  tlsCopy: boolean,
): void {
  const own = sectionRules(proxy, scope, tx);
  const lanes: Lane[] = [];
  for (const d of useBackends) {
    const target = d.words[1] ?? '';
    if (target.includes('%[')) {
      tx.report('unsupported', proxy, d, 'a backend computed per request (%[…], map files) has no equivalent; expand the map into one use_backend line per entry');
      continue;
    }
    if (!tx.backends.has(target)) {
      tx.report('unsupported', proxy, d, `no backend named "${target}"`);
      continue;
    }
    try {
      const { condition } = splitCondition(d, 2);
      if (condition === undefined) tx.report('notice', proxy, d, 'use_backend without a condition takes every request; the rules after it are unreachable');
      lanes.push({ cond: conditionExpr(condition, scope), backend: target, label: target, source: d });
    } catch (error) {
      if (!(error instanceof Untranslatable)) throw error;
      const at = error.source.line === d.line ? '' : ` (line ${error.source.line}: ${error.source.words.join(' ')})`;
      tx.report('unsupported', proxy, d, `${error.message}${at}; this rule is left out, so its requests go to the rules below it`);
    }
  }
  // HAProxy keeps the first match; a rule that only matches what an earlier one already took is dead.
  for (const [j, lane] of lanes.entries()) {
    const earlier = lanes.slice(0, j).find((other) => implies(lane.cond, other.cond));
    if (earlier !== undefined && lane.source !== undefined && earlier.source !== undefined) {
      tx.report('notice', proxy, lane.source, `never matches: every request it matches is taken first by line ${earlier.source.line} (${earlier.source.words.join(' ')}); kept in that order`);
    }
  }
  lanes.push({ cond: TRUE, backend: defaultBackend, label: 'default', source: undefined });

  const backendRules = new Map<string, SectionRules>();
  const rulesOf = (backend: string): SectionRules | undefined => {
    // A listen section is its own backend: its rules already ran as frontend rules.
    if (backend === proxy.name) return undefined;
    let rules = backendRules.get(backend);
    if (rules === undefined) {
      const view = tx.backends.get(backend)!;
      rules = sectionRules(view, { ...scope, acls: view.acls(), deviation: (source, message) => tx.report('deviation', view, source, message) }, tx);
      backendRules.set(backend, rules);
    }
    return rules;
  };

  const items: Item[] = [...stage(own.request), ...stage(own.redirects, own.request.length)];
  items.push({ t: 'switch', lanes });
  const outcomes: Outcome[] = [];
  walk(items, 0, [], [], outcomes, (lane) => {
    const service = (lane.backend === undefined ? undefined : tx.services.get(lane.backend)) ?? tx.emptyService();
    const rules = lane.backend === undefined ? undefined : rulesOf(lane.backend);
    const laneItems: Item[] = rules === undefined ? [] : [...stage(rules.request), ...stage(rules.redirects, rules.request.length)];
    laneItems.push({ t: 'final', service, response: [...(rules?.response ?? []), ...own.response] });
    return laneItems;
  });
  if (defaultBackend === undefined) {
    tx.report('notice', proxy, { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] }, 'no default_backend: unmatched requests go to an empty service, which answers 503 as HAProxy does (Traefik alone would answer 404)');
  }
  emitRouters(proxy, tx, outcomes, eps, tlsCopy);
}

/** Steps of one rule set, each `allow` continuing after the set's last step. */
function stage(steps: readonly Step[], offset = 0): Item[] {
  return steps.map((step) => ({ t: 'step', step, stageEnd: offset + steps.length }));
}

function walk(
  items: readonly Item[],
  i: number,
  conds: readonly Expr[],
  middlewares: readonly MiddlewareSpec[],
  out: Outcome[],
  laneItems: (lane: Lane) => Item[],
): void {
  if (out.length > MAX_ROUTERS) throw new TooManyRouters();
  const item = items[i];
  if (item === undefined) return;
  if (item.t === 'final') {
    out.push({ conds, middlewares: [...middlewares, ...item.response], service: item.service, label: '' });
    return;
  }
  if (item.t === 'switch') {
    for (const lane of item.lanes) {
      if (isFalse(lane.cond)) continue;
      const next = laneItems(lane);
      const before = out.length;
      walk(next, 0, [...conds, lane.cond], middlewares, out, laneItems);
      for (let k = before; k < out.length; k++) if (out[k]!.label === '') out[k] = { ...out[k]!, label: lane.label };
      if (isTrue(lane.cond)) return;
    }
    return;
  }
  const { step } = item;
  if (isFalse(step.cond)) return walk(items, i + 1, conds, middlewares, out, laneItems);
  switch (step.kind) {
    case 'middleware':
      if (isTrue(step.cond)) return walk(items, i + 1, conds, [...middlewares, step.middleware!], out, laneItems);
      walk(items, i + 1, [...conds, step.cond], [...middlewares, step.middleware!], out, laneItems);
      walk(items, i + 1, conds, middlewares, out, laneItems);
      return;
    case 'terminal':
      out.push({ conds: [...conds, step.cond], middlewares: [...middlewares, step.middleware!], service: '', label: step.label });
      if (!isTrue(step.cond)) walk(items, i + 1, conds, middlewares, out, laneItems);
      return;
    case 'allow':
      walk(items, item.stageEnd, [...conds, step.cond], middlewares, out, laneItems);
      if (!isTrue(step.cond)) walk(items, i + 1, conds, middlewares, out, laneItems);
      return;
  }
}

function isTrue(e: Expr): boolean {
  return e.k === 'const' && e.value;
}

function isFalse(e: Expr): boolean {
  return e.k === 'const' && !e.value;
}

function emitRouters(proxy: ProxyView, tx: TranslationContext, outcomes: readonly Outcome[], eps: readonly EntryPointSpec[], tlsCopy: boolean): void {
  const base = sanitizeName(proxy.name);
  const suffix = tlsCopy ? '-tls' : '';
  const seen = new Set<string>();
  const routers: { name: string; value: Record<string, unknown> }[] = [];
  for (const outcome of outcomes) {
    const rule = and(...outcome.conds);
    if (isFalse(rule)) continue;
    // A terminal step answers by itself; its router still needs a service, and an empty one is
    // harmless (and answers 503 should the middleware ever be missing).
    const service = outcome.service === '' ? tx.emptyService() : outcome.service;
    const text = render(rule);
    const middlewares = outcome.middlewares.map((m) => tx.middlewareName(m));
    const fingerprint = JSON.stringify([text, middlewares, service]);
    // A router further down with the same rule can never be reached: the one above takes its requests.
    if (seen.has(text)) continue;
    seen.add(text);
    for (const m of outcome.middlewares) tx.middleware(m);
    const plainDefault = outcome.label === 'default' && outcome.conds.every(isTrue) && middlewares.length === 0;
    const name = plainDefault ? `${base}-default${suffix}` : `${base}-${sanitizeName(outcome.label)}-${shortHash(fingerprint)}${suffix}`;
    routers.push({
      name,
      value: {
        rule: text,
        entryPoints: entryPointsFor(rule, eps),
        ...(middlewares.length === 0 ? {} : { middlewares }),
        service,
        ...(tlsCopy ? { tls: true } : {}),
      },
    });
  }
  routers.forEach(({ name, value }, index) => {
    const ok = tx.keys.object('routers', name, { ...value, priority: PRIORITY_BASE + routers.length - 1 - index });
    if (!ok) tx.report('unsupported', proxy, { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] }, `router name ${name} is already used by another section; rename one of them`);
  });
}

/**
 * The copy's entry points, narrowed to those on the port a `host:port` pattern names when every
 * way the rule matches needs one. A port no bind listens on (a port mapped by NAT in front of
 * HAProxy) narrows nothing: the rule then matches on every entry point, as reported.
 */
function entryPointsFor(rule: Expr, eps: readonly EntryPointSpec[]): string[] {
  const ports = requiredPorts(rule);
  const narrowed = ports === undefined ? [] : eps.filter((e) => ports.has(e.port));
  return (narrowed.length > 0 ? narrowed : eps).map((e) => e.name);
}
