/**
 * @module What every part of the translation shares: the key set being built, the findings, the
 * directives read so far, the userlists, and the names given to backends, middlewares and the
 * empty "no backend" service. One instance per import.
 */
import type { Findings, FindingSource, Severity } from './findings.ts';
import { sanitizeName, shortHash, type KeyBuilder } from './key-builder.ts';
import type { Directive } from './parse-config.ts';
import type { ProxyView } from './proxy-view.ts';
import type { Userlist } from './userlists.ts';
import { UpstreamTransport } from './upstream-transport.ts';

export class TranslationContext {
  readonly importName: string;
  readonly keys: KeyBuilder;
  readonly findings: Findings;
  readonly consumed: Set<Directive>;
  /** Base directory for relative `crt` paths (HAProxy: `crt-base`, else the working directory). */
  readonly crtBase: string | undefined;
  readonly userlists: ReadonlyMap<string, Userlist>;
  /** Backend and listen sections by name (use_backend targets). */
  readonly backends: ReadonlyMap<string, ProxyView>;
  /** Backend name → its service; undefined when the backend has no translation (tcp mode…). */
  readonly services = new Map<string, string | undefined>();
  /** What each backend needs of the node-wide upstream transport (timeouts, verification). */
  readonly upstreamTransport = new UpstreamTransport();
  /** The section each directive is written in: an inherited defaults line is reported as its own. */
  readonly #owners: ReadonlyMap<Directive, string>;

  constructor(options: {
    importName: string;
    keys: KeyBuilder;
    findings: Findings;
    consumed: Set<Directive>;
    crtBase: string | undefined;
    userlists: ReadonlyMap<string, Userlist>;
    backends: ReadonlyMap<string, ProxyView>;
    owners: ReadonlyMap<Directive, string>;
  }) {
    this.importName = options.importName;
    this.keys = options.keys;
    this.findings = options.findings;
    this.consumed = options.consumed;
    this.crtBase = options.crtBase;
    this.userlists = options.userlists;
    this.backends = options.backends;
    this.#owners = options.owners;
  }

  report(severity: Severity, proxy: ProxyView | string, source: FindingSource, message: string): void {
    const owner = this.#owners.get(source as Directive);
    this.findings.add(severity, owner ?? (typeof proxy === 'string' ? proxy : proxy.label), source, message);
  }

  /**
   * The service for "no backend": a load balancer without servers, which answers 503 as HAProxy
   * does when no rule matches and there is no default_backend.
   */
  emptyService(): string {
    const empty = { loadBalancer: { passHostHeader: true } };
    const name = `${sanitizeName(this.importName)}-503`;
    if (this.keys.object('services', name, empty)) return name;
    // A backend already has that name: pick one no HAProxy name can take (no `~` in section names).
    const other = `${name}~empty`;
    this.keys.object('services', other, empty);
    return other;
  }

  /** The name of a middleware: its section, its kind, and a hash of what it does. */
  middlewareName(spec: MiddlewareSpec): string {
    return `${sanitizeName(spec.section)}-${spec.kind}-${shortHash(JSON.stringify({ [spec.type]: spec.options }))}`;
  }

  /** Adds the middleware's keys (once; routers share it) and returns its name. */
  middleware(spec: MiddlewareSpec): string {
    const name = this.middlewareName(spec);
    this.keys.object('middlewares', name, { [spec.type]: spec.options });
    return name;
  }
}

/** A middleware as a rule describes it; its keys are written only if a router ends up using it. */
export interface MiddlewareSpec {
  /** The HAProxy section the rule is in (names the middleware). */
  readonly section: string;
  /** `headers`, `redirect`, `auth`…: a readable part of the name. */
  readonly kind: string;
  /** Traefik's middleware type: `headers`, `redirectScheme`, `basicAuth`… */
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export function middlewareSpec(proxy: ProxyView, kind: string, type: string, options: Readonly<Record<string, unknown>>): MiddlewareSpec {
  return { section: proxy.name, kind, type, options };
}
