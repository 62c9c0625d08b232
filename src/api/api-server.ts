/**
 * @module The `traefik` entry point: /ping, the REST API (/api/*), /metrics and the web dashboard
 * (/dashboard/). Served by the control plane, never through the proxy's data plane, so it answers
 * even when no route works.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeView } from '../runtime/build-runtime.ts';
import type { DashboardAssets } from './dashboard-assets.ts';
import { CertificateDescriptions } from './certificates-json.ts';
import type { CertificateSpec } from '../runtime/snapshot.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../logging/logger.ts';
import { listJson, middlewareJson, overviewJson, rawData, routerJson, serviceJson } from './runtime-json.ts';

export interface ApiSources {
  readonly view: () => RuntimeView;
  readonly serverStatus: (service: string) => Record<string, string>;
  readonly providers: readonly string[];
  readonly entryPoints: () => ReadonlyArray<{ name: string; address: string }>;
  readonly version: string;
  readonly api: boolean;
  readonly ping: boolean;
  readonly features: Record<string, unknown>;
  readonly cluster: () => Promise<unknown>;
  /** Prometheus text for /metrics (`--metrics.prometheus`); absent means /metrics is 404. */
  readonly metrics?: (() => Promise<{ contentType: string; body: string }>) | undefined;
  /** The worker threads, for GET /api/workers. */
  readonly workers?: (() => Promise<unknown>) | undefined;
  /**
   * POST /api/debug/workers/<id>/crash|hang|slow, only when SY_DEBUG_WORKER_API=1: tests use it
   * to kill or freeze one worker thread (a thread cannot be signalled from outside the process).
   */
  readonly debugWorker?: ((id: number, action: 'crash' | 'hang' | 'slow') => boolean) | undefined;
  /** GET/PUT /api/log/level: the node's log level, changed at runtime on every thread. */
  readonly logLevel?: { readonly get: () => string; readonly set: (level: LogLevel) => void } | undefined;
  /** The web dashboard (`--api.dashboard`, on by default with the API); absent means /dashboard/ is 404. */
  readonly dashboard?: DashboardAssets | undefined;
  /** Requests routed by each router since the node started, for GET /api/http/requests (the dashboard's rates). */
  readonly routerRequests?: (() => Promise<Readonly<Record<string, number>>>) | undefined;
  /** The certificates of the applied configuration (keys and ACME), for GET /api/tls/certificates. */
  readonly certificates?: (() => readonly CertificateSpec[]) | undefined;
}

export class ApiServer {
  readonly #server: Server;
  readonly #sources: ApiSources;
  readonly #certificates = new CertificateDescriptions();

  constructor(sources: ApiSources) {
    this.#sources = sources;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async listen(port: number, host: string | undefined): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host }, () => resolve());
    });
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://api');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const debug = req.method === 'POST' && this.#sources.debugWorker !== undefined ? /^\/api\/debug\/workers\/(\d+)\/(crash|hang|slow)$/.exec(path) : null;
    if (debug !== null) {
      const found = this.#sources.debugWorker!(Number(debug[1]), debug[2] as 'crash' | 'hang' | 'slow');
      return send(res, found ? 202 : 404, found ? { worker: Number(debug[1]), action: debug[2] } : { message: 'no such worker' });
    }
    if (path === '/api/log/level' && this.#sources.api && this.#sources.logLevel !== undefined) return this.#logLevel(req, res, this.#sources.logLevel);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { message: 'method not allowed' });
    const metrics = this.#sources.metrics;
    if (path === '/metrics' && metrics !== undefined) {
      metrics().then(({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, (error: Error) => send(res, 500, { message: error.message }));
      return;
    }
    if (path === '/ping' && this.#sources.ping) return sendText(res, 200, 'OK');
    if (this.#sources.dashboard?.serve(url.pathname, req, res)) return;
    if (!this.#sources.api || !path.startsWith('/api')) return sendText(res, 404, '404 page not found');
    const view = this.#sources.view();
    const status = this.#sources.serverStatus;
    const item = /^\/api\/http\/(routers|services|middlewares)(?:\/(.+))?$/.exec(path);
    if (item !== null) {
      const kind = item[1] as 'routers' | 'services' | 'middlewares';
      const toJson = kind === 'routers' ? routerJson : kind === 'middlewares' ? middlewareJson : (i: never) => serviceJson(i, status((i as { name: string }).name));
      if (item[2] === undefined) {
        const page = listJson(kind, view[kind].values(), toJson as (i: never) => Record<string, unknown>, url.searchParams);
        if ('error' in page) return send(res, 400, { message: page.error });
        return send(res, 200, page.items, { 'x-next-page': String(page.nextPage) });
      }
      const info = view[kind].get(decodeURIComponent(item[2]));
      if (info === undefined) return send(res, 404, { message: `${kind.slice(0, -1)} not found` });
      return send(res, 200, { ...(toJson as (i: never) => object)(info as never), name: info.name, provider: info.provider });
    }
    if (path === '/api/tls/certificates') return send(res, 200, this.#certificates.describe(this.#sources.certificates?.() ?? []));
    if (path === '/api/http/requests') {
      const totals = this.#sources.routerRequests ?? (async () => ({}));
      // The time is taken after the counts arrived, so two polls give a rate over the right interval.
      totals().then((routers) => send(res, 200, { timestamp: Date.now(), routers }), (error: Error) => send(res, 500, { message: error.message }));
      return;
    }
    if (path === '/api/cluster') {
      this.#sources.cluster().then((body) => send(res, 200, body), (error: Error) => send(res, 500, { message: error.message }));
      return;
    }
    switch (path) {
      case '/api/rawdata':
        return send(res, 200, rawData(view, status));
      case '/api/overview':
        return send(res, 200, overviewJson(view, this.#sources.providers, this.#sources.features));
      case '/api/entrypoints':
        return send(res, 200, this.#sources.entryPoints());
      case '/api/workers': {
        const workers = this.#sources.workers;
        if (workers === undefined) return send(res, 200, []);
        workers().then((body) => send(res, 200, body), (error: Error) => send(res, 500, { message: error.message }));
        return;
      }
      case '/api/version':
        return send(res, 200, { Version: this.#sources.version, Codename: 'switchyard' });
      default:
        return send(res, 404, { message: 'not found' });
    }
  }

  /** GET answers `{"level":…}`; PUT takes the same body and applies it to every thread. */
  #logLevel(req: IncomingMessage, res: ServerResponse, control: NonNullable<ApiSources['logLevel']>): void {
    if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, { level: control.get() });
    if (req.method !== 'PUT') return send(res, 405, { message: 'method not allowed: use GET or PUT' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_LOG_LEVEL_BODY) {
        send(res, 413, { message: 'body too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      let level: unknown;
      try {
        level = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { level?: unknown } | null)?.level;
      } catch {
        return send(res, 400, { code: 'SY_LOG_LEVEL', message: 'expected a JSON body such as {"level":"debug"}' });
      }
      const lower = typeof level === 'string' ? level.toLowerCase() : level;
      if (!isLogLevel(lower)) return send(res, 400, { code: 'SY_LOG_LEVEL', message: `unknown log level ${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(', ')}` });
      control.set(lower);
      send(res, 200, { level: lower });
    });
  }
}

const MAX_LOG_LEVEL_BODY = 1_024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
