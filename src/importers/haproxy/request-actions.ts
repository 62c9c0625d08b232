/**
 * @module `http-request` actions → steps, one handler per action (haproxy-migration.md §2.3):
 * set-header/add-header/del-header → headers; replace-path/replace-uri → replacePathRegex;
 * set-path → replacePath or addPrefix; deny → an ipAllowList that admits no address (Traefik has
 * no deny middleware; the allow list answers with the deny status); auth → basicAuth; allow → a
 * fork that skips the rest of the rule set (redirect: redirect-action.ts). A handler throws
 * Untranslatable for what has no equivalent; the caller reports it and leaves the rule out.
 */
import { compileRule } from '../../rules/compile.ts';
import { Untranslatable } from './acl-criteria.ts';
import { conditionExpr, extractHttpAuth, type Condition, type ConditionScope } from './conditions.ts';
import { goReplacement, staticValue } from './log-format.ts';
import type { Directive } from './parse-config.ts';
import type { ProxyView } from './proxy-view.ts';
import { goString, type Expr } from './rule-expr.ts';
import { middlewareSpec, type MiddlewareSpec, type TranslationContext } from './translation-context.ts';

export interface Step {
  readonly kind: 'middleware' | 'terminal' | 'allow';
  readonly cond: Expr;
  /** The middleware (middleware and terminal steps). */
  readonly middleware?: MiddlewareSpec;
  /** `redirect`, `deny`: names the routers a terminal step produces. */
  readonly label: string;
  readonly source: Directive;
}

export interface RuleInput {
  readonly proxy: ProxyView;
  readonly scope: ConditionScope;
  readonly tx: TranslationContext;
  readonly d: Directive;
  /** Words after the action, before `if`/`unless`. */
  readonly args: readonly string[];
  readonly condition: Condition | undefined;
}

export type ActionHandler = (input: RuleInput) => Step | undefined;

/** Headers Traefik sets on every forwarded request (pkg/middlewares/forwardedheaders). */
const FORWARDED_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host', 'x-forwarded-for', 'x-forwarded-server', 'x-real-ip']);

export function setHeader(input: RuleInput, appends: boolean): Step | undefined {
  const { proxy, tx, d, args } = input;
  const [name = '', fmt = ''] = args;
  if (FORWARDED_HEADERS.has(name.toLowerCase())) {
    tx.report('ignored', proxy, d, `Traefik sets ${name} on every request itself`);
    return undefined;
  }
  const value = staticValue(fmt);
  if (value === undefined) throw new Untranslatable(d, `"${fmt}" is computed per request (%[…] or a log-format variable); only fixed values translate`);
  if (appends) tx.report('deviation', proxy, d, 'add-header appends another header line in HAProxy; the headers middleware replaces the header');
  const cond = conditionExpr(input.condition, input.scope);
  return { kind: 'middleware', cond, label: 'headers', source: d, middleware: middlewareSpec(proxy, 'headers', 'headers', { customRequestHeaders: { [name]: value } }) };
}

export function delHeader(input: RuleInput): Step | undefined {
  const { proxy, d, args } = input;
  const [name = '', ...rest] = args;
  if (rest.length > 0 && !(rest[0] === '-m' && rest[1] === 'str')) throw new Untranslatable(d, 'del-header with a match method other than str has no equivalent');
  const cond = conditionExpr(input.condition, input.scope);
  // An empty value removes the header (Traefik pkg/middlewares/headers).
  return { kind: 'middleware', cond, label: 'headers', source: d, middleware: middlewareSpec(proxy, 'headers', 'headers', { customRequestHeaders: { [name]: '' } }) };
}

function checkRegex(d: Directive, regex: string): void {
  try {
    compileRule(`PathRegexp(${goString(regex)})`, 'v3');
  } catch (error) {
    if ((error as { code?: string }).code !== 'SY_RULE_ENGINE') throw new Untranslatable(d, `the regex "${regex}" is not valid RE2: ${(error as Error).message}`);
  }
}

/**
 * HAProxy replaces the whole path with the format when the (unanchored) regex matches anywhere;
 * Traefik's replacePathRegex replaces only the matched part. Wrapping the regex so that it spans
 * the whole path (a lazy prefix finds the leftmost match, as HAProxy's) makes the two agree.
 */
function wholePathRegex(regex: string): string {
  if (regex.startsWith('^') && regex.endsWith('$') && !regex.endsWith('\\$')) return regex;
  return `^.*?(?:${regex}).*$`;
}

function replacePath(input: RuleInput, wholeUri: boolean): Step | undefined {
  const { proxy, tx, d, args } = input;
  const [regex = '', fmt = ''] = args;
  if (staticValue(fmt.replace(/\\\d/g, '')) === undefined) throw new Untranslatable(d, `"${fmt}" is computed per request; only \\N back-references translate`);
  checkRegex(d, regex);
  if (wholeUri) tx.report('deviation', proxy, d, 'replace-uri sees the query string too; replacePathRegex rewrites the path only and keeps the query');
  const cond = conditionExpr(input.condition, input.scope);
  return { kind: 'middleware', cond, label: 'rewrite', source: d, middleware: middlewareSpec(proxy, 'replace-path', 'replacePathRegex', { regex: wholePathRegex(regex), replacement: goReplacement(fmt.replace(/%%/g, '%')) }) };
}

function setPath(input: RuleInput): Step | undefined {
  const { proxy, d, args } = input;
  const fmt = args[0] ?? '';
  const cond = conditionExpr(input.condition, input.scope);
  const prefixed = /^(.*)%\[path\]$/.exec(fmt);
  const prefix = prefixed === null ? undefined : staticValue(prefixed[1]!);
  if (prefix !== undefined) return { kind: 'middleware', cond, label: 'rewrite', source: d, middleware: middlewareSpec(proxy, 'add-prefix', 'addPrefix', { prefix }) };
  const value = staticValue(fmt);
  if (value === undefined) throw new Untranslatable(d, `"${fmt}" is computed per request; only a fixed path or "<prefix>%[path]" translates`);
  return { kind: 'middleware', cond, label: 'rewrite', source: d, middleware: middlewareSpec(proxy, 'set-path', 'replacePath', { path: value }) };
}

function deny(input: RuleInput): Step | undefined {
  const { proxy, d, args } = input;
  let status = 403;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'deny_status') status = Number(args[++i]);
    else throw new Untranslatable(d, `deny with "${args[i]}" (a custom response) has no equivalent`);
  }
  const cond = conditionExpr(input.condition, input.scope);
  // No deny middleware exists in Traefik: an allow list that admits no client answers with the status.
  return { kind: 'terminal', cond, label: 'deny', source: d, middleware: middlewareSpec(proxy, 'deny', 'ipAllowList', { sourceRange: ['255.255.255.255/32'], rejectStatusCode: status }) };
}

function allow(input: RuleInput): Step | undefined {
  return { kind: 'allow', cond: conditionExpr(input.condition, input.scope), label: 'allow', source: input.d };
}

function auth(input: RuleInput): Step | undefined {
  const { proxy, scope, tx, d, args } = input;
  // HAProxy's default realm is the proxy's name.
  let realm = proxy.name;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'realm') realm = args[++i] ?? realm;
    else throw new Untranslatable(d, `auth option "${args[i]}" is not translated`);
  }
  const extracted = extractHttpAuth(input.condition, scope);
  if (extracted === undefined) throw new Untranslatable(d, 'only "http-request auth [realm R] if [conditions] !{ http_auth(L) }" or "unless { http_auth(L) }" translate (into basicAuth)');
  const userlist = tx.userlists.get(extracted.userlist);
  if (userlist === undefined) throw new Untranslatable(d, `no userlist named "${extracted.userlist}"`);
  const cond = conditionExpr(extracted.rest, scope);
  return { kind: 'middleware', cond, label: 'auth', source: d, middleware: middlewareSpec(proxy, 'auth', 'basicAuth', { users: userlist.users, realm }) };
}

export const HTTP_REQUEST_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  'set-header': (input) => setHeader(input, false),
  'add-header': (input) => setHeader(input, true),
  'del-header': delHeader,
  'replace-path': (input) => replacePath(input, false),
  'replace-uri': (input) => replacePath(input, true),
  'set-path': setPath,
  deny,
  allow,
  auth,
};
