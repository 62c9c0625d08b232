/**
 * @module One ACL definition (`<criterion> [flags] <patterns…>`) → a rule expression, through two
 * tables: FETCHES says what a sample fetch looks at and how it matches by default (`hdr_beg` is
 * `hdr` with the `beg` method), and SUBJECTS turns (what, how, patterns) into Traefik matchers.
 * Several patterns are ORed, as in HAProxy. Whatever has no faithful matcher throws Untranslatable,
 * which drops the rule it appears in and reports it (configuration.txt §7.1 and §7.3 for the
 * semantics; haproxy-migration.md §2.2 for the mapping and the traps it records).
 */
import { compileRule } from '../../rules/compile.ts';
import type { FindingSource } from './findings.ts';
import { FALSE, TRUE, and, hostWithPort, matcher, or, quoteMeta, type Expr } from './rule-expr.ts';

/** A construct with no faithful translation; `source` is the line at fault. */
export class Untranslatable extends Error {
  readonly source: FindingSource;
  constructor(source: FindingSource, message: string) {
    super(message);
    this.name = 'Untranslatable';
    this.source = source;
  }
}

export interface AclDefinition {
  readonly line: number;
  /** The directive's words, for messages. */
  readonly words: readonly string[];
  /** From the criterion on: `hdr(host) -i a.example b.example`. */
  readonly criterion: readonly string[];
}

/** What a translation may depend on besides the definition itself. */
export interface CriterionContext {
  /** The router copy being built: TLS entry points (true) or plain ones (false). */
  readonly tls: boolean;
  /** The ports the copy's entry points listen on (for `dst_port`). */
  readonly ports: readonly number[];
  deviation(source: FindingSource, message: string): void;
}

type Subject = 'host' | 'header' | 'path' | 'url' | 'base' | 'method' | 'src' | 'ssl_fc' | 'sni' | 'query' | 'cookie' | 'header_count' | 'dst_port' | 'always_true' | 'always_false' | 'http_auth';
type Match = 'str' | 'beg' | 'end' | 'sub' | 'reg' | 'dom' | 'dir' | 'found' | 'len' | 'int' | 'ip' | 'bool' | 'meth';

interface FetchSpec {
  readonly subject: Subject;
  readonly match: Match;
  /** Takes an argument in parentheses (a header, parameter or cookie name; a userlist). */
  readonly arg?: boolean;
}

const FETCHES: ReadonlyMap<string, FetchSpec> = new Map<string, FetchSpec>([
  ['hdr', { subject: 'header', match: 'str', arg: true }],
  ['req.hdr', { subject: 'header', match: 'str', arg: true }],
  ['req.fhdr', { subject: 'header', match: 'str', arg: true }],
  ['path', { subject: 'path', match: 'str' }],
  ['url', { subject: 'url', match: 'str' }],
  ['base', { subject: 'base', match: 'str' }],
  ['method', { subject: 'method', match: 'meth' }],
  ['src', { subject: 'src', match: 'ip' }],
  ['ssl_fc', { subject: 'ssl_fc', match: 'bool' }],
  ['ssl_fc_sni', { subject: 'sni', match: 'str' }],
  ['urlp', { subject: 'query', match: 'str', arg: true }],
  ['url_param', { subject: 'query', match: 'str', arg: true }],
  ['cook', { subject: 'cookie', match: 'str', arg: true }],
  ['req.cook', { subject: 'cookie', match: 'str', arg: true }],
  ['hdr_cnt', { subject: 'header_count', match: 'int', arg: true }],
  ['req.hdr_cnt', { subject: 'header_count', match: 'int', arg: true }],
  ['dst_port', { subject: 'dst_port', match: 'int' }],
  ['always_true', { subject: 'always_true', match: 'bool' }],
  ['always_false', { subject: 'always_false', match: 'bool' }],
  ['http_auth', { subject: 'http_auth', match: 'bool', arg: true }],
]);

/** `<fetch>_<method>` shorthands (`hdr_beg`, `path_reg`, `url_sub`, …). */
const SHORTHAND_MATCHES: ReadonlySet<string> = new Set(['beg', 'end', 'sub', 'reg', 'dom', 'dir', 'len', 'found']);

/** Converters with an equivalent in Traefik's canonical host (lowercased, port removed). */
const HOST_CONVERTERS: ReadonlySet<string> = new Set(['lower', 'field(1,:)', 'word(1,:)']);

interface Parsed {
  readonly spec: FetchSpec;
  readonly fetch: string;
  readonly arg: string | undefined;
  readonly match: Match;
  readonly ci: boolean;
  readonly patterns: readonly string[];
}

interface Translation {
  readonly def: AclDefinition;
  readonly p: Parsed;
  readonly ctx: CriterionContext;
}

/** The definition as a rule expression (patterns ORed); throws Untranslatable. */
export function criterionExpr(def: AclDefinition, ctx: CriterionContext): Expr {
  const p = parseCriterion(def);
  if (p.match === 'found' && p.patterns.length > 0) throw new Untranslatable(def, '"-m found" takes no pattern');
  if (p.patterns.length === 0 && !['found', 'bool'].includes(p.match)) {
    // HAProxy: an ACL with no pattern never matches (configuration.txt §7.1).
    return FALSE;
  }
  const translate = SUBJECTS[p.spec.subject];
  return translate({ def, p, ctx });
}

/** `hdr(host),lower -i a b` → fetch, argument, method, `-i`, patterns. */
function parseCriterion(def: AclDefinition): Parsed {
  const [criterion = '', ...rest] = def.criterion;
  const syntax = /^([a-z0-9_.]+)(?:\(([^)]*)\))?((?:,[a-z0-9_.]+(?:\([^)]*\))?)*)$/.exec(criterion);
  if (syntax === null) throw new Untranslatable(def, `criterion "${criterion}" is not a sample fetch the importer knows`);
  const [, name = '', rawArg, converterText = ''] = syntax;
  let spec = FETCHES.get(name);
  let match = spec?.match;
  if (spec === undefined) {
    const cut = name.lastIndexOf('_');
    const base = FETCHES.get(name.slice(0, cut));
    const suffix = name.slice(cut + 1);
    if (cut > 0 && base !== undefined && SHORTHAND_MATCHES.has(suffix)) {
      spec = base;
      match = suffix as Match;
    }
  }
  if (spec === undefined || match === undefined) throw new Untranslatable(def, `sample fetch "${name}" has no equivalent in Traefik rules (host, path, method, header, query, cookie, source IP)`);
  let arg = rawArg === undefined ? undefined : rawArg.trim();
  if (spec.subject === 'header' && arg !== undefined) {
    // `hdr(host,1)` / `hdr(host,-1)`: one occurrence; the Host header has only one.
    const [headerName = '', occurrence] = arg.split(',').map((s) => s.trim());
    if (occurrence !== undefined && !(headerName.toLowerCase() === 'host' && /^-?1$/.test(occurrence))) {
      throw new Untranslatable(def, `${name}(${arg}): a header occurrence has no equivalent`);
    }
    arg = headerName;
  }
  if (spec.arg === true && (arg === undefined || arg === '')) throw new Untranslatable(def, `${name} needs an argument`);
  if (spec.subject === 'header' && arg!.toLowerCase() === 'host') spec = { ...spec, subject: 'host' };

  let ci = false;
  const converters = converterText.match(/[a-z0-9_.]+(?:\([^)]*\))?/g) ?? [];
  for (const converter of converters) {
    if (converter === 'lower') ci = true;
    else if (!(spec.subject === 'host' && HOST_CONVERTERS.has(converter))) throw new Untranslatable(def, `converter ",${converter}" has no equivalent in Traefik rules`);
  }
  let i = 0;
  for (; i < rest.length && rest[i]!.startsWith('-'); i++) {
    const flag = rest[i]!;
    if (flag === '--') {
      i++;
      break;
    }
    if (flag === '-i') ci = true;
    else if (flag === '-n' || flag === '-M') continue;
    else if (flag === '-u') i++;
    else if (flag === '-m') {
      const method = rest[++i] ?? '';
      if (!['str', 'beg', 'end', 'sub', 'reg', 'dom', 'dir', 'found', 'len', 'int', 'ip', 'bool'].includes(method)) throw new Untranslatable(def, `match method "-m ${method}" has no equivalent`);
      match = method as Match;
    } else if (flag === '-f') throw new Untranslatable(def, `patterns from a file ("-f ${rest[i + 1] ?? ''}") are not read by the importer; inline them or run the import with them expanded`);
    else break;
  }
  return { spec, fetch: name, arg, match, ci, patterns: rest.slice(i) };
}

/** Regex source for a string pattern under one match method; `dom`/`dir` delimiters from src/pattern.c. */
const STRING_MATCHES: Readonly<Partial<Record<Match, (pattern: string) => string>>> = {
  str: (q) => `^${quoteMeta(q)}$`,
  beg: (q) => `^${quoteMeta(q)}`,
  end: (q) => `${quoteMeta(q)}$`,
  sub: (q) => quoteMeta(q),
  reg: (q) => q,
  dom: (q) => `(?:^|[/?.:])${quoteMeta(q)}(?:[/?.:]|$)`,
  dir: (q) => `(?:^|[/?])${quoteMeta(q)}(?:[/?]|$)`,
};

function stringRegex(t: Translation, pattern: string): string {
  const build = STRING_MATCHES[t.p.match];
  if (build === undefined) throw new Untranslatable(t.def, `"${t.p.match}" matching on ${t.p.fetch} has no equivalent`);
  const source = build(pattern);
  return t.p.ci ? `(?i)${source}` : source;
}

/** Fails the translation when the target RE2 engine refuses a regex written for PCRE. */
function checkRegex(t: Translation, e: Expr): Expr {
  if (e.k !== 'matcher') return e;
  try {
    compileRule(e.text, 'v3');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SY_RULE_ENGINE') throw new Untranslatable(t.def, `${e.text} is not a valid Traefik rule: ${(error as Error).message} (PCRE and RE2 regex dialects differ)`);
  }
  return e;
}

/** Each pattern through `one`, ORed. */
function each(t: Translation, one: (pattern: string) => Expr): Expr {
  return or(...t.p.patterns.map((pattern) => checkRegex(t, one(pattern))));
}

function splitHostPort(pattern: string): { host: string; port: string | undefined } {
  const m = /^(.*?)(?::(\d+))?$/.exec(pattern)!;
  return { host: m[1]!, port: m[2] };
}

function hostExpr(t: Translation): Expr {
  const { def, p, ctx } = t;
  if (!p.ci && p.match !== 'reg' && p.patterns.some((q) => q !== q.toLowerCase())) {
    ctx.deviation(def, 'HAProxy compares this host case-sensitively (no -i); Traefik lowercases hosts, so the rule matches any case');
  }
  const anchoredAtEnd = p.match === 'str' || p.match === 'end' || (p.match === 'reg' && p.patterns.some((q) => q.endsWith('$')));
  if (anchoredAtEnd && p.patterns.some((q) => /:\d+\$?$/.test(q))) {
    ctx.deviation(def, 'the port leaves the host pattern (Traefik compares hosts without their port): the router keeps to the entry points bound to that port, or, when none is, matches the host on any port');
  } else if (anchoredAtEnd) {
    ctx.deviation(def, 'an HTTP/1.1 Host header with a port ("host:8080") does not match this in HAProxy; in Traefik it does, since the port is removed first');
  }
  return each(t, (pattern) => {
    if (p.match === 'str') {
      const { host: raw, port } = splitHostPort(pattern);
      const host = raw.toLowerCase();
      // `*` is a literal in HAProxy but a wildcard in Traefik's Host(): keep odd hosts literal.
      if (!/^[a-z0-9._-]+$/.test(host)) return matcher('HostRegexp', `^${quoteMeta(host)}$`);
      return port === undefined ? matcher('Host', host) : hostWithPort(host, Number(port));
    }
    if (p.match === 'reg') {
      const source = pattern.replace(/:\d+(\$?)$/, '$1');
      // The request host is lowercase: an uppercase literal would never match without (?i).
      return matcher('HostRegexp', p.ci || source !== source.toLowerCase() ? `(?i)${source}` : source);
    }
    if (p.match === 'dom') return matcher('HostRegexp', `(^|\\.)${quoteMeta(splitHostPort(pattern).host.toLowerCase())}(\\.|$)`);
    if (p.match === 'found') return matcher('HostRegexp', '.');
    const host = p.match === 'beg' ? pattern.toLowerCase() : splitHostPort(pattern).host.toLowerCase();
    return matcher('HostRegexp', stringRegex({ ...t, p: { ...p, ci: false } }, host));
  });
}

function pathExpr(t: Translation): Expr {
  const { p } = t;
  return each(t, (pattern) => {
    if (!p.ci && p.match === 'str') return matcher('Path', pattern.startsWith('/') ? pattern : `/${pattern}`);
    // PathPrefix is a plain string prefix, like path_beg (haproxy-migration.md §3.5).
    if (!p.ci && p.match === 'beg' && pattern.startsWith('/')) return matcher('PathPrefix', pattern);
    if (p.match === 'found') return TRUE;
    return matcher('PathRegexp', stringRegex(t, pattern));
  });
}

function urlExpr(t: Translation): Expr {
  const { def, p, ctx } = t;
  if (p.patterns.some((q) => q.includes('?'))) throw new Untranslatable(def, 'url patterns with a query string have no equivalent (Traefik matches the path and the query separately)');
  ctx.deviation(def, 'url sees the raw request target (query string and absolute-form "http://host/…" included); the rule sees the path only');
  return pathExpr(t);
}

function baseExpr(t: Translation): Expr {
  const { def, p } = t;
  if (p.match !== 'str' && p.match !== 'beg') throw new Untranslatable(def, `base with "${p.match}" matching has no equivalent`);
  return each(t, (pattern) => {
    const slash = pattern.indexOf('/');
    const hostPart = slash === -1 ? pattern : pattern.slice(0, slash);
    const host = hostExpr({ ...t, p: { ...p, match: slash === -1 && p.match === 'beg' ? 'beg' : 'str', patterns: [hostPart] } });
    if (slash === -1) return host;
    return and(host, pathExpr({ ...t, p: { ...p, patterns: [pattern.slice(slash)] } }));
  });
}

function headerExpr(t: Translation): Expr {
  const { def, p, ctx } = t;
  const name = p.arg!;
  if (p.match === 'found') return matcher('HeaderRegexp', name, '.*');
  if (p.fetch !== 'req.fhdr' && ['str', 'beg', 'end'].includes(p.match)) {
    ctx.deviation(def, 'HAProxy tests each comma-separated value of the header; Traefik tests whole header lines (they differ for list-valued headers)');
  }
  return each(t, (pattern) => (!p.ci && p.match === 'str' ? matcher('Header', name, pattern) : matcher('HeaderRegexp', name, stringRegex(t, pattern))));
}

function sniExpr(t: Translation): Expr {
  const { def, ctx } = t;
  // Without TLS there is no SNI: ssl_fc_sni is empty and never matches a pattern.
  if (!ctx.tls) return FALSE;
  ctx.deviation(def, 'HAProxy routes on the TLS SNI; the rule tests the Host header (they differ when a client sends SNI "a" with Host "b", or no SNI)');
  return hostExpr(t);
}

function queryExpr(t: Translation): Expr {
  const { p } = t;
  const name = p.arg!;
  if (p.match === 'found') return matcher('QueryRegexp', name, '.*');
  return each(t, (pattern) => (!p.ci && p.match === 'str' ? matcher('Query', name, pattern) : matcher('QueryRegexp', name, stringRegex(t, pattern))));
}

const COOKIE_VALUE: Readonly<Partial<Record<Match, (q: string) => string>>> = {
  str: (q) => quoteMeta(q),
  beg: (q) => `${quoteMeta(q)}[^;]*`,
  end: (q) => `[^;]*${quoteMeta(q)}`,
  sub: (q) => `[^;]*${quoteMeta(q)}[^;]*`,
};

function cookieExpr(t: Translation): Expr {
  const { def, p } = t;
  const name = quoteMeta(p.arg!);
  if (p.match === 'found') return matcher('HeaderRegexp', 'Cookie', `(^|;\\s*)${name}=`);
  const value = COOKIE_VALUE[p.match];
  if (value === undefined) throw new Untranslatable(def, `cookie "${p.match}" matching has no equivalent`);
  return each(t, (pattern) => matcher('HeaderRegexp', 'Cookie', `${p.ci ? '(?i)' : ''}(^|;\\s*)${name}=${value(pattern)}(;|$)`));
}

function methodExpr(t: Translation): Expr {
  // HAProxy compares methods case-insensitively; Method() uppercases its argument.
  return each(t, (pattern) => matcher('Method', pattern.toUpperCase()));
}

function srcExpr(t: Translation): Expr {
  const { def } = t;
  return each(t, (pattern) => {
    const cidr = dottedMaskToPrefix(pattern);
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(cidr)) throw new Untranslatable(def, `source "${pattern}" is not an IP address or CIDR`);
    return matcher('ClientIP', cidr);
  });
}

/** `10.0.0.0/255.0.0.0` → `10.0.0.0/8` (HAProxy accepts both forms). */
function dottedMaskToPrefix(pattern: string): string {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+\.\d+\.\d+\.\d+)$/.exec(pattern);
  if (m === null) return pattern;
  const bits = m[2]!.split('.').map(Number).reduce((n, octet) => n + octet.toString(2).replace(/0/g, '').length, 0);
  return `${m[1]}/${bits}`;
}

/** `gt 0`, `eq 80`, `80:90`, `80`: the integer test HAProxy applies, as a predicate. */
function intTest(t: Translation): (n: number) => boolean {
  const words = t.p.patterns;
  const operators: Readonly<Record<string, (a: number, b: number) => boolean>> = {
    eq: (a, b) => a === b, ne: (a, b) => a !== b, gt: (a, b) => a > b, ge: (a, b) => a >= b, lt: (a, b) => a < b, le: (a, b) => a <= b,
  };
  const op = operators[words[0] ?? ''];
  if (op !== undefined) {
    const b = Number(words[1]);
    if (!Number.isInteger(b)) throw new Untranslatable(t.def, `"${words.join(' ')}" is not an integer comparison`);
    return (n) => op(n, b);
  }
  const ranges = words.map((w) => {
    const m = /^(\d*)(?::(\d*))?$/.exec(w);
    if (m === null) throw new Untranslatable(t.def, `"${w}" is not an integer or range`);
    const low = m[1] === '' ? -Infinity : Number(m[1]);
    const high = m[2] === undefined ? low : m[2] === '' ? Infinity : Number(m[2]);
    return [low, high] as const;
  });
  return (n) => ranges.some(([low, high]) => n >= low && n <= high);
}

function dstPortExpr(t: Translation): Expr {
  const test = intTest(t);
  const results = new Set(t.ctx.ports.map(test));
  if (results.size === 1) return [...results][0] ? TRUE : FALSE;
  throw new Untranslatable(t.def, 'dst_port differs between the entry points of this frontend; split the frontend by port');
}

function headerCountExpr(t: Translation): Expr {
  const test = intTest(t);
  // Only "present" / "absent" translate: hdr_cnt gt 0, ge 1, eq 0.
  if (test(1) && test(2) && test(10) && !test(0)) return matcher('HeaderRegexp', t.p.arg!, '.*');
  if (test(0) && !test(1)) return { k: 'not', e: matcher('HeaderRegexp', t.p.arg!, '.*') };
  throw new Untranslatable(t.def, 'only "hdr_cnt(x) gt 0" (present) and "eq 0" (absent) have an equivalent');
}

const SUBJECTS: Readonly<Record<Subject, (t: Translation) => Expr>> = {
  host: hostExpr,
  header: headerExpr,
  path: pathExpr,
  url: urlExpr,
  base: baseExpr,
  method: methodExpr,
  src: srcExpr,
  ssl_fc: (t) => (t.ctx.tls ? TRUE : FALSE),
  sni: sniExpr,
  query: queryExpr,
  cookie: cookieExpr,
  header_count: headerCountExpr,
  dst_port: dstPortExpr,
  always_true: () => TRUE,
  always_false: () => FALSE,
  http_auth: (t) => {
    throw new Untranslatable(t.def, 'http_auth() only translates in "http-request auth if !{ http_auth(L) }" (or "unless"), where it becomes a basicAuth middleware');
  },
};

/** The userlist of an `http_auth(<L>)` definition, or undefined when it is something else. */
export function httpAuthUserlist(def: AclDefinition): string | undefined {
  const m = /^http_auth\(([^)]+)\)$/.exec(def.criterion[0] ?? '');
  return m === null || def.criterion.length > 1 ? undefined : m[1]!.trim();
}
