/**
 * @module The route snapshot: everything a data plane needs to serve, as immutable plain data with a
 * revision. It is what crosses from the control plane to the data planes (structured-cloneable: no
 * classes, no functions), and what the snapshot file stores for a cold start with the store down.
 */
import type { ClientAuthSpec } from '../tls/client-auth.ts';

export interface Snapshot {
  readonly revision: number;
  /** Enabled routers per entry point, already checked against services and middlewares. */
  readonly entryPoints: Readonly<Record<string, EntryPointRoutes>>;
  readonly services: Readonly<Record<string, ServiceSpec>>;
  readonly middlewares: Readonly<Record<string, MiddlewareSpec>>;
  readonly tls: TlsSpec;
}

/** Certificates every TLS connection may be served with, and the ACME HTTP-01 answers. */
export interface TlsSpec {
  /** From `<root>/tls/certificates/*` (PEM resolved) and from the cluster's ACME leader. */
  readonly certificates: readonly CertificateSpec[];
  /** The `default` store's defaultCertificate; absent means the node's generated one. */
  readonly defaultCertificate: CertificateSpec | undefined;
  /** The `default` TLS options (Traefik names). */
  readonly options: TlsOptionsSpec;
  /** Other TLS options some host uses, by qualified name (`strict@etcd`). */
  readonly namedOptions: Readonly<Record<string, TlsOptionsSpec>>;
  /** Entry point → lowercase host (from TLS routers' Host() rules) → its options' qualified name, where not the default. */
  readonly hostOptions: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** token → key authorization for `/.well-known/acme-challenge/<token>`. */
  readonly challenges: Readonly<Record<string, string>>;
  /** domain → the TLS-ALPN-01 challenge certificate (RFC 8737) while its validation is pending. */
  readonly alpnChallenges: Readonly<Record<string, { readonly certPem: string; readonly keyPem: string }>>;
  /** Session-ticket keys shared by the cluster (48 bytes, base64), so a client resumes on any node. */
  readonly ticketKeys: string | undefined;
}

export interface CertificateSpec {
  readonly id: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TlsOptionsSpec {
  readonly minVersion: string | undefined;
  readonly maxVersion: string | undefined;
  readonly cipherSuites: readonly string[] | undefined;
  readonly curvePreferences: readonly string[] | undefined;
  readonly alpnProtocols: readonly string[] | undefined;
  readonly sniStrict: boolean;
  /** Client certificates asked for (tls/client-auth.ts); undefined is NoClientCert. */
  readonly clientAuth?: ClientAuthSpec | undefined;
}

export const EMPTY_TLS: TlsSpec = Object.freeze({
  certificates: [],
  defaultCertificate: undefined,
  options: { minVersion: undefined, maxVersion: undefined, cipherSuites: undefined, curvePreferences: undefined, alpnProtocols: undefined, sniStrict: false, clientAuth: undefined },
  namedOptions: {},
  hostOptions: {},
  challenges: {},
  alpnChallenges: {},
  ticketKeys: undefined,
});

export interface EntryPointRoutes {
  readonly routers: readonly RouterSpec[];
}

export interface RouterSpec {
  /** Qualified name, `api@file`. */
  readonly name: string;
  readonly rule: string;
  readonly syntax: 'v2' | 'v3';
  /** Explicit priority; undefined means the rule's length. */
  readonly priority: number | undefined;
  readonly service: string;
  readonly middlewares: readonly string[];
  /** TLS routers serve only TLS connections; the others only plain HTTP (Traefik's rule). */
  readonly tls: boolean;
  /**
   * A TLS router's options (qualified name, or `default`): it serves only requests on connections
   * handshaken under them. Absent (plain routers, and snapshots from before) means `default`.
   */
  readonly tlsOptions?: string | undefined;
}

export type ServiceSpec = LoadBalancerSpec | WeightedSpec | MirroringSpec | FailoverSpec;

export interface LoadBalancerSpec {
  readonly kind: 'loadBalancer';
  readonly servers: readonly ServerSpec[];
  readonly passHostHeader: boolean;
  readonly healthCheck: HealthCheckSpec | undefined;
  readonly sticky: StickyCookieSpec | undefined;
  /** Traefik v3.6 passive health check: a server failing this often within the window rests for the window. */
  readonly passiveHealthCheck?: { readonly failureWindowMs: number; readonly maxFailedAttempts: number } | undefined;
}

export interface ServerSpec {
  readonly url: string;
  readonly weight: number;
  readonly preservePath: boolean;
}

export interface HealthCheckSpec {
  readonly path: string;
  readonly scheme: string | undefined;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly timeoutMs: number;
  /** Expected status; 0 means any 2xx or 3xx. */
  readonly status: number;
  readonly followRedirects: boolean;
}

export interface StickyCookieSpec {
  readonly name: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: string;
  readonly maxAge: number;
  readonly path: string;
  readonly domain: string;
}

export interface WeightedSpec {
  readonly kind: 'weighted';
  readonly services: readonly { readonly name: string; readonly weight: number }[];
  readonly sticky?: StickyCookieSpec | undefined;
}

export interface MirroringSpec {
  readonly kind: 'mirroring';
  readonly service: string;
  readonly mirrors: readonly { readonly name: string; readonly percent: number }[];
  /** Mirrors get the body too (default true), when it is at most maxBodySize bytes (-1: any size). */
  readonly mirrorBody?: boolean | undefined;
  readonly maxBodySize?: number | undefined;
}

export interface FailoverSpec {
  readonly kind: 'failover';
  readonly service: string;
  readonly fallback: string;
}

export interface MiddlewareSpec {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({ revision: 0, entryPoints: {}, services: {}, middlewares: {}, tls: EMPTY_TLS });

/** Each child service with the field (below the service's key) that names it. */
export function childServiceFields(spec: ServiceSpec): Array<readonly [string, string]> {
  switch (spec.kind) {
    case 'loadBalancer':
      return [];
    case 'weighted':
      return spec.services.map((s, i) => [s.name, `weighted/services/${i}/name`] as const);
    case 'failover':
      return [[spec.service, 'failover/service'], [spec.fallback, 'failover/fallback']];
    case 'mirroring':
      return [[spec.service, 'mirroring/service'], ...spec.mirrors.map((m, i) => [m.name, `mirroring/mirrors/${i}/name`] as const)];
  }
}

/** The services `spec` hands requests to (none for a load balancer). */
export function childServices(spec: ServiceSpec): string[] {
  return childServiceFields(spec).map(([name]) => name);
}
