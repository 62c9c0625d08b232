/**
 * @module Which TLS options apply to which server name, as Traefik's TCP router manager decides
 * them: every TLS router claims, on each of its entry points, the hosts of its rule's Host()
 * matchers for the options it names (`default` when it names none). A connection gets the options
 * of its SNI name, the default options for a name no router claims; a host two routers claim with
 * different options gets the default options, and both routers an error saying so. Traefik keeps
 * serving both; we disable the one that named other options, since it would be served without them
 * (a dropped clientAuth would open what the operator closed), and keep the one that asked for the
 * default options served. (The data plane also serves a TLS router only on connections handshaken
 * under its options: a rule can match hosts it does not claim.)
 *
 * A router naming options that do not exist, or that do not decode, is disabled with an error on
 * its key, and every TLS router is while the default options themselves are invalid: serving it
 * would silently drop a security setting (client-certificate authentication among them). Its hosts
 * stay claimed for those options, as in Traefik: a connection naming them is refused (the data
 * plane has no such set), and another router matching the host cannot serve it under the defaults.
 */
import type { DecodeResult, RouterTls } from '../config/dynamic.ts';
import type { ProblemData } from '../errors.ts';
import type { RuleNode } from '../rules/ast.ts';
import { hostIndexKey } from '../rules/host-match.ts';
import { parseRule } from '../rules/parse.ts';

export const DEFAULT_TLS_OPTIONS = 'default';

export interface TlsPolicy {
  /** Equal for two configurations whose routers this policy judges alike (a build compares it). */
  readonly fingerprint: string;
  /** Qualified names of the defined option sets (`strict@etcd`) that decode. */
  readonly valid: ReadonlySet<string>;
  /** Qualified names of the defined option sets that do not decode. */
  readonly invalid: ReadonlySet<string>;
  /** The key of default options that do not decode (and so cannot be applied), if any. */
  readonly invalidDefault: string | undefined;
  /**
   * Entry point → lowercase host (`a.example.com`, `*.example.com` for a v3.7 wildcard, `*` for
   * `Host(\`*\`)`) → qualified options name, for the hosts whose options are not the default (and
   * for default ones a broader claim would otherwise cover); the name may be of a set that does not
   * exist or does not decode (its connections are refused). Per entry point, as Traefik builds one
   * TLS router per entry point.
   */
  readonly hostOptions: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Routers (qualified) that name non-default options but whose rule has no Host() to claim (warned). */
  readonly hostless: ReadonlySet<string>;
  /** Router (qualified) → the options it names and the hosts it shares with a router naming other options. */
  readonly conflicts: ReadonlyMap<string, { readonly options: string; readonly hosts: readonly string[] }>;
}

type Providers = ReadonlyMap<string, { readonly decoded: DecodeResult; readonly root: string }>;

/** `options` as a router names them, qualified with its provider; `default` for none. */
export function qualifiedTlsOptions(options: string | undefined, provider: string): string {
  if (options === undefined || options === '' || options === DEFAULT_TLS_OPTIONS || options.startsWith(`${DEFAULT_TLS_OPTIONS}@`)) return DEFAULT_TLS_OPTIONS;
  return options.includes('@') ? options : `${options}@${provider}`;
}

/**
 * `entryPoints`: those the node has; `defaultEntryPoints`: where a router naming none is (the
 * build's own inputs, so routers are placed here as they are served).
 */
export function tlsPolicy(providers: Providers, entryPoints: readonly string[], defaultEntryPoints: readonly string[], defaultSyntax: 'v2' | 'v3' = 'v3'): TlsPolicy {
  const valid = new Set<string>();
  const invalid = new Set<string>();
  let invalidDefault: string | undefined;
  for (const [provider, { decoded, root }] of providers) {
    for (const [name, d] of decoded.tls.options) {
      if (name === DEFAULT_TLS_OPTIONS) {
        if (d.value === undefined) invalidDefault ??= `${root}/tls/options/default`;
        continue;
      }
      (d.value === undefined ? invalid : valid).add(`${name}@${provider}`);
    }
  }
  // Traefik's tlsOptionsForHost, per entry point: a host claimed with two different option sets falls back to the default.
  const claims = new Map<string, Map<string, Map<string, string[]>>>();
  const hostless = new Set<string>();
  for (const [provider, { decoded }] of providers) {
    for (const [rawName, d] of decoded.routers) {
      const router = d.value;
      if (router?.tls === undefined) continue;
      const options = qualifiedTlsOptions(router.tls.options, provider);
      const hosts = ruleHosts(d, router.rule, router.ruleSyntax ?? defaultSyntax);
      if (hosts.length === 0 && options !== DEFAULT_TLS_OPTIONS) hostless.add(`${rawName}@${provider}`);
      const on = router.entryPoints !== undefined && router.entryPoints.length > 0 ? router.entryPoints : defaultEntryPoints;
      for (const ep of on) {
        if (!entryPoints.includes(ep)) continue;
        let byHost = claims.get(ep);
        if (byHost === undefined) claims.set(ep, (byHost = new Map()));
        for (const host of hosts) {
          let byOptions = byHost.get(host);
          if (byOptions === undefined) byHost.set(host, (byOptions = new Map()));
          const routers = byOptions.get(options) ?? [];
          routers.push(`${rawName}@${provider}`);
          byOptions.set(options, routers);
        }
      }
    }
  }
  const hostOptions = new Map<string, Map<string, string>>();
  const conflicts = new Map<string, { options: string; hosts: string[] }>();
  for (const [ep, byHost] of claims) {
    const mapped = new Map<string, string>();
    const defaults: string[] = [];
    for (const [host, byOptions] of byHost) {
      if (byOptions.size === 1) {
        const options = byOptions.keys().next().value!;
        if (options !== DEFAULT_TLS_OPTIONS) mapped.set(host, options);
        else defaults.push(host);
        continue;
      }
      defaults.push(host);
      for (const [options, routers] of byOptions) {
        for (const router of routers) {
          const conflict = conflicts.get(router);
          if (conflict === undefined) conflicts.set(router, { options, hosts: [host] });
          else if (!conflict.hosts.includes(host)) conflict.hosts.push(host);
        }
      }
    }
    // A host claimed for the default options must not fall to a broader claim (a wildcard one label
    // up, or the catch-all `*`) for other options: it is then mapped to the default explicitly.
    // Only then, so that adding an ordinary TLS router does not change the TLS section.
    if ([...mapped.keys()].some((key) => key.startsWith('*'))) for (const host of defaults) mapped.set(host, DEFAULT_TLS_OPTIONS);
    if (mapped.size > 0) hostOptions.set(ep, mapped);
  }
  // What judges routers; the host map only feeds the snapshot's TLS section, built on every change.
  const fingerprint = JSON.stringify([[...valid].sort(), [...invalid].sort(), invalidDefault, [...conflicts].sort(), [...hostless].sort()]);
  return { fingerprint, valid, invalid, invalidDefault, hostOptions, conflicts, hostless };
}

/** A router's TLS finding: `disables` when it is not served (else a warning on a served router). */
export type RouterTlsProblem = ProblemData & { readonly disables: boolean };

/**
 * What this policy finds about a router's `tls` section (`router`: its qualified name):
 * - options that do not exist or do not decode, or invalid default options: disabled;
 * - a host it shares with a router naming other options: disabled when it named non-default
 *   options (it would be served without them), warned when it asked for the defaults;
 * - options named with no Host() to claim for them: warned, as Traefik logs. It is still served
 *   only on connections handshaken under its options (the data plane's router check), so only for
 *   server names other routers claim for them.
 */
export function routerTlsProblems(policy: TlsPolicy, tls: RouterTls | undefined, router: string, provider: string, key: (field: string) => string): RouterTlsProblem[] {
  if (tls === undefined) return [];
  const problems: RouterTlsProblem[] = [];
  const options = qualifiedTlsOptions(tls.options, provider);
  if (options !== DEFAULT_TLS_OPTIONS && !policy.valid.has(options)) {
    const message = policy.invalid.has(options)
      ? `TLS options "${options}" are invalid and cannot be applied; the router is not served without them`
      : `TLS options "${options}" do not exist`;
    problems.push({ code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls/options'), message, disables: true });
  } else if (policy.invalidDefault !== undefined) {
    problems.push({ code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls'), message: `the default TLS options (${policy.invalidDefault}) are invalid and cannot be applied; the router is not served without them`, disables: true });
  }
  const conflict = policy.conflicts.get(router);
  if (conflict !== undefined) {
    const hosts = conflict.hosts.join(', ');
    const disables = conflict.options !== DEFAULT_TLS_OPTIONS;
    const message = `found different TLS options for routers on the same host ${hosts}, so the default TLS options are used for it`;
    problems.push({ code: 'SY_ROUTER_TLS_CONFLICT', key: key('tls/options'), message: disables ? `${message}; the router is not served without the options "${conflict.options}" it names` : message, disables });
  }
  if (policy.hostless.has(router)) {
    problems.push({
      code: 'SY_ROUTER_TLS_NO_HOST',
      key: key('rule'),
      message: 'no domain found in the rule (no Host()): the router is served only on connections whose server name another router claims for the TLS options it names',
      disables: false,
    });
  }
  return problems;
}

/** Hosts by decoded router: a build reuses the objects of unchanged routers, so their rules parse once. */
const HOSTS = new WeakMap<object, { readonly rule: string; readonly syntax: string; readonly hosts: readonly string[] }>();

/** The matchers whose arguments are hosts: Host, and v2's HostHeader (an alias). */
const HOST_MATCHERS: Readonly<Record<'v2' | 'v3', ReadonlySet<string>>> = { v2: new Set(['host', 'hostheader']), v3: new Set(['host']) };

/**
 * Every host argument of a rule, wherever it sits in the tree (Traefik's ParseDomains: and, or and
 * not alike), lowercased, trailing dots dropped. In v3, `*.parent` is a wildcard key and `*` the
 * catch-all key; in v2 they are literal names no client can send, and claim nothing. HostRegexp
 * claims nothing.
 */
function ruleHosts(decoded: object, rule: string, syntax: 'v2' | 'v3'): readonly string[] {
  const cached = HOSTS.get(decoded);
  if (cached !== undefined && cached.rule === rule && cached.syntax === syntax) return cached.hosts;
  const hosts = new Set<string>();
  const matchers = HOST_MATCHERS[syntax];
  const visit = (node: RuleNode): void => {
    if (node.kind !== 'matcher') {
      for (const operand of node.operands) visit(operand);
      return;
    }
    if (!matchers.has(node.name.toLowerCase())) return;
    for (const arg of node.args) {
      const host = arg.value.toLowerCase();
      if (host === '' || (syntax === 'v2' && host.includes('*'))) continue;
      hosts.add(host === '*' ? '*' : hostIndexKey(host));
    }
  };
  try {
    visit(parseRule(rule));
  } catch {
    // A rule that does not parse disables its router on its own.
  }
  const list = [...hosts];
  HOSTS.set(decoded, { rule, syntax, hosts: list });
  return list;
}
