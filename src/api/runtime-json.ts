/**
 * @module The runtime view as JSON shaped like Traefik's API (`/api/rawdata`, `/api/http/*`,
 * `/api/overview`): each object's configuration, `status`, `using`/`usedBy`, and `error` as a list
 * of strings; plus our `errors` with the stable code and the key at fault.
 */
import type { ProblemData } from '../errors.ts';
import type { RouterInfo, RuntimeView, ServiceInfo } from '../runtime/build-runtime.ts';

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

export function routerJson(info: RouterInfo): Json {
  return withStatus(info, { using: info.using });
}

export function serviceJson(info: ServiceInfo, serverStatus?: Record<string, string>): Json {
  const extra: Json = { usedBy: info.usedBy };
  if (serverStatus !== undefined && Object.keys(serverStatus).length > 0) extra.serverStatus = serverStatus;
  return withStatus(info, extra);
}

export function rawData(view: RuntimeView, serverStatus: (service: string) => Record<string, string>): Json {
  return {
    routers: Object.fromEntries([...view.routers].map(([n, i]) => [n, routerJson(i)])),
    services: Object.fromEntries([...view.services].map(([n, i]) => [n, serviceJson(i, serverStatus(n))])),
    middlewares: Object.fromEntries([...view.middlewares].map(([n, i]) => [n, serviceJson(i)])),
    problems: view.problems,
    revision: view.revision,
  };
}

/** Sorted list form of `/api/http/<kind>`, with `name` and `provider` on each item. */
export function listJson(infos: Iterable<RouterInfo | ServiceInfo>, toJson: (i: never) => Json, query: URLSearchParams): Json[] {
  const search = query.get('search')?.toLowerCase();
  const status = query.get('status');
  return [...infos]
    .filter((i) => (status === null || i.status === status) && (search === undefined || i.name.toLowerCase().includes(search)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((i) => ({ ...toJson(i as never), name: i.name, provider: i.provider }));
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
