/**
 * @module The compile step of the control plane: decoded configurations (one per provider) become
 * the runtime view the API shows (every router, service and middleware with its status and errors)
 * and the snapshot the data planes serve. Pure: the same input gives the same output.
 *
 * Cross-object checks happen here, per object, as Traefik does for semantic errors: a router whose
 * rule does not compile, whose service or middleware is missing or broken, or whose entry points
 * all are unknown is disabled alone, with an error naming the key at fault.
 */
import type { DecodeResult, Decoded, Router, Service, Middleware, StickyCookie } from '../config/dynamic.ts';
import { RuleCache } from '../rules/rule-cache.ts';
import { UnicodeTables } from '../rules/unicode-tables.ts';
import { RuleError, type ProblemData } from '../errors.ts';
import { middlewareTypes } from '../middlewares/registry.ts';
import { checkMiddleware, middlewareReferences } from '../middlewares/check-middleware.ts';
import { createHash } from 'node:crypto';
import { EMPTY_TLS, type StickyCookieSpec, type CertificateSpec, type HealthCheckSpec, type MiddlewareSpec, type RouterSpec, type ServiceSpec, type Snapshot, type TlsOptionsSpec, type TlsSpec } from './snapshot.ts';
import type { TlsRouter } from '../acme/wanted-certificates.ts';

export type Status = 'enabled' | 'disabled' | 'warning';

export interface RouterInfo {
  readonly name: string;
  readonly provider: string;
  readonly config: Record<string, unknown>;
  status: Status;
  readonly errors: ProblemData[];
  using: string[];
}

export interface ServiceInfo {
  readonly name: string;
  readonly provider: string;
  readonly config: Record<string, unknown>;
  status: Status;
  readonly errors: ProblemData[];
  readonly usedBy: string[];
}

export interface MiddlewareInfo extends ServiceInfo {}

export interface RuntimeView {
  readonly revision: number;
  /** Routers that ask a resolver for certificates (what the ACME leader works from). */
  readonly tlsRouters: readonly TlsRouter[];
  readonly routers: ReadonlyMap<string, RouterInfo>;
  readonly services: ReadonlyMap<string, ServiceInfo>;
  readonly middlewares: ReadonlyMap<string, MiddlewareInfo>;
  /** Problems not owned by one object (ignored keys, leading slashes…). */
  readonly problems: readonly ProblemData[];
}

export interface BuildInput {
  readonly revision: number;
  /** Provider name (`file`, `etcd`, `consul`) → its decoded configuration and the key root errors use. */
  readonly providers: ReadonlyMap<string, { readonly decoded: DecodeResult; readonly root: string }>;
  /** Entry points that route requests (not `traefik`). */
  readonly entryPoints: readonly string[];
  /** Entry points used by routers that name none (Traefik: asDefault ones, else all). */
  readonly defaultEntryPoints: readonly string[];
  readonly defaultRuleSyntax: 'v2' | 'v3';
  /** Compiled rules kept from the previous build (swept here). */
  readonly ruleCache?: RuleCache | undefined;
  /** `certFile`/`keyFile` values are PEM or a path on the node: the caller reads paths (I/O stays out of here). */
  readonly readPem?: ((valueOrPath: string, key: string) => string) | undefined;
  /** Certificates and challenge answers from the cluster (ACME), added to the snapshot. */
  readonly cluster?: { readonly certificates: readonly CertificateSpec[]; readonly challenges: Readonly<Record<string, string>>; readonly alpnChallenges?: Readonly<Record<string, { readonly certPem: string; readonly keyPem: string }>>; readonly ticketKeys?: string | undefined } | undefined;
}

export interface BuildOutput {
  readonly view: RuntimeView;
  readonly snapshot: Snapshot;
}

export function buildRuntime(input: BuildInput): BuildOutput {
  const routers = new Map<string, RouterInfo>();
  const services = new Map<string, ServiceInfo>();
  const middlewares = new Map<string, MiddlewareInfo>();
  const validRouters = new Map<string, { router: Router; provider: string; root: string; rawName: string }>();
  const validServices = new Map<string, Service>();
  const validMiddlewares = new Map<string, Middleware>();
  const problems: ProblemData[] = [];

  for (const [provider, { decoded, root }] of input.providers) {
    problems.push(...decoded.problems);
    for (const [name, d] of decoded.services) {
      const info = objectInfo(name, provider, d);
      services.set(info.name, info);
      if (d.value !== undefined) validServices.set(info.name, d.value);
    }
    for (const [name, d] of decoded.middlewares) {
      const info = objectInfo(name, provider, d);
      middlewares.set(info.name, info);
      if (d.value !== undefined) {
        const type = Object.keys(d.value).find((k) => (d.value as Record<string, unknown>)[k] !== undefined);
        if (type === undefined || !middlewareTypes.has(type)) {
          disable(info, { code: 'SY_MIDDLEWARE_UNSUPPORTED', key: `${root}/http/middlewares/${name}/${type ?? ''}`, message: `middleware type ${type ?? '(none)'} is not supported by this version of Switchyard` });
        } else {
          // The compile step: what decoding cannot see (a regex, CIDR, hash, range) is checked here.
          const problems = checkMiddleware(type, (d.value as Record<string, unknown>)[type], `${root}/http/middlewares/${name}`);
          for (const problem of problems) disable(info, problem);
          if (problems.length === 0) validMiddlewares.set(info.name, d.value);
        }
      }
    }
    for (const [name, d] of decoded.routers) {
      const info: RouterInfo = { ...objectInfo(name, provider, d), using: [] };
      routers.set(info.name, info);
      if (d.value !== undefined) validRouters.set(info.name, { router: d.value, provider, root, rawName: name });
    }
  }

  // Middlewares referencing others (chain) or a service (errors) need those to be valid; a chain must not contain itself.
  const middlewareRefs = new Map<string, { services: string[]; middlewares: string[] }>();
  for (const [name, middleware] of validMiddlewares) {
    const spec = middlewareSpec(middleware);
    const provider = middlewares.get(name)!.provider;
    const refs = middlewareReferences(spec.type, spec.options);
    middlewareRefs.set(name, { services: refs.services.map((r) => qualify(r, provider)), middlewares: refs.middlewares.map((r) => qualify(r, provider)) });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, refs] of middlewareRefs) {
      if (!validMiddlewares.has(name)) continue;
      const info = middlewares.get(name)!;
      const missing = refs.middlewares.filter((m) => !validMiddlewares.has(m));
      const services_ = refs.services.filter((svc) => !validServices.has(svc));
      let problem: ProblemData | undefined;
      if (missing.length > 0) problem = { code: 'SY_MIDDLEWARE_REFERENCE', message: `references middleware(s) that do not exist or are invalid: ${missing.join(', ')}` };
      else if (services_.length > 0) problem = { code: 'SY_MIDDLEWARE_REFERENCE', message: `references service(s) that do not exist or are invalid: ${services_.join(', ')}` };
      else if (containsItself(name, middlewareRefs)) problem = { code: 'SY_MIDDLEWARE_REFERENCE', message: 'the chain contains itself' };
      if (problem !== undefined) {
        disable(info, problem);
        validMiddlewares.delete(name);
        changed = true;
      }
    }
  }

  // Services referencing other services (weighted, mirroring, failover) need those to be valid.
  const serviceSpecs = new Map<string, ServiceSpec>();
  for (const [name, service] of validServices) {
    const provider = services.get(name)!.provider;
    const h2c = service.loadBalancer?.servers.findIndex((s) => s.url.startsWith('h2c:')) ?? -1;
    if (h2c !== -1) {
      const rawName = name.slice(0, name.lastIndexOf('@'));
      const root = input.providers.get(provider)!.root;
      disable(services.get(name)!, { code: 'SY_SERVICE_UNSUPPORTED', key: `${root}/http/services/${rawName}/loadBalancer/servers/${h2c}/url`, message: 'h2c:// (cleartext HTTP/2) upstreams are not supported yet; use http:// or https://' });
      continue;
    }
    const spec = serviceSpec(service, name);
    const missing = childServices(spec).map((child) => qualify(child, provider)).filter((child) => !validServices.has(child));
    if (missing.length > 0) {
      disable(services.get(name)!, { code: 'SY_SERVICE_REFERENCE', message: `references service(s) that do not exist or are invalid: ${missing.join(', ')}` });
      continue;
    }
    serviceSpecs.set(name, qualifyChildren(spec, provider));
  }

  const known = new Set(input.entryPoints);
  const routeCandidates: { name: string; rule: string; syntax: 'v2' | 'v3'; priority: number | undefined; target: RouterSpec; root: string; rawName: string }[] = [];
  for (const [name, { router, provider, root, rawName }] of validRouters) {
    const info = routers.get(name)!;
    const key = (field: string) => `${root}/http/routers/${rawName}/${field}`;
    const service = qualify(router.service, provider);
    const serviceInfo = services.get(service);
    if (serviceInfo === undefined) disable(info, { code: 'SY_ROUTER_SERVICE_MISSING', key: key('service'), message: `the service "${service}" does not exist` });
    else if (!serviceSpecs.has(service)) disable(info, { code: 'SY_ROUTER_SERVICE_INVALID', key: key('service'), message: `the service "${service}" is invalid: ${serviceInfo.errors.map((e) => e.message).join('; ')}` });
    const chain: string[] = [];
    for (const [i, m] of (router.middlewares ?? []).entries()) {
      const qualified = qualify(m, provider);
      const mInfo = middlewares.get(qualified);
      if (mInfo === undefined) disable(info, { code: 'SY_ROUTER_MIDDLEWARE_MISSING', key: key(`middlewares/${i}`), message: `the middleware "${qualified}" does not exist` });
      else if (!validMiddlewares.has(qualified)) disable(info, { code: 'SY_ROUTER_MIDDLEWARE_INVALID', key: key(`middlewares/${i}`), message: `the middleware "${qualified}" is invalid: ${mInfo.errors.map((e) => e.message).join('; ')}` });
      else mInfo.usedBy.push(name);
      chain.push(qualified);
    }
    const wanted = router.entryPoints !== undefined && router.entryPoints.length > 0 ? router.entryPoints : input.defaultEntryPoints;
    for (const ep of wanted) {
      if (known.has(ep)) info.using.push(ep);
      else addError(info, { code: 'SY_ROUTER_ENTRYPOINT', key: key('entryPoints'), message: `entry point "${ep}" does not exist` });
    }
    if (info.using.length === 0 && info.status !== 'disabled') disable(info, { code: 'SY_ROUTER_ENTRYPOINT', key: key('entryPoints'), message: 'no valid entry point for this router' });
    serviceInfo?.usedBy.push(name);
    if (info.status === 'disabled') continue;
    const syntax = router.ruleSyntax ?? input.defaultRuleSyntax;
    const priority = router.priority === undefined || router.priority === 0 ? undefined : router.priority;
    routeCandidates.push({
      name,
      rule: router.rule,
      syntax,
      priority,
      root,
      rawName,
      target: { name, rule: router.rule, syntax, priority, service, middlewares: chain, tls: router.tls !== undefined },
    });
  }

  // Only the rules' errors are needed here (the data planes build the tables): compile each rule,
  // through the cache, without ordering or indexing ten thousand routes for nothing.
  const ruleErrors = new Map<string, RuleError>();
  const tables = new UnicodeTables();
  const cache = input.ruleCache ?? new RuleCache();
  for (const c of routeCandidates) {
    try {
      cache.compile(c.rule, c.syntax, tables);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      ruleErrors.set(c.name, error);
    }
  }
  cache.sweep();
  const entryPoints: Record<string, { routers: RouterSpec[] }> = {};
  for (const ep of input.entryPoints) entryPoints[ep] = { routers: [] };
  const usedServices = new Set<string>();
  const usedMiddlewares = new Set<string>();
  for (const c of routeCandidates) {
    const info = routers.get(c.name)!;
    const error = ruleErrors.get(c.name);
    if (error !== undefined) {
      disable(info, { code: error.code, key: `${c.root}/http/routers/${c.rawName}/rule`, message: error.message });
      continue;
    }
    for (const ep of info.using) entryPoints[ep]!.routers.push(c.target);
    collectServices(c.target.service, serviceSpecs, usedServices);
    for (const m of c.target.middlewares) collectMiddlewares(m, middlewareRefs, usedMiddlewares, (svc) => collectServices(svc, serviceSpecs, usedServices));
  }

  const snapshotServices: Record<string, ServiceSpec> = {};
  for (const name of [...usedServices].sort()) snapshotServices[name] = serviceSpecs.get(name)!;
  const snapshotMiddlewares: Record<string, MiddlewareSpec> = {};
  for (const name of [...usedMiddlewares].sort()) snapshotMiddlewares[name] = middlewareSpec(validMiddlewares.get(name)!);

  const tlsRouters: TlsRouter[] = [];
  for (const c of routeCandidates) {
    if (ruleErrors.has(c.name)) continue;
    const tls = validRouters.get(c.name)!.router.tls;
    if (tls?.certResolver !== undefined) tlsRouters.push({ name: c.name, rule: c.rule, syntax: c.syntax, certResolver: tls.certResolver, domains: tls.domains });
  }

  return {
    view: { revision: input.revision, tlsRouters, routers, services, middlewares, problems },
    snapshot: { revision: input.revision, entryPoints, services: snapshotServices, middlewares: snapshotMiddlewares, tls: tlsSpec(input, problems) },
  };
}

/** Certificates and the default TLS options and store, from every provider, PEM resolved. */
function tlsSpec(input: BuildInput, problems: ProblemData[]): TlsSpec {
  const certificates: CertificateSpec[] = [];
  const read = (value: string, key: string): string => (value.includes('-----BEGIN') ? value : input.readPem === undefined ? value : input.readPem(value, key));
  let defaultCertificate: CertificateSpec | undefined;
  let options: TlsOptionsSpec = EMPTY_TLS.options;
  for (const { decoded, root } of input.providers.values()) {
    for (const [label, d] of decoded.tls.certificates) {
      if (d.value === undefined) continue;
      const key = `${root}/tls/certificates/${label}`;
      try {
        certificates.push({ id: key, certPem: read(d.value.certFile, `${key}/certFile`), keyPem: read(d.value.keyFile, `${key}/keyFile`) });
      } catch (error) {
        problems.push({ code: 'SY_TLS_CERTIFICATE', key: (error as { key?: string }).key ?? key, message: (error as Error).message });
      }
    }
    const store = decoded.tls.stores.get('default')?.value?.defaultCertificate;
    if (store !== undefined) {
      const key = `${root}/tls/stores/default/defaultCertificate`;
      try {
        defaultCertificate = { id: key, certPem: read(store.certFile, `${key}/certFile`), keyPem: read(store.keyFile, `${key}/keyFile`) };
      } catch (error) {
        problems.push({ code: 'SY_TLS_CERTIFICATE', key: (error as { key?: string }).key ?? key, message: (error as Error).message });
      }
    }
    const o = decoded.tls.options.get('default')?.value;
    if (o !== undefined) {
      options = {
        minVersion: o.minVersion,
        maxVersion: o.maxVersion,
        cipherSuites: o.cipherSuites,
        curvePreferences: o.curvePreferences,
        alpnProtocols: o.alpnProtocols,
        sniStrict: o.sniStrict ?? false,
      };
    }
  }
  if (input.cluster !== undefined) certificates.push(...input.cluster.certificates);
  return { certificates, defaultCertificate, options, challenges: input.cluster?.challenges ?? {}, alpnChallenges: input.cluster?.alpnChallenges ?? {}, ticketKeys: input.cluster?.ticketKeys };
}

function objectInfo(name: string, provider: string, decoded: Decoded<unknown>): ServiceInfo {
  return {
    name: `${name}@${provider}`,
    provider,
    config: decoded.raw,
    status: decoded.value === undefined ? 'disabled' : 'enabled',
    errors: [...decoded.errors],
    usedBy: [],
  };
}

function disable(info: { status: Status; errors: ProblemData[] }, problem: ProblemData): void {
  info.status = 'disabled';
  info.errors.push(problem);
}

function addError(info: { status: Status; errors: ProblemData[] }, problem: ProblemData): void {
  if (info.status === 'enabled') info.status = 'warning';
  info.errors.push(problem);
}

/** `svc` from provider `file` is `svc@file`; an explicit `svc@etcd` reaches another provider. */
function qualify(name: string, provider: string): string {
  return name.includes('@') ? name : `${name}@${provider}`;
}

function serviceSpec(service: Service, qualifiedName: string): ServiceSpec {
  if (service.loadBalancer !== undefined) {
    const lb = service.loadBalancer;
    const passive = lb.passiveHealthCheck;
    return {
      kind: 'loadBalancer',
      servers: lb.servers.map((s) => ({ url: s.url, weight: s.weight ?? 1, preservePath: s.preservePath ?? false })),
      passHostHeader: lb.passHostHeader ?? true,
      healthCheck: lb.healthCheck === undefined ? undefined : healthCheckSpec(lb.healthCheck),
      sticky: stickySpec(lb.sticky?.cookie, qualifiedName),
      passiveHealthCheck: passive === undefined ? undefined : { failureWindowMs: passive.failureWindow ?? 10_000, maxFailedAttempts: Math.max(1, passive.maxFailedAttempts ?? 1) },
    };
  }
  if (service.weighted !== undefined) {
    return { kind: 'weighted', services: service.weighted.services.map((s) => ({ name: s.name, weight: s.weight ?? 1 })), sticky: stickySpec(service.weighted.sticky?.cookie, qualifiedName) };
  }
  if (service.failover !== undefined) return { kind: 'failover', service: service.failover.service, fallback: service.failover.fallback };
  const mirroring = service.mirroring!;
  return {
    kind: 'mirroring',
    service: mirroring.service,
    mirrors: (mirroring.mirrors ?? []).map((m) => ({ name: m.name, percent: m.percent ?? 0 })),
    mirrorBody: mirroring.mirrorBody,
    maxBodySize: mirroring.maxBodySize,
  };
}

/** Traefik's sticky cookie; without a name, `_` and 5 hex digits of SHA-1("_TRAEFIK_BACKEND_" + service). */
function stickySpec(cookie: StickyCookie | undefined, qualifiedName: string): StickyCookieSpec | undefined {
  if (cookie === undefined) return undefined;
  const name = cookie.name !== undefined && cookie.name !== ''
    ? cookie.name.replace(/[^!#$%&'*+\-.^`|~0-9A-Za-z]/g, '_')
    : `_${createHash('sha1').update(`_TRAEFIK_BACKEND_${qualifiedName}`).digest('hex')}`.slice(0, 6);
  return {
    name,
    secure: cookie.secure ?? false,
    httpOnly: cookie.httpOnly ?? false,
    sameSite: cookie.sameSite ?? '',
    maxAge: cookie.maxAge ?? 0,
    path: cookie.path,
    domain: cookie.domain ?? '',
  };
}

function containsItself(start: string, refs: ReadonlyMap<string, { middlewares: readonly string[] }>): boolean {
  const seen = new Set<string>();
  const walk = (name: string): boolean => {
    for (const child of refs.get(name)?.middlewares ?? []) {
      if (child === start) return true;
      if (seen.has(child)) continue;
      seen.add(child);
      if (walk(child)) return true;
    }
    return false;
  };
  return walk(start);
}

function collectMiddlewares(name: string, refs: ReadonlyMap<string, { services: readonly string[]; middlewares: readonly string[] }>, into: Set<string>, service: (name: string) => void): void {
  if (into.has(name)) return;
  into.add(name);
  const r = refs.get(name);
  if (r === undefined) return;
  for (const s of r.services) service(s);
  for (const m of r.middlewares) collectMiddlewares(m, refs, into, service);
}

function healthCheckSpec(hc: NonNullable<NonNullable<Service['loadBalancer']>['healthCheck']>): HealthCheckSpec {
  const interval = hc.interval ?? 30_000;
  return {
    path: hc.path ?? '/',
    scheme: hc.scheme,
    hostname: hc.hostname,
    port: hc.port,
    method: (hc.method ?? 'GET').toUpperCase(),
    headers: hc.headers ?? {},
    intervalMs: interval,
    unhealthyIntervalMs: hc.unhealthyInterval ?? interval,
    timeoutMs: hc.timeout ?? 5_000,
    status: hc.status ?? 0,
    followRedirects: hc.followRedirects ?? true,
  };
}

function childServices(spec: ServiceSpec): string[] {
  switch (spec.kind) {
    case 'loadBalancer':
      return [];
    case 'weighted':
      return spec.services.map((s) => s.name);
    case 'failover':
      return [spec.service, spec.fallback];
    case 'mirroring':
      return [spec.service, ...spec.mirrors.map((m) => m.name)];
  }
}

function qualifyChildren(spec: ServiceSpec, provider: string): ServiceSpec {
  switch (spec.kind) {
    case 'loadBalancer':
      return spec;
    case 'weighted':
      return { ...spec, services: spec.services.map((s) => ({ ...s, name: qualify(s.name, provider) })) };
    case 'failover':
      return { ...spec, service: qualify(spec.service, provider), fallback: qualify(spec.fallback, provider) };
    case 'mirroring':
      return { ...spec, service: qualify(spec.service, provider), mirrors: spec.mirrors.map((m) => ({ ...m, name: qualify(m.name, provider) })) };
  }
}

function collectServices(name: string, specs: ReadonlyMap<string, ServiceSpec>, into: Set<string>): void {
  if (into.has(name)) return;
  const spec = specs.get(name);
  if (spec === undefined) return;
  into.add(name);
  for (const child of childServices(spec)) collectServices(child, specs, into);
}

function middlewareSpec(middleware: Middleware): MiddlewareSpec {
  const [type, options] = Object.entries(middleware).find(([, v]) => v !== undefined)!;
  return { type, options: (options ?? {}) as Record<string, unknown> };
}
