/**
 * @module The typed dynamic-configuration model (Traefik v3.7 HTTP routers, services, middlewares,
 * TLS): zod schemas with Traefik's defaults, and the types inferred from them. Durations are
 * milliseconds, lists are arrays, maps are records.
 */

import { z } from 'zod';
import type { ProblemData } from '../errors.ts';
import type { Decoded } from './decode-object.ts';
import type { Middleware } from './middleware-schemas.ts';
import { KeyCode } from './key-codes.ts';
import { duration, exactlyOne, labelFields, presence } from './schema-kinds.ts';
import { tlsDomainSchema, type TlsCertificate, type TlsOptions, type TlsStore } from './tls-schemas.ts';

export type { Decoded } from './decode-object.ts';
export * from './middleware-schemas.ts';
export * from './tls-schemas.ts';

export const routerSchema = z.object({
  rule: z.string(),
  /** Absent: the node's static `core.defaultRuleSyntax` applies. */
  ruleSyntax: z.enum(['v2', 'v3']).optional(),
  /** Absent: every default entry point. */
  entryPoints: z.array(z.string()).optional(),
  /** Applied in list order, the first being the outermost. */
  middlewares: z.array(z.string()).optional(),
  service: z.string(),
  /** Absent or 0: the rule's length in bytes. */
  priority: z.int().optional(),
  tls: presence(
    z.object({
      options: z.string().optional(),
      certResolver: z.string().optional(),
      domains: z.array(tlsDomainSchema).optional(),
    }),
  ),
  observability: z
    .object({
      accessLogs: z.boolean().optional(),
      metrics: z.boolean().optional(),
      tracing: z.boolean().optional(),
      traceVerbosity: z.enum(['minimal', 'detailed']).optional(),
    })
    .optional(),
});

/** Schemes our upstream client speaks; h2c is Traefik's cleartext HTTP/2 (gRPC without TLS). */
const upstreamSchemes = new Set(['http:', 'https:', 'h2c:']);

const upstreamUrl = z.string().refine(
  (text) => upstreamSchemes.has(URL.parse(text)?.protocol ?? ''),
  'expected an absolute http://, https:// or h2c:// URL',
);

const loadBalancerServerSchema = z.object({
  url: upstreamUrl,
  weight: z.int().default(1),
  preservePath: z.boolean().optional(),
});

const healthCheckSchema = z.object({
  path: z.string().optional(),
  scheme: z.string().optional(),
  mode: z.enum(['http', 'grpc']).default('http'),
  hostname: z.string().optional(),
  port: z.int().optional(),
  interval: duration().default(30_000),
  unhealthyInterval: duration().optional(),
  timeout: duration().default(5_000),
  method: z.string().optional(),
  status: z.int().optional(),
  followRedirects: z.boolean().default(true),
  headers: z.record(z.string(), z.string()).optional(),
});

const stickySchema = z.object({
  cookie: presence(
    z.object({
      name: z.string().optional(),
      secure: z.boolean().optional(),
      httpOnly: z.boolean().optional(),
      sameSite: z.string().optional(),
      maxAge: z.int().optional(),
      path: z.string().default('/'),
      domain: z.string().optional(),
    }),
  ),
});

/** Services' own health-check switch: an empty struct, enabled by presence alone. */
const serviceHealthCheck = () => presence(z.object({}));

const loadBalancerSchema = z.object({
  // Lists a consumer always iterates default to empty (a nil slice in Traefik): no `?? []` everywhere.
  servers: z.array(loadBalancerServerSchema).default(() => []),
  strategy: z.enum(['wrr', 'p2c', 'hrw', 'leasttime']).default('wrr'),
  passHostHeader: z.boolean().default(true),
  serversTransport: z.string().optional(),
  responseForwarding: z.object({ flushInterval: duration().default(100) }).prefault({}),
  healthCheck: healthCheckSchema.optional(),
  passiveHealthCheck: z
    .object({ failureWindow: duration().optional(), maxFailedAttempts: z.int().optional() })
    .optional(),
  sticky: presence(stickySchema),
});

const weightedRef = z.object({ name: z.string(), weight: z.int().default(1) });

const serviceTypes = {
  loadBalancer: loadBalancerSchema.optional(),
  weighted: z
    .object({
      services: z.array(weightedRef).default(() => []),
      sticky: stickySchema.optional(),
      healthCheck: serviceHealthCheck(),
    })
    .optional(),
  mirroring: z
    .object({
      service: z.string(),
      mirrorBody: z.boolean().default(true),
      maxBodySize: z.int().default(-1),
      mirrors: z.array(z.object({ name: z.string(), percent: z.int().optional() })).default(() => []),
      healthCheck: serviceHealthCheck(),
    })
    .optional(),
  failover: z
    .object({
      service: z.string(),
      fallback: z.string(),
      // Not a presence key in Traefik either: `failover/healthCheck = ""` fails (digest §1.1).
      healthCheck: z.object({}).optional(),
      errors: z.object({ status: z.array(z.string()).optional(), maxRequestBodyBytes: z.int().optional() }).optional(),
    })
    .optional(),
  highestRandomWeight: z
    .object({ services: z.array(weightedRef).default(() => []), healthCheck: serviceHealthCheck() })
    .optional(),
};

export const serviceSchema = labelFields(
  z
    .object(serviceTypes)
    .superRefine(exactlyOne(Object.keys(serviceTypes), 'service'))
    .superRefine((value, context) => {
      // Decoded (so its keys are checked) but not served: routers using it are disabled with a reference error.
      if (value.highestRandomWeight !== undefined) {
        context.addIssue({ code: 'custom', message: 'highestRandomWeight services are not supported yet', path: ['highestRandomWeight'], params: { code: KeyCode.unsupportedType }, input: value });
      }
    }),
  'service type',
);

export type Router = z.output<typeof routerSchema>;
export type RouterTls = NonNullable<Router['tls']>;
export type Service = z.output<typeof serviceSchema>;
export type LoadBalancer = z.output<typeof loadBalancerSchema>;
export type LoadBalancerServer = z.output<typeof loadBalancerServerSchema>;
export type HealthCheck = z.output<typeof healthCheckSchema>;
export type Sticky = z.output<typeof stickySchema>;
export type StickyCookie = NonNullable<Sticky['cookie']>;
export type WeightedService = NonNullable<Service['weighted']>;
export type MirroringService = NonNullable<Service['mirroring']>;
export type FailoverService = NonNullable<Service['failover']>;

export interface DecodeResult {
  readonly routers: Map<string, Decoded<Router>>;
  readonly services: Map<string, Decoded<Service>>;
  readonly middlewares: Map<string, Decoded<Middleware>>;
  readonly tls: {
    /** Keyed by the label under `tls/certificates/` (an index or any text, e.g. a domain). */
    readonly certificates: Map<string, Decoded<TlsCertificate>>;
    readonly options: Map<string, Decoded<TlsOptions>>;
    readonly stores: Map<string, Decoded<TlsStore>>;
  };
  /** Problems that belong to no single object (skipped keys, unsupported sections), by key. */
  readonly problems: ProblemData[];
}
