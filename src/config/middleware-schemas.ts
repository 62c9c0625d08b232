/**
 * @module HTTP middleware schemas, one entry per Traefik v3.7 type with the keys Traefik decodes
 * (v3-deprecated keys included, so real trees decode). Behaviour lives in src/middlewares/; this is
 * only the shape of the keys, their defaults, and "exactly one type per middleware".
 */

import { z } from 'zod';
import { duration, exactlyOne, labelFields, presence, rawTree } from './schema-kinds.ts';

const strings = () => z.array(z.string()).optional();
const int = () => z.int().optional();
const bool = () => z.boolean().optional();
const text = () => z.string().optional();
const headerMap = () => z.record(z.string(), z.string()).optional();

const ipStrategy = z.object({ depth: int(), excludedIPs: strings(), ipv6Subnet: int() });

const sourceCriterion = z.object({
  ipStrategy: ipStrategy.optional(),
  requestHeaderName: text(),
  requestHost: bool(),
});

const clientTls = z.object({ ca: text(), cert: text(), key: text(), insecureSkipVerify: bool(), caOptional: bool() });

const certificateDnInfo = z.object({
  country: bool(), province: bool(), locality: bool(), organization: bool(), organizationalUnit: bool(),
  commonName: bool(), serialNumber: bool(), domainComponent: bool(),
});

const auth = (realmDefault: string) =>
  z.object({
    users: strings(),
    usersFile: text(),
    realm: z.string().default(realmDefault),
    removeHeader: bool(),
    headerField: text(),
  });

/** Every middleware type Traefik's KV and file providers accept, by its key name. */
export const middlewareTypes = {
  addPrefix: z.object({ prefix: text() }),
  stripPrefix: z.object({ prefixes: strings(), forceSlash: bool() }),
  stripPrefixRegex: z.object({ regex: strings() }),
  replacePath: z.object({ path: text() }),
  replacePathRegex: z.object({ regex: text(), replacement: text() }),
  chain: z.object({ middlewares: strings() }),
  ipAllowList: z.object({
    sourceRange: strings(),
    ipStrategy: presence(ipStrategy),
    rejectStatusCode: z.int().default(403),
  }),
  /** Deprecated alias of ipAllowList, still decoded by v3.7. */
  ipWhiteList: z.object({ sourceRange: strings(), ipStrategy: presence(ipStrategy) }),
  headers: z.object({
    customRequestHeaders: headerMap(),
    customResponseHeaders: headerMap(),
    accessControlAllowCredentials: bool(),
    accessControlAllowHeaders: strings(),
    accessControlAllowMethods: strings(),
    accessControlAllowOriginList: strings(),
    accessControlAllowOriginListRegex: strings(),
    accessControlExposeHeaders: strings(),
    accessControlMaxAge: int(),
    addVaryHeader: bool(),
    allowedHosts: strings(),
    hostsProxyHeaders: strings(),
    sslProxyHeaders: headerMap(),
    stsSeconds: int(),
    stsIncludeSubdomains: bool(),
    stsPreload: bool(),
    forceSTSHeader: bool(),
    frameDeny: bool(),
    customFrameOptionsValue: text(),
    contentTypeNosniff: bool(),
    browserXssFilter: bool(),
    customBrowserXSSValue: text(),
    contentSecurityPolicy: text(),
    contentSecurityPolicyReportOnly: text(),
    publicKey: text(),
    referrerPolicy: text(),
    permissionsPolicy: text(),
    isDevelopment: bool(),
    // Removed from v3 behaviour, still decoded by v3.7 (with a deprecation warning).
    featurePolicy: text(),
    sslRedirect: bool(),
    sslTemporaryRedirect: bool(),
    sslHost: text(),
    sslForceHost: bool(),
  }),
  errors: z.object({
    status: strings(),
    statusRewrites: z.record(z.string(), z.int()).optional(),
    service: text(),
    query: text(),
  }),
  rateLimit: z.object({
    average: int(),
    period: duration().default(1000),
    burst: z.int().default(1),
    sourceCriterion: sourceCriterion.optional(),
    redis: z
      .object({
        endpoints: strings(),
        tls: clientTls.optional(),
        username: text(),
        password: text(),
        db: int(),
        poolSize: int(),
        minIdleConns: int(),
        maxActiveConns: int(),
        readTimeout: duration().optional(),
        writeTimeout: duration().optional(),
        dialTimeout: duration().optional(),
      })
      .optional(),
  }),
  redirectRegex: z.object({ regex: text(), replacement: text(), permanent: bool() }),
  redirectScheme: z.object({ scheme: text(), port: text(), permanent: bool() }),
  basicAuth: auth('traefik'),
  digestAuth: auth('traefik'),
  forwardAuth: z.object({
    address: text(),
    tls: clientTls.optional(),
    trustForwardHeader: bool(),
    authResponseHeaders: strings(),
    authResponseHeadersRegex: text(),
    authRequestHeaders: strings(),
    addAuthCookiesToResponse: strings(),
    headerField: text(),
    forwardBody: bool(),
    maxBodySize: z.int().default(-1),
    preserveLocationHeader: bool(),
    preserveRequestMethod: bool(),
  }),
  inFlightReq: z.object({ amount: int(), sourceCriterion: sourceCriterion.optional() }),
  buffering: z.object({
    maxRequestBodyBytes: int(),
    memRequestBodyBytes: int(),
    maxResponseBodyBytes: int(),
    memResponseBodyBytes: int(),
    retryExpression: text(),
  }),
  circuitBreaker: z.object({
    expression: text(),
    checkPeriod: duration().default(100),
    fallbackDuration: duration().default(10_000),
    recoveryDuration: duration().default(10_000),
    responseCode: z.int().default(503),
  }),
  compress: z.object({
    excludedContentTypes: strings(),
    includedContentTypes: strings(),
    minResponseBodyBytes: z.int().default(1024),
    encodings: z.array(z.string()).default(() => ['gzip', 'br', 'zstd']),
    defaultEncoding: text(),
  }),
  passTLSClientCert: z.object({
    pem: bool(),
    info: z
      .object({
        notAfter: bool(),
        notBefore: bool(),
        sans: bool(),
        serialNumber: bool(),
        subject: certificateDnInfo.optional(),
        issuer: certificateDnInfo.omit({ organizationalUnit: true }).optional(),
      })
      .optional(),
  }),
  retry: z.object({
    attempts: int(),
    initialInterval: duration().optional(),
    timeout: duration().optional(),
    status: strings(),
    disableRetryOnNetworkError: bool(),
    retryNonIdempotentMethod: bool(),
    maxRequestBodyBytes: z.int().default(2 * 1024 * 1024),
  }),
  contentType: z.object({}),
  grpcWeb: z.object({ allowOrigins: strings() }),
  /** `plugin/<name>/<option…>`: options are the plugin's business, kept as a tree of strings. */
  plugin: rawTree(),
} as const;

export type MiddlewareType = keyof typeof middlewareTypes;

/** Types that may be switched on by a bare key (`compress = ""`), Traefik's allowEmpty tag. */
const presenceTypes: ReadonlySet<MiddlewareType> = new Set(['compress', 'contentType']);

const middlewareShape = Object.fromEntries(
  Object.entries(middlewareTypes).map(([name, schema]) => [
    name,
    presenceTypes.has(name as MiddlewareType) ? presence(schema) : schema.optional(),
  ]),
) as { [K in MiddlewareType]: z.ZodOptional<(typeof middlewareTypes)[K]> };

export const middlewareSchema = labelFields(
  z.object(middlewareShape).superRefine(exactlyOne(Object.keys(middlewareTypes), 'middleware')),
  'middleware type',
);

export type Middleware = z.output<typeof middlewareSchema>;
export type StripPrefix = z.output<typeof middlewareTypes.stripPrefix>;
export type Headers = z.output<typeof middlewareTypes.headers>;
export type RateLimit = z.output<typeof middlewareTypes.rateLimit>;
export type IpAllowList = z.output<typeof middlewareTypes.ipAllowList>;
export type BasicAuth = z.output<typeof middlewareTypes.basicAuth>;
export type ForwardAuth = z.output<typeof middlewareTypes.forwardAuth>;
export type CircuitBreaker = z.output<typeof middlewareTypes.circuitBreaker>;
export type Compress = z.output<typeof middlewareTypes.compress>;
export type Retry = z.output<typeof middlewareTypes.retry>;
