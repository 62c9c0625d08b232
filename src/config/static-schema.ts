/**
 * @module The static configuration (CONTRACT §1): Traefik's static names for the subset we support,
 * plus our own `workers`, `cluster.*` and `demo`. Types are inferred from the schema.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { parseStatusRange } from '../middlewares/status-ranges.ts';
import { LOG_LEVELS } from '../logging/logger.ts';

/** Go/Traefik duration as text (`100ms`, `1m30s`) or a bare number of seconds; kept in milliseconds. */
const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(String(value));
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 100ms or 1m30s (a bare number means seconds), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** Go's ParseBool set, as Traefik accepts on the command line. */
const goBool = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'TRUE', 'true', 'True', ''].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/**
 * A section that is also a switch (`--accessLog`, `accessLog: {…}`): its own schema takes every
 * object, so a bad option is reported by it rather than swallowed as "present".
 */
const sectionSwitch = z.union([goBool, z.null()]).transform((v) => v === null || v === true);

/** A feature switch that Traefik also accepts as a bare flag or an empty section (`--ping`, `ping: {}`). */
const presence = z.union([goBool, z.object({}).loose(), z.null()]).transform((v) => v === null || typeof v === 'object' || v === true);

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}(\/(tcp|udp))?$/, { message: 'expected [host]:port, for example :80 or 127.0.0.1:8000' })
  .refine((address) => Number(/:(\d+)(\/(tcp|udp))?$/.exec(address)?.[1]) <= 65_535, { message: 'expected a port from 0 to 65535' });

const commaList = z.union([z.array(z.string()), z.string()]).transform((v) =>
  (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
);

/** HTTP statuses and ranges (`200`, `300-302`), as Traefik's access-log filter takes them. */
const statusCodes = commaList.transform((entries, ctx) => {
  const ranges: (readonly [number, number])[] = [];
  for (const entry of entries) {
    const range = parseStatusRange(entry);
    if (range === undefined) ctx.addIssue({ code: 'custom', message: `expected HTTP statuses or ranges such as 200,300-302, got ${JSON.stringify(entry)}` });
    else ranges.push(range);
  }
  return ranges;
});

const integer = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : /^[-+]?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  ctx.addIssue({ code: 'custom', message: `expected an integer, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const tlsFiles = z.object({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(), insecureSkipVerify: goBool.optional() }).strict();

const entryPoint = z
  .object({
    address: listenAddress,
    asDefault: goBool.optional(),
    http: z
      .object({
        redirections: z
          .object({
            entryPoint: z
              .object({
                to: z.string(),
                scheme: z.string().default('https'),
                permanent: goBool.default(true),
                priority: integer.optional(),
              })
              .strict(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    forwardedHeaders: z
      .object({ trustedIPs: commaList.optional(), insecure: goBool.optional() })
      .strict()
      .optional(),
    transport: z
      .object({
        respondingTimeouts: z
          .object({ readTimeout: duration.optional(), writeTimeout: duration.optional(), idleTimeout: duration.optional() })
          .strict()
          .optional(),
        lifeCycle: z.object({ graceTimeOut: duration.optional(), requestAcceptGraceTimeout: duration.optional() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** `host` alone (or `scheme://host`) gets the store's usual port, as etcd's and Consul's clients assume. */
function withDefaultPort(endpoint: string, port: number): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(endpoint)?.[0] ?? '';
  const rest = endpoint.slice(scheme.length);
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const hasPort = host.startsWith('[') ? /\]:\d+$/.test(host) : host.includes(':');
  return hasPort ? endpoint : `${scheme}${host}:${port}${slash === -1 ? '' : rest.slice(slash)}`;
}

/**
 * `--providers.etcd=true` (or an empty section) is the provider with its defaults, as in Traefik;
 * endpoints default to the local agent (etcd 127.0.0.1:2379, Consul 127.0.0.1:8500).
 */
function storeProvider(defaultPort: number) {
  const section = z
    .object({
      endpoints: commaList
        .default([`127.0.0.1:${defaultPort}`])
        .refine((list) => list.length > 0, { message: `expected at least one endpoint, host[:port] (default 127.0.0.1:${defaultPort})` })
        .transform((list) => list.map((endpoint) => withDefaultPort(endpoint, defaultPort))),
      rootKey: z.string().default('traefik'),
      username: z.string().optional(),
      password: z.string().optional(),
      token: z.string().optional(),
      tls: tlsFiles.optional(),
    })
    .strict();
  const asSwitch = goBool.transform((on) => (on ? section.parse({}) : undefined));
  return z.union([section, asSwitch]);
}

export const staticConfigSchema = z
  .object({
    entryPoints: z.record(z.string(), entryPoint).default({}),
    providers: z
      .object({
        providersThrottleDuration: duration.default(5),
        file: z.object({ filename: z.string(), watch: goBool.default(true) }).strict().optional(),
        etcd: storeProvider(2379).optional(),
        consul: storeProvider(8500).optional(),
      })
      .strict()
      .default({ providersThrottleDuration: 5 }),
    serversTransport: z
      .object({
        insecureSkipVerify: goBool.optional(),
        maxIdleConnsPerHost: integer.optional(),
        forwardingTimeouts: z
          .object({ dialTimeout: duration.default(30_000), responseHeaderTimeout: duration.default(0), idleConnTimeout: duration.default(90_000) })
          .strict()
          .default({ dialTimeout: 30_000, responseHeaderTimeout: 0, idleConnTimeout: 90_000 }),
      })
      .strict()
      .default({ forwardingTimeouts: { dialTimeout: 30_000, responseHeaderTimeout: 0, idleConnTimeout: 90_000 } }),
    certificatesResolvers: z
      .record(
        z.string(),
        z
          .object({
            acme: z
              .object({
                email: z.string().optional(),
                caServer: z.string().url({ message: 'expected the URL of an RFC 8555 directory, e.g. https://acme-v02.api.letsencrypt.org/directory' }).default('https://acme-v02.api.letsencrypt.org/directory'),
                /** Traefik's acme.json path: accepted for compatibility, unused (the store holds everything). */
                storage: z.string().optional(),
                keyType: z.enum(['EC256', 'EC384', 'RSA2048', 'RSA4096']).default('EC256'),
                httpChallenge: z.object({ entryPoint: z.string() }).strict().optional(),
                tlsChallenge: presence.optional(),
                /** Ours: how long before expiry the leader renews (Traefik derives it from certificatesDuration). */
                renewBefore: duration.default(30 * 86_400_000),
                /** Ours: also write issued certificates under <rootKey>/tls/certificates/<domain> for plain Traefik nodes. */
                publishToRootKey: goBool.default(false),
              })
              .strict(),
          })
          .strict(),
      )
      .default({}),
    /** Traefik's update check and anonymous usage report: accepted so Traefik files load; Switchyard never phones home. */
    global: z.object({ checkNewVersion: goBool.optional(), sendAnonymousUsage: goBool.optional() }).strict().optional(),
    core: z.object({ defaultRuleSyntax: z.enum(['v2', 'v3']).default('v3') }).strict().default({ defaultRuleSyntax: 'v3' }),
    api: z
      .union([z.object({ dashboard: goBool.default(true), insecure: goBool.default(false), debug: goBool.optional() }).strict(), sectionSwitch])
      .optional(),
    ping: presence.optional(),
    metrics: z.object({ prometheus: presence.optional() }).strict().optional(),
    log: z
      .object({ level: z.enum([...LOG_LEVELS, ...LOG_LEVELS.map((l) => l.toUpperCase())]).default('info'), format: z.enum(['json', 'common']).optional() })
      .strict()
      .default({ level: 'info' }),
    accessLog: z
      .union([
        z
          .object({
            filePath: z.string().optional(),
            format: z.enum(['json', 'common']).optional(),
            bufferingSize: integer.pipe(z.number().min(0)).optional(),
            filters: z
              .object({ statusCodes: statusCodes.optional(), retryAttempts: goBool.optional(), minDuration: duration.optional() })
              .strict()
              .optional(),
          })
          .strict(),
        sectionSwitch,
      ])
      .optional(),
    workers: z
      .union([z.number(), z.string()])
      .transform((value, ctx): number | 'auto' => {
        if (value === 'auto') return value;
        const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
        if (Number.isInteger(n) && n >= 1 && n <= 256) return n;
        ctx.addIssue({ code: 'custom', message: `expected a number of worker threads from 1 to 256, or auto, got ${JSON.stringify(value)}` });
        return z.NEVER;
      })
      .default('auto'),
    cluster: z
      .object({
        nodeId: z.string().optional(),
        stateKey: z.string().default('switchyard'),
        lockTTL: duration.default(15_000),
        secretFile: z.string().optional(),
        snapshotFile: z.string().optional(),
      })
      .strict()
      .default({ stateKey: 'switchyard', lockTTL: 15_000 }),
    demo: z.union([z.object({ address: listenAddress.default('127.0.0.1:9101') }).strict(), presence]).optional(),
  })
  .strict();

export type StaticConfigInput = z.input<typeof staticConfigSchema>;
export type StaticConfig = z.output<typeof staticConfigSchema>;
