/**
 * @module The runtime view as JSON shaped like Traefik's API (`/api/rawdata`, `/api/http/*`,
 * `/api/overview`): each object's configuration, `status`, `using`/`usedBy`, and `error` as a list
 * of strings; plus our `errors` with the stable code and the key at fault.
 */
import type { ProblemData } from '../errors.ts';
import { qualify, type RouterInfo, type RuntimeView, type ServiceInfo } from '../runtime/build-runtime.ts';

type Json = Record<string, unknown>;

function withStatus(info: RouterInfo | ServiceInfo, extra: Json): Json {
  const out: Json = { ...info.config, ...extra, status: info.status };
  if (info.errors.length > 0) {
    out.error = info.errors.map(describe);
    out.errors = info.errors;
  }
  return out;
}

export function describe(problem: ProblemData): string {
  return problem.key === undefined ? problem.message : `${problem.key}: ${problem.message}`;
}

/**
 * Traefik's router representation: middlewares qualified with the provider, `tls.options`
 * "default" when unset. A priority that did not decode (kept as written for the errors) is left
 * out rather than shown as a string where clients expect a number.
 */
export function routerJson(info: RouterInfo): Json {
  const out = withStatus(info, { using: info.using });
  const { middlewares, tls, priority } = info.config;
  if (Array.isArray(middlewares)) out.middlewares = middlewares.map((m) => (typeof m === 'string' ? qualify(m, info.provider) : m));
  if (tls !== undefined && tls !== null && typeof tls === 'object' && !Array.isArray(tls) && (tls as Json).options === undefined) out.tls = { ...(tls as Json), options: 'default' };
  if (priority !== undefined && typeof priority !== 'number') delete out.priority;
  return out;
}

/** Traefik's `type`: the service's or middleware's kind, lower-cased (`loadbalancer`, `stripprefix`). */
function typeOf(config: Record<string, unknown>, known?: ReadonlySet<string>): string | undefined {
  const kind = Object.keys(config).find((key) => (known === undefined ? typeof config[key] === 'object' : known.has(key)));
  return kind?.toLowerCase();
}

const SERVICE_TYPES: ReadonlySet<string> = new Set(['loadBalancer', 'weighted', 'mirroring', 'failover', 'highestRandomWeight']);

export function serviceJson(info: ServiceInfo, serverStatus?: Record<string, string>): Json {
  const type = typeOf(info.config, SERVICE_TYPES);
  const extra: Json = { usedBy: info.usedBy, ...(type === undefined ? {} : { type }) };
  if (serverStatus !== undefined && Object.keys(serverStatus).length > 0) extra.serverStatus = serverStatus;
  return withStatus(info, extra);
}

export function middlewareJson(info: ServiceInfo): Json {
  const type = typeOf(info.config);
  return withStatus(info, { usedBy: info.usedBy, ...(type === undefined ? {} : { type }) });
}

export function rawData(view: RuntimeView, serverStatus: (service: string) => Record<string, string>): Json {
  return {
    routers: Object.fromEntries([...view.routers].map(([n, i]) => [n, routerJson(i)])),
    services: Object.fromEntries([...view.services].map(([n, i]) => [n, serviceJson(i, serverStatus(n))])),
    middlewares: Object.fromEntries([...view.middlewares].map(([n, i]) => [n, middlewareJson(i)])),
    problems: view.problems,
    revision: view.revision,
  };
}

/** Traefik's page size when `per_page` is not given. */
const DEFAULT_PER_PAGE = 100;

export type ListPage = { readonly items: Json[]; readonly nextPage: number } | { readonly error: string };

/**
 * The list form of `/api/http/<kind>` as Traefik filters and pages it: `status` (any case),
 * `search` in the name (and a router's rule), `serviceName` and `middlewareName` for routers,
 * sorted by name, `page`/`per_page` (default 100) with the next page number (1 on the last page)
 * for the `X-Next-Page` header. Each item carries `name` and `provider`.
 */
export function listJson(kind: 'routers' | 'services' | 'middlewares', infos: Iterable<RouterInfo | ServiceInfo>, toJson: (i: never) => Json, query: URLSearchParams): ListPage {
  const search = query.get('search')?.toLowerCase() ?? '';
  const status = query.get('status')?.toLowerCase() ?? '';
  const serviceName = kind === 'routers' ? (query.get('serviceName') ?? '') : '';
  const middlewareName = kind === 'routers' ? (query.get('middlewareName') ?? '') : '';
  const keep = (info: RouterInfo | ServiceInfo): boolean => {
    if (status !== '' && info.status !== status) return false;
    const rule = kind === 'routers' && typeof info.config['rule'] === 'string' ? info.config['rule'] : '';
    if (search !== '' && !info.name.toLowerCase().includes(search) && !rule.toLowerCase().includes(search)) return false;
    if (serviceName !== '') {
      const service = info.config['service'];
      if (typeof service !== 'string' || qualify(service, info.provider) !== qualify(serviceName, info.provider)) return false;
    }
    if (middlewareName !== '') {
      const used = Array.isArray(info.config['middlewares']) ? info.config['middlewares'] : [];
      if (!used.some((m) => typeof m === 'string' && qualify(m, info.provider) === qualify(middlewareName, info.provider))) return false;
    }
    return true;
  };
  const kept = [...infos].filter(keep).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const perPage = positiveInt(query.get('per_page'), DEFAULT_PER_PAGE);
  const page = positiveInt(query.get('page'), 1);
  if (perPage === undefined) return { error: `invalid request: per_page: ${query.get('per_page')}` };
  if (page === undefined) return { error: `invalid request: page: ${query.get('page')}` };
  const start = (page - 1) * perPage;
  if (start !== 0 && start >= kept.length) return { error: `invalid request: page: ${page}, per_page: ${perPage}` };
  return {
    items: kept.slice(start, start + perPage).map((i) => ({ ...toJson(i as never), name: i.name, provider: i.provider })),
    nextPage: page * perPage < kept.length ? page + 1 : 1,
  };
}

function positiveInt(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function overviewJson(view: RuntimeView, providers: readonly string[], features: Json): Json {
  const count = (infos: Iterable<{ status: string }>) => {
    let total = 0, warnings = 0, errors = 0;
    for (const i of infos) {
      total++;
      if (i.status === 'warning') warnings++;
      if (i.status === 'disabled') errors++;
    }
    return { total, warnings, errors };
  };
  const zero = { total: 0, warnings: 0, errors: 0 };
  return {
    http: { routers: count(view.routers.values()), services: count(view.services.values()), middlewares: count(view.middlewares.values()) },
    tcp: { routers: zero, services: zero, middlewares: zero },
    udp: { routers: zero, services: zero },
    features,
    providers: providers.map((p) => p.charAt(0).toUpperCase() + p.slice(1)),
  };
}
