/**
 * @module The compile step of the control plane: decoded configurations (one per provider) become
 * the runtime view the API shows (every router, service and middleware with its status and errors)
 * and the snapshot the data planes serve. Pure: the same input gives the same output.
 *
 * Cross-object checks happen here, per object, as Traefik does for semantic errors: a router whose
 * rule does not compile, whose service or middleware is missing or broken, or whose entry points
 * all are unknown is disabled alone, with an error naming the key at fault.
 */
import type { DecodeChanges } from '../config/incremental-decode.ts';
import { qualifiedTlsOptions, routerTlsProblems, tlsPolicy, type TlsPolicy } from './tls-policy.ts';
import type { DecodeResult, Decoded, Router, Service, Middleware, StickyCookie } from '../config/dynamic.ts';
import { RuleCache } from '../rules/rule-cache.ts';
import { compileRule } from '../rules/compile.ts';
import { compareBytes } from '../config/byte-order.ts';
import { UnicodeTables } from '../rules/unicode-tables.ts';
import { RuleError, type ProblemData } from '../errors.ts';
import { middlewareTypes } from '../middlewares/registry.ts';
import { checkMiddleware, middlewareReferences } from '../middlewares/check-middleware.ts';
import { createHash } from 'node:crypto';
import { isEmpty, noteDelta, patchRecord } from './snapshot-delta.ts';
import { checkCertificatePair } from '../tls/certificate-pem.ts';
import { caPemProblem, CLIENT_AUTH_CODE, effectiveClientAuthType, type ClientAuthSpec } from '../tls/client-auth.ts';
import type { TlsOptions } from '../config/tls-schemas.ts';
import { childServiceFields, childServices, EMPTY_SNAPSHOT, EMPTY_TLS, type StickyCookieSpec, type CertificateSpec, type HealthCheckSpec, type MiddlewareSpec, type RouterSpec, type ServiceSpec, type Snapshot, type TlsOptionsSpec, type TlsSpec } from './snapshot.ts';
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
  /**
   * What each provider's decoder reports changed since this builder's previous build
   * (IncrementalDecoder.takeChanges()); absent, every object is compared with the last build.
   */
  readonly changes?: ReadonlyMap<string, DecodeChanges> | undefined;
  /** Compiled rules kept from the previous build (swept here). */
  readonly ruleCache?: RuleCache | undefined;
  /** `certFile`/`keyFile` values are PEM or a path on the node: the caller reads paths (I/O stays out of here). */
  readonly readPem?: ((valueOrPath: string, key: string) => string) | undefined;
  /** The certificate resolvers configured on the node; a router naming another gets a warning. Absent: not checked. */
  readonly resolvers?: ReadonlySet<string> | undefined;
  /** Certificates and challenge answers from the cluster (ACME), added to the snapshot. */
  readonly cluster?: { readonly certificates: readonly CertificateSpec[]; readonly challenges: Readonly<Record<string, string>>; readonly alpnChallenges?: Readonly<Record<string, { readonly certPem: string; readonly keyPem: string }>>; readonly ticketKeys?: string | undefined } | undefined;
}

export interface BuildOutput {
  readonly view: RuntimeView;
  readonly snapshot: Snapshot;
}

/** Builds once from scratch (`switchyard check`, tests); a node keeps a RuntimeBuilder instead. */
export function buildRuntime(input: BuildInput): BuildOutput {
  return new RuntimeBuilder().build(input);
}

/** Beyond this many changed routers a full build costs less than patching each one. */
const PATCH_LIMIT = 1_000;

interface RouterRecord {
  readonly decoded: Decoded<Router>;
  readonly info: RouterInfo;
  /** What the snapshot holds for it, when enabled. */
  readonly target: RouterSpec | undefined;
  readonly tlsRouter: TlsRouter | undefined;
  /** Services and middlewares the snapshot keeps for it (`s:`/`m:` names), when enabled. */
  readonly uses: readonly string[];
  /** The infos whose `usedBy` lists it. */
  readonly listedIn: ReadonlyArray<{ readonly usedBy: string[] }>;
}

/** What the next build patches when only routers changed. */
interface Built {
  readonly input: BuildInput;
  readonly routers: Map<string, RouterRecord>;
  /** The view's routers map, patched in place. */
  readonly routerInfos: Map<string, RouterInfo>;
  readonly services: Map<string, ServiceInfo>;
  readonly middlewares: Map<string, MiddlewareInfo>;
  readonly serviceDecoded: ReadonlyMap<string, Decoded<Service>>;
  /** Every decoded router, service and middleware this build was made from: what is not in it changed. */
  readonly decodedObjects: Set<object>;
  readonly middlewareDecoded: ReadonlyMap<string, Decoded<Middleware>>;
  readonly providerProblems: ReadonlyMap<string, readonly ProblemData[]>;
  readonly serviceSpecs: ReadonlyMap<string, ServiceSpec>;
  readonly validMiddlewares: ReadonlyMap<string, Middleware>;
  readonly middlewareRefs: ReadonlyMap<string, { services: string[]; middlewares: string[] }>;
  /** `s:`/`m:` name → enabled routers using it. */
  readonly uses: Map<string, number>;
  readonly entryPoints: Map<string, Map<string, RouterSpec>>;
  readonly tlsRouters: Map<string, TlsRouter>;
  /** Which TLS options routers may ask for (tls-policy.ts). */
  tlsPolicy: TlsPolicy;
  snapshot: Snapshot;
}

/**
 * The compile step, kept across builds. A build where only routers changed (compared by decoded
 * object: the incremental decoder keeps unchanged ones as they were) patches the last one: the
 * changed routers are checked again against the services and middlewares, which did not change,
 * and the view's maps and the snapshot's parts are patched; everything else is reused as is. Any
 * other change builds everything again (specs of unchanged objects are still reused, so the
 * snapshot delta stays small). Either way the result is what a build from scratch gives, except
 * for the order of maps (the API sorts) and `usedBy`, which is sorted as Traefik does.
 */
export class RuntimeBuilder {
  #built: Built | undefined;
  readonly #routerSpecs = new WeakMap<Decoded<Router>, RouterSpec>();
  readonly #serviceSpecs = new WeakMap<Decoded<Service>, ServiceSpec>();
  readonly #middlewareSpecs = new WeakMap<Decoded<Middleware>, MiddlewareSpec>();

  /** The next build starts from scratch (after a build that failed half-way). */
  reset(): void {
    this.#built = undefined;
  }

  build(input: BuildInput): BuildOutput {
    const policy = tlsPolicy(input.providers, input.entryPoints, input.defaultEntryPoints, input.defaultRuleSyntax);
    const changed = this.#changedRouters(input, policy);
    if (changed !== undefined) return this.#patch(input, changed, policy);
    return this.#full(input, policy);
  }

  /** Qualified names of the routers that changed, or undefined when anything else did. */
  #changedRouters(input: BuildInput, policy: TlsPolicy): string[] | undefined {
    const built = this.#built;
    if (built === undefined) return undefined;
    const before = built.input;
    if (before.entryPoints !== input.entryPoints || before.defaultEntryPoints !== input.defaultEntryPoints || before.defaultRuleSyntax !== input.defaultRuleSyntax) return undefined;
    if (before.providers.size !== input.providers.size) return undefined;
    // What TLS options allow is judged per router: a change there re-judges them all.
    if (policy.fingerprint !== built.tlsPolicy.fingerprint) return undefined;
    if (input.changes !== undefined && input.changes.size === input.providers.size) {
      const changed: string[] = [];
      for (const [provider, { decoded, root }] of input.providers) {
        const changes = input.changes.get(provider);
        if (changes === undefined || before.providers.get(provider)?.root !== root || built.providerProblems.get(provider) !== decoded.problems) return undefined;
        if (changes.services.size > 0 || changes.middlewares.size > 0 || changes.problems) return undefined;
        for (const name of changes.routers) changed.push(`${name}@${provider}`);
        if (changed.length > PATCH_LIMIT) return undefined;
      }
      return changed;
    }
    let services = 0;
    let middlewares = 0;
    let routers = 0;
    const changed: string[] = [];
    for (const [provider, { decoded, root }] of input.providers) {
      if (before.providers.get(provider)?.root !== root || built.providerProblems.get(provider) !== decoded.problems) return undefined;
      for (const d of decoded.services.values()) {
        if (!built.decodedObjects.has(d)) return undefined;
        services += 1;
      }
      for (const d of decoded.middlewares.values()) {
        if (!built.decodedObjects.has(d)) return undefined;
        middlewares += 1;
      }
      for (const [name, d] of decoded.routers) {
        if (built.decodedObjects.has(d)) {
          routers += 1;
          continue;
        }
        changed.push(`${name}@${provider}`);
        if (changed.length > PATCH_LIMIT) return undefined;
      }
    }
    if (services !== built.serviceDecoded.size || middlewares !== built.middlewareDecoded.size) return undefined;
    // Routers gone: the ones kept are fewer than those built.
    if (routers < built.routers.size) {
      const present = new Set<string>();
      for (const [provider, { decoded }] of input.providers) for (const name of decoded.routers.keys()) present.add(`${name}@${provider}`);
      for (const name of built.routers.keys()) if (!present.has(name)) changed.push(name);
      if (changed.length > PATCH_LIMIT) return undefined;
    }
    return changed;
  }

  #full(input: BuildInput, policy: TlsPolicy): BuildOutput {
    const services = new Map<string, ServiceInfo>();
    const middlewares = new Map<string, MiddlewareInfo>();
    const serviceDecoded = new Map<string, Decoded<Service>>();
    const middlewareDecoded = new Map<string, Decoded<Middleware>>();
    const providerProblems = new Map<string, readonly ProblemData[]>();
    const validServices = new Map<string, Service>();
    const validMiddlewares = new Map<string, Middleware>();
    const problems: ProblemData[] = [];

    for (const [provider, { decoded, root }] of input.providers) {
      problems.push(...decoded.problems);
      providerProblems.set(provider, decoded.problems);
      for (const [name, d] of decoded.services) {
        const info = objectInfo(name, provider, d);
        services.set(info.name, info);
        serviceDecoded.set(info.name, d);
        if (d.value !== undefined) validServices.set(info.name, d.value);
      }
      for (const [name, d] of decoded.middlewares) {
        const info = objectInfo(name, provider, d);
        middlewares.set(info.name, info);
        middlewareDecoded.set(info.name, d);
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
        let message: string | undefined;
        if (missing.length > 0) message = `references middleware(s) that do not exist or are invalid: ${missing.join(', ')}`;
        else if (services_.length > 0) message = `references service(s) that do not exist or are invalid: ${services_.join(', ')}`;
        else if (containsItself(name, middlewareRefs)) message = 'the chain contains itself';
        if (message !== undefined) {
          const key = `${input.providers.get(info.provider)!.root}/http/middlewares/${name.slice(0, name.lastIndexOf('@'))}/${middlewareSpec(validMiddlewares.get(name)!).type}`;
          disable(info, { code: 'SY_MIDDLEWARE_REFERENCE', key, message });
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
      const decoded = serviceDecoded.get(name)!;
      let spec = this.#serviceSpecs.get(decoded);
      if (spec === undefined) this.#serviceSpecs.set(decoded, (spec = qualifyChildren(serviceSpec(service, name), provider)));
      serviceSpecs.set(name, spec);
    }
    // Until nothing changes: a service whose child was just disabled is disabled in turn.
    const serviceKey = (name: string, field: string): string => {
      const info = services.get(name)!;
      return `${input.providers.get(info.provider)!.root}/http/services/${name.slice(0, name.lastIndexOf('@'))}/${field}`;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, spec] of serviceSpecs) {
        const missing = childServiceFields(spec).filter(([child]) => !serviceSpecs.has(child));
        const cycle = missing.length === 0 ? childServiceFields(spec).find(([child]) => reachesService(child, name, serviceSpecs)) : undefined;
        if (missing.length === 0 && cycle === undefined) continue;
        disable(services.get(name)!, missing.length > 0
          ? { code: 'SY_SERVICE_REFERENCE', key: serviceKey(name, missing[0]![1]), message: `references service(s) that do not exist or are invalid: ${missing.map(([child]) => child).join(', ')}` }
          : { code: 'SY_SERVICE_REFERENCE', key: serviceKey(name, cycle![1]), message: `the service contains itself (through ${cycle![0]})` });
        serviceSpecs.delete(name);
        changed = true;
      }
    }

    const built: Built = {
      input,
      routers: new Map(),
      routerInfos: new Map(),
      services,
      middlewares,
      serviceDecoded,
      middlewareDecoded,
      decodedObjects: new Set<object>([...serviceDecoded.values(), ...middlewareDecoded.values()]),
      providerProblems,
      serviceSpecs,
      validMiddlewares,
      middlewareRefs,
      uses: new Map(),
      entryPoints: new Map(input.entryPoints.map((ep) => [ep, new Map()])),
      tlsRouters: new Map(),
      tlsPolicy: policy,
      snapshot: EMPTY_SNAPSHOT,
    };
    const cache = input.ruleCache ?? new RuleCache();
    const check = ruleChecker((rule, syntax, tables) => cache.compile(rule, syntax, tables));
    for (const [provider, { decoded, root }] of input.providers) {
      for (const [name, d] of decoded.routers) {
        built.decodedObjects.add(d);
        this.#addRouter(built, `${name}@${provider}`, provider, root, name, d, check);
      }
    }
    cache.sweep();
    for (const info of services.values()) info.usedBy.sort(compareBytes);
    for (const info of middlewares.values()) info.usedBy.sort(compareBytes);

    const snapshotServices: Record<string, ServiceSpec> = {};
    const snapshotMiddlewares: Record<string, MiddlewareSpec> = {};
    for (const use of [...built.uses.keys()].sort()) {
      const name = use.slice(2);
      if (use.startsWith('s:')) snapshotServices[name] = serviceSpecs.get(name)!;
      else snapshotMiddlewares[name] = this.#middlewareSpec(name, built);
    }
    const entryPoints: Record<string, { routers: RouterSpec[] }> = {};
    for (const [ep, routers] of built.entryPoints) entryPoints[ep] = { routers: [...routers.values()] };
    built.snapshot = { revision: input.revision, entryPoints, services: snapshotServices, middlewares: snapshotMiddlewares, tls: this.#tls(input, policy, problems) };
    this.#built = built;
    return {
      view: { revision: input.revision, tlsRouters: [...built.tlsRouters.values()], routers: built.routerInfos, services, middlewares, problems },
      snapshot: built.snapshot,
    };
  }

  #patch(input: BuildInput, changed: readonly string[], policy: TlsPolicy): BuildOutput {
    const built = this.#built!;
    // Judged alike (same fingerprint), but the hosts claimed for each set may have moved.
    built.tlsPolicy = policy;
    const previous = built.snapshot;
    /** Entry point → routers of `changed` that were on it; what is not on it any more is removed. */
    const wasOn = new Map<string, Set<string>>();
    const released = new Set<string>();
    const sortUsedBy = new Set<string[]>();
    for (const name of changed) {
      const old = built.routers.get(name);
      if (old === undefined) continue;
      built.routers.delete(name);
      built.routerInfos.delete(name);
      built.decodedObjects.delete(old.decoded);
      for (const info of old.listedIn) {
        const at = info.usedBy.indexOf(name);
        if (at !== -1) info.usedBy.splice(at, 1);
      }
      if (old.target !== undefined) {
        for (const ep of old.info.using) {
          built.entryPoints.get(ep)?.delete(name);
          let names = wasOn.get(ep);
          if (names === undefined) wasOn.set(ep, (names = new Set()));
          names.add(name);
        }
        // Counted down now, dropped from the snapshot only if no router takes it up again below.
        for (const use of old.uses) {
          const count = built.uses.get(use)! - 1;
          built.uses.set(use, count);
          if (count === 0) released.add(use);
        }
      }
      built.tlsRouters.delete(name);
    }
    const added = new Set<string>();
    const upserts = new Map<string, RouterSpec[]>();
    const check = ruleChecker((rule, syntax, tables) => compileRule(rule, syntax, tables));
    for (const name of changed) {
      const at = name.lastIndexOf('@');
      const provider = name.slice(at + 1);
      const rawName = name.slice(0, at);
      const { decoded, root } = input.providers.get(provider)!;
      const d = decoded.routers.get(rawName);
      if (d === undefined) continue;
      built.decodedObjects.add(d);
      const record = this.#addRouter(built, name, provider, root, rawName, d, check, (use) => {
        if (!built.uses.has(use)) added.add(use);
      });
      for (const info of record.listedIn) sortUsedBy.add(info.usedBy);
      if (record.target === undefined) continue;
      for (const ep of record.info.using) {
        wasOn.get(ep)?.delete(name);
        let list = upserts.get(ep);
        if (list === undefined) upserts.set(ep, (list = []));
        list.push(record.target);
      }
    }
    for (const list of sortUsedBy) list.sort(compareBytes);

    const services = { upsert: {} as Record<string, ServiceSpec>, remove: [] as string[] };
    const middlewares = { upsert: {} as Record<string, MiddlewareSpec>, remove: [] as string[] };
    for (const use of released) {
      if (built.uses.get(use) !== 0) continue;
      built.uses.delete(use);
      (use.startsWith('s:') ? services.remove : middlewares.remove).push(use.slice(2));
    }
    for (const use of added) {
      const name = use.slice(2);
      if (use.startsWith('s:')) services.upsert[name] = built.serviceSpecs.get(name)!;
      else middlewares.upsert[name] = this.#middlewareSpec(name, built);
    }
    const entryPoints: Record<string, { routers: RouterSpec[] }> = { ...previous.entryPoints } as Record<string, { routers: RouterSpec[] }>;
    const deltaEntryPoints: Record<string, { upsert: RouterSpec[]; remove: string[] }> = {};
    for (const ep of new Set([...wasOn.keys(), ...upserts.keys()])) {
      entryPoints[ep] = { routers: [...built.entryPoints.get(ep)!.values()] };
      deltaEntryPoints[ep] = { upsert: upserts.get(ep) ?? [], remove: [...(wasOn.get(ep) ?? [])] };
    }
    const problems: ProblemData[] = [];
    for (const { decoded } of input.providers.values()) problems.push(...decoded.problems);
    const tls = this.#tls(input, policy, problems);
    built.snapshot = {
      revision: input.revision,
      entryPoints,
      services: services.remove.length === 0 && added.size === 0 ? previous.services : patchRecord(previous.services, services),
      middlewares: middlewares.remove.length === 0 && isEmpty(middlewares.upsert) ? previous.middlewares : patchRecord(previous.middlewares, middlewares),
      tls,
    };
    noteDelta(previous, built.snapshot, {
      baseRevision: previous.revision,
      revision: input.revision,
      entryPoints: deltaEntryPoints,
      services,
      middlewares,
      tls: tls === previous.tls ? undefined : tls,
    });
    (built as { input: BuildInput }).input = input;
    return {
      view: { revision: input.revision, tlsRouters: [...built.tlsRouters.values()], routers: built.routerInfos, services: built.services, middlewares: built.middlewares, problems },
      snapshot: built.snapshot,
    };
  }

  /** Checks one router against the services and middlewares of `built` and adds it there. */
  #addRouter(built: Built, name: string, provider: string, root: string, rawName: string, d: Decoded<Router>, check: RuleCheck, newUse?: (use: string) => void): RouterRecord {
    const info: RouterInfo = { ...objectInfo(rawName, provider, d), using: [] };
    const listedIn: Array<{ usedBy: string[] }> = [];
    const router = d.value;
    const keep = (target: RouterSpec | undefined, tlsRouter: TlsRouter | undefined, uses: readonly string[]): RouterRecord => {
      const record: RouterRecord = { decoded: d, info, target, tlsRouter, uses, listedIn };
      built.routers.set(name, record);
      built.routerInfos.set(name, info);
      return record;
    };
    if (router === undefined) return keep(undefined, undefined, []);
    const key = (field: string) => `${root}/http/routers/${rawName}/${field}`;
    const service = qualify(router.service, provider);
    const serviceInfo = built.services.get(service);
    if (serviceInfo === undefined) disable(info, { code: 'SY_ROUTER_SERVICE_MISSING', key: key('service'), message: `the service "${service}" does not exist` });
    else if (!built.serviceSpecs.has(service)) disable(info, { code: 'SY_ROUTER_SERVICE_INVALID', key: key('service'), message: `the service "${service}" is invalid: ${serviceInfo.errors.map((e) => e.message).join('; ')}` });
    for (const [i, m] of (router.middlewares ?? []).entries()) {
      const qualified = qualify(m, provider);
      const mInfo = built.middlewares.get(qualified);
      if (mInfo === undefined) disable(info, { code: 'SY_ROUTER_MIDDLEWARE_MISSING', key: key(`middlewares/${i}`), message: `the middleware "${qualified}" does not exist` });
      else if (!built.validMiddlewares.has(qualified)) disable(info, { code: 'SY_ROUTER_MIDDLEWARE_INVALID', key: key(`middlewares/${i}`), message: `the middleware "${qualified}" is invalid: ${mInfo.errors.map((e) => e.message).join('; ')}` });
      else {
        mInfo.usedBy.push(name);
        listedIn.push(mInfo);
      }
    }
    for (const { disables, ...problem } of routerTlsProblems(built.tlsPolicy, router.tls, name, provider, key)) (disables ? disable : addError)(info, problem);
    const resolver = router.tls?.certResolver;
    if (resolver !== undefined && built.input.resolvers !== undefined && !built.input.resolvers.has(resolver)) {
      // Traefik serves such a router with the certificates it has and logs the missing resolver; so do we.
      addError(info, { code: 'SY_ROUTER_RESOLVER', key: key('tls/certResolver'), message: `certificate resolver "${resolver}" is not configured on this node (--certificatesResolvers.${resolver}.acme.*); the router is served with the certificates that exist` });
    }
    const known = built.input.entryPoints;
    const wanted = router.entryPoints !== undefined && router.entryPoints.length > 0 ? router.entryPoints : built.input.defaultEntryPoints;
    for (const ep of wanted) {
      if (known.includes(ep)) info.using.push(ep);
      else addError(info, { code: 'SY_ROUTER_ENTRYPOINT', key: key('entryPoints'), message: `entry point "${ep}" does not exist` });
    }
    if (info.using.length === 0 && info.status !== 'disabled') disable(info, { code: 'SY_ROUTER_ENTRYPOINT', key: key('entryPoints'), message: 'no valid entry point for this router' });
    if (serviceInfo !== undefined) {
      serviceInfo.usedBy.push(name);
      listedIn.push(serviceInfo);
    }
    const syntax = router.ruleSyntax ?? built.input.defaultRuleSyntax;
    if (info.status !== 'disabled') {
      const error = check(router.rule, syntax);
      if (error !== undefined) disable(info, { code: error.code, key: key('rule'), message: error.message });
    }
    if (info.status === 'disabled') return keep(undefined, undefined, []);
    let target = this.#routerSpecs.get(d);
    if (target === undefined || target.syntax !== syntax || target.name !== name) {
      const priority = router.priority === undefined || router.priority === 0 ? undefined : router.priority;
      target = { name, rule: router.rule, syntax, priority, service, middlewares: (router.middlewares ?? []).map((m) => qualify(m, provider)), tls: router.tls !== undefined, tlsOptions: router.tls === undefined ? undefined : qualifiedTlsOptions(router.tls.options, provider) };
      this.#routerSpecs.set(d, target);
    }
    for (const ep of info.using) built.entryPoints.get(ep)!.set(name, target);
    const used = new Set<string>();
    collectServices(service, built.serviceSpecs, used);
    const usedMiddlewares = new Set<string>();
    for (const m of target.middlewares) collectMiddlewares(m, built.middlewareRefs, usedMiddlewares, (svc) => collectServices(svc, built.serviceSpecs, used));
    const uses = [...[...used].map((s) => `s:${s}`), ...[...usedMiddlewares].map((m) => `m:${m}`)];
    for (const use of uses) {
      newUse?.(use);
      built.uses.set(use, (built.uses.get(use) ?? 0) + 1);
    }
    const tls = router.tls;
    const tlsRouter = tls?.certResolver === undefined ? undefined : { name, rule: router.rule, syntax, certResolver: tls.certResolver, domains: tls.domains };
    if (tlsRouter !== undefined) built.tlsRouters.set(name, tlsRouter);
    return keep(target, tlsRouter, uses);
  }

  #middlewareSpec(name: string, built: Built): MiddlewareSpec {
    const decoded = built.middlewareDecoded.get(name)!;
    let spec = this.#middlewareSpecs.get(decoded);
    if (spec === undefined) this.#middlewareSpecs.set(decoded, (spec = middlewareSpec(built.validMiddlewares.get(name)!)));
    return spec;
  }

  /** The TLS section, the previous object when nothing in it changed (so no delta carries it). */
  #tls(input: BuildInput, policy: TlsPolicy, problems: ProblemData[]): TlsSpec {
    const tls = tlsSpec(input, policy, problems);
    const previous = this.#built?.snapshot.tls;
    return previous !== undefined && JSON.stringify(previous) === JSON.stringify(tls) ? previous : tls;
  }
}

type RuleCheck = (rule: string, syntax: 'v2' | 'v3') => RuleError | undefined;

/** A rule's error, if it has one: only that is needed here (the data planes build the tables). */
function ruleChecker(compile: (rule: string, syntax: 'v2' | 'v3', tables: UnicodeTables) => unknown): RuleCheck {
  const tables = new UnicodeTables();
  return (rule, syntax) => {
    try {
      compile(rule, syntax, tables);
      return undefined;
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      return error;
    }
  };
}

/** Certificates, the TLS options (default and named) and the default store, from every provider, PEM resolved. */
function tlsSpec(input: BuildInput, policy: TlsPolicy, problems: ProblemData[]): TlsSpec {
  const certificates: CertificateSpec[] = [];
  const read = (value: string, key: string): string => (value.includes('-----BEGIN') ? value : input.readPem === undefined ? value : input.readPem(value, key));
  /** The pair configured at `key`, PEM read; undefined (the problem noted) when it cannot be read. */
  const pair = (files: { readonly certFile: string; readonly keyFile: string }, key: string): CertificateSpec | undefined => {
    try {
      const spec = { id: key, certPem: read(files.certFile, `${key}/certFile`), keyPem: read(files.keyFile, `${key}/keyFile`) };
      // Inline pairs were checked when decoded; a file's content only now.
      if (input.readPem !== undefined) checkCertificatePair(spec.certPem, spec.keyPem, key);
      return spec;
    } catch (error) {
      problems.push({ code: 'SY_TLS_CERTIFICATE', key: (error as { key?: string }).key ?? key, message: (error as Error).message });
      return undefined;
    }
  };
  const optionsSpec = (o: TlsOptions, key: string): TlsOptionsSpec => ({
    minVersion: o.minVersion,
    maxVersion: o.maxVersion,
    cipherSuites: o.cipherSuites,
    curvePreferences: o.curvePreferences,
    alpnProtocols: o.alpnProtocols,
    sniStrict: o.sniStrict ?? false,
    clientAuth: o.clientAuth === undefined ? undefined : clientAuthSpec(o.clientAuth, `${key}/clientAuth`, read, input.readPem !== undefined, problems),
  });
  let defaultCertificate: CertificateSpec | undefined;
  let options: TlsOptionsSpec = EMPTY_TLS.options;
  const named: Record<string, TlsOptionsSpec> = {};
  const usedNames = new Set([...policy.hostOptions.values()].flatMap((hosts) => [...hosts.values()]).filter((name) => name !== 'default'));
  for (const [provider, { decoded, root }] of input.providers) {
    for (const [label, d] of decoded.tls.certificates) {
      if (d.value === undefined) {
        problems.push(...d.errors);
        continue;
      }
      const spec = pair(d.value, `${root}/tls/certificates/${label}`);
      if (spec !== undefined) certificates.push(spec);
    }
    const store = decoded.tls.stores.get('default')?.value?.defaultCertificate;
    if (store !== undefined) {
      const spec = pair(store, `${root}/tls/stores/default/defaultCertificate`);
      if (spec !== undefined) defaultCertificate = spec;
    }
    for (const d of [...decoded.tls.options.values(), ...decoded.tls.stores.values()]) problems.push(...d.errors);
    for (const [name, d] of decoded.tls.options) {
      if (d.value === undefined) continue;
      if (name === 'default') options = optionsSpec(d.value, `${root}/tls/options/default`);
      // Only the sets some host uses travel to the data planes (their CA files read once here).
      else if (usedNames.has(`${name}@${provider}`)) named[`${name}@${provider}`] = optionsSpec(d.value, `${root}/tls/options/${name}`);
    }
  }
  if (input.cluster !== undefined) certificates.push(...input.cluster.certificates);
  const hostOptions = Object.fromEntries(
    [...policy.hostOptions].sort(([a], [b]) => compareBytes(a, b)).map(([ep, hosts]) => [ep, Object.fromEntries([...hosts].sort(([a], [b]) => compareBytes(a, b)))]),
  );
  return { certificates, defaultCertificate, options, namedOptions: named, hostOptions, challenges: input.cluster?.challenges ?? {}, alpnChallenges: input.cluster?.alpnChallenges ?? {}, ticketKeys: input.cluster?.ticketKeys };
}

/**
 * The default options' clientAuth with its CA files read. A CA file that cannot be read or holds no
 * certificate is reported on its key and left out: that can only refuse more clients (a verify type
 * left with no CA refuses every certificate), never admit one unverified.
 */
function clientAuthSpec(clientAuth: NonNullable<TlsOptions['clientAuth']>, key: string, read: (value: string, key: string) => string, check: boolean, problems: ProblemData[]): ClientAuthSpec | undefined {
  const type = effectiveClientAuthType(clientAuth);
  if (type === 'NoClientCert') return undefined;
  const caPems: string[] = [];
  for (const [i, caFile] of (clientAuth.caFiles ?? []).entries()) {
    const caKey = `${key}/caFiles/${i}`;
    try {
      const pem = read(caFile, caKey);
      // Inline PEM was checked when decoded; a file's content only now.
      const problem = check ? caPemProblem(pem) : undefined;
      if (problem === undefined) caPems.push(pem);
      else problems.push({ code: CLIENT_AUTH_CODE, key: caKey, message: problem });
    } catch (error) {
      problems.push({ code: CLIENT_AUTH_CODE, key: (error as { key?: string }).key ?? caKey, message: (error as Error).message });
    }
  }
  return { type, caPems };
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
export function qualify(name: string, provider: string): string {
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

/** Whether `target` is reachable from `from` through child services (a service containing itself). */
function reachesService(from: string, target: string, specs: ReadonlyMap<string, ServiceSpec>): boolean {
  const seen = new Set<string>();
  const walk = (name: string): boolean => {
    if (name === target) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    const spec = specs.get(name);
    return spec !== undefined && childServiceFields(spec).some(([child]) => walk(child));
  };
  return walk(from);
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


