/**
 * @module Which TLS options apply to which server name, as Traefik's TCP router manager decides
 * them: every TLS router claims the hosts of its rule's Host() matchers for the options it names
 * (`default` when it names none). A connection gets the options of its SNI name, the default
 * options for a name no router claims; a host two routers claim with different options gets the
 * default options, and both routers an error saying so. Traefik keeps serving both; we disable the
 * one that named other options, since it would be served without them (a dropped clientAuth would
 * open what the operator closed), and keep the one that asked for the default options served.
 *
 * A router naming options that do not exist, or that do not decode, is disabled with an error on
 * its key, and every TLS router is while the default options themselves are invalid: serving it
 * would silently drop a security setting (client-certificate authentication among them).
 */
import type { DecodeResult, RouterTls } from '../config/dynamic.ts';
import type { ProblemData } from '../errors.ts';
import { compileRule } from '../rules/compile.ts';

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
  /** Lowercase host → qualified options name, for the hosts whose options are not the default. */
  readonly hostOptions: ReadonlyMap<string, string>;
  /** Router (qualified) → the options it names and the hosts it shares with a router naming other options. */
  readonly conflicts: ReadonlyMap<string, { readonly options: string; readonly hosts: readonly string[] }>;
}

type Providers = ReadonlyMap<string, { readonly decoded: DecodeResult; readonly root: string }>;

/** `options` as a router names them, qualified with its provider; `default` for none. */
export function qualifiedTlsOptions(options: string | undefined, provider: string): string {
  if (options === undefined || options === '' || options === DEFAULT_TLS_OPTIONS || options.startsWith(`${DEFAULT_TLS_OPTIONS}@`)) return DEFAULT_TLS_OPTIONS;
  return options.includes('@') ? options : `${options}@${provider}`;
}

export function tlsPolicy(providers: Providers, defaultSyntax: 'v2' | 'v3' = 'v3'): TlsPolicy {
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
  // Traefik's tlsOptionsForHost: a host claimed with two different option sets falls back to the default.
  const claims = new Map<string, Map<string, string[]>>();
  for (const [provider, { decoded }] of providers) {
    for (const [rawName, d] of decoded.routers) {
      const router = d.value;
      if (router?.tls === undefined) continue;
      const options = qualifiedTlsOptions(router.tls.options, provider);
      if (options !== DEFAULT_TLS_OPTIONS && !valid.has(options)) continue;
      for (const host of ruleHosts(d, router.rule, router.ruleSyntax ?? defaultSyntax)) {
        let byOptions = claims.get(host);
        if (byOptions === undefined) claims.set(host, (byOptions = new Map()));
        const routers = byOptions.get(options) ?? [];
        routers.push(`${rawName}@${provider}`);
        byOptions.set(options, routers);
      }
    }
  }
  const hostOptions = new Map<string, string>();
  const conflicts = new Map<string, { options: string; hosts: string[] }>();
  for (const [host, byOptions] of claims) {
    if (byOptions.size === 1) {
      const options = byOptions.keys().next().value!;
      if (options !== DEFAULT_TLS_OPTIONS) hostOptions.set(host, options);
      continue;
    }
    for (const [options, routers] of byOptions) {
      for (const router of routers) {
        const conflict = conflicts.get(router);
        if (conflict === undefined) conflicts.set(router, { options, hosts: [host] });
        else conflict.hosts.push(host);
      }
    }
  }
  // What judges routers; the host map only feeds the snapshot's TLS section, built on every change.
  const fingerprint = JSON.stringify([[...valid].sort(), [...invalid].sort(), invalidDefault, [...conflicts].sort()]);
  return { fingerprint, valid, invalid, invalidDefault, hostOptions, conflicts };
}

/** Why a router with this `tls` section cannot be served, or undefined. */
export function routerTlsProblem(policy: TlsPolicy, tls: RouterTls | undefined, provider: string, key: (field: string) => string): ProblemData | undefined {
  if (tls === undefined) return undefined;
  const options = qualifiedTlsOptions(tls.options, provider);
  if (options !== DEFAULT_TLS_OPTIONS && !policy.valid.has(options)) {
    const message = policy.invalid.has(options)
      ? `TLS options "${options}" are invalid and cannot be applied; the router is not served without them`
      : `TLS options "${options}" do not exist`;
    return { code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls/options'), message };
  }
  if (policy.invalidDefault !== undefined) {
    return { code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls'), message: `the default TLS options (${policy.invalidDefault}) are invalid and cannot be applied; the router is not served without them` };
  }
  return undefined;
}

/**
 * The problem of a router sharing hosts with routers that name other TLS options, or undefined;
 * `disables` when the router named non-default options (it would be served without them).
 */
export function routerTlsConflict(policy: TlsPolicy, router: string, key: (field: string) => string): (ProblemData & { readonly disables: boolean }) | undefined {
  const conflict = policy.conflicts.get(router);
  if (conflict === undefined) return undefined;
  const hosts = conflict.hosts.join(', ');
  const disables = conflict.options !== DEFAULT_TLS_OPTIONS;
  return {
    code: 'SY_ROUTER_TLS_CONFLICT',
    key: key('tls/options'),
    message: disables
      ? `found different TLS options for routers on the same host ${hosts}, so the default TLS options are used for it; the router is not served without the options "${conflict.options}" it names`
      : `found different TLS options for routers on the same host ${hosts}, so the default TLS options are used for it`,
    disables,
  };
}

/** Hosts by decoded router: a build reuses the objects of unchanged routers, so their rules compile once. */
const HOSTS = new WeakMap<object, { readonly rule: string; readonly syntax: string; readonly hosts: readonly string[] }>();

/** The exact host names of a rule's Host() matchers (wildcards and regexps claim none, as in Traefik). */
function ruleHosts(decoded: object, rule: string, syntax: 'v2' | 'v3'): readonly string[] {
  const cached = HOSTS.get(decoded);
  if (cached !== undefined && cached.rule === rule && cached.syntax === syntax) return cached.hosts;
  let hosts: readonly string[];
  try {
    hosts = (compileRule(rule, syntax).hosts ?? []).filter((host) => !host.includes('*'));
  } catch {
    hosts = [];
  }
  HOSTS.set(decoded, { rule, syntax, hosts });
  return hosts;
}
