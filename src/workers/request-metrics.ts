/**
 * @module Request counters kept by one worker thread: plain numbers per label set, no registry and
 * no locks. The worker sends what changed since its last send (every second, and when a scrape asks)
 * and the main thread adds those deltas into its Prometheus registry (metrics-aggregator.ts).
 * Requests in flight travel as absolute values instead: a worker that dies takes its in-flight
 * requests with it, and its share must drop out, not linger.
 *
 * With `--metrics.prometheus` off only three counters move per request (served, in flight, and the
 * router's count the dashboard's rates come from), through a listener shared by every request, so
 * the hot path pays no closure and no label work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DataPlane } from '../proxy/data-plane.ts';
import type { RequestSink } from '../proxy/entry-point.ts';
import type { RequestContext } from '../proxy/request-context.ts';
import type { FastPathPlane } from '../proxy/fast-path/fast-connection.ts';
import type { FastRequest } from '../proxy/fast-path/fast-request.ts';
import { headerValue } from '../proxy/header-list.ts';

/** Traefik's default duration buckets, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.1, 0.3, 1.2, 5];

/** One label set's change: observations, their sum, and per-bucket counts (not cumulative; last is +Inf). */
export interface SeriesDelta {
  readonly labels: readonly string[];
  readonly count: number;
  readonly sum: number;
  readonly buckets: readonly number[];
}

export interface GaugeValue {
  readonly labels: readonly string[];
  readonly value: number;
}

/**
 * Label orders: entry point `code, method, protocol, entrypoint`; router `code, method, protocol,
 * router, service`; service `code, method, protocol, service`. Open gauges drop `code`.
 */
export interface MetricsDelta {
  readonly entryPoint: readonly SeriesDelta[];
  readonly router: readonly SeriesDelta[];
  readonly service: readonly SeriesDelta[];
  readonly openEntryPoint: readonly GaugeValue[];
  readonly openRouter: readonly GaugeValue[];
  readonly openService: readonly GaugeValue[];
  /** Requests each router took since the last send (kept whether or not `--metrics.prometheus` is on). */
  readonly routerRequests: ReadonlyArray<readonly [string, number]>;
}

export interface WorkerStats {
  readonly connectionsServed: number;
  readonly openConnections: number;
  /** Open connections by entry point (Traefik v3's traefik_open_connections). */
  readonly openByEntryPoint?: Readonly<Record<string, number>> | undefined;
  readonly requestsServed: number;
  readonly inFlight: number;
  readonly revision: number;
}

class Series {
  readonly labels: readonly string[];
  count = 0;
  sum = 0;
  readonly buckets: number[] = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);

  constructor(labels: readonly string[]) {
    this.labels = labels;
  }
}

class SeriesSet {
  readonly #series = new Map<string, Series>();
  readonly #changed = new Set<Series>();

  observe(key: string, labels: () => readonly string[], seconds: number): void {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new Series(labels());
      this.#series.set(key, series);
    }
    series.count += 1;
    series.sum += seconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    series.buckets[i]! += 1;
    this.#changed.add(series);
  }

  take(): SeriesDelta[] {
    const out: SeriesDelta[] = [];
    for (const s of this.#changed) {
      out.push({ labels: s.labels, count: s.count, sum: s.sum, buckets: [...s.buckets] });
      s.count = 0;
      s.sum = 0;
      s.buckets.fill(0);
    }
    this.#changed.clear();
    return out;
  }
}

class GaugeSet {
  readonly #values = new Map<string, { labels: readonly string[]; value: number }>();

  add(key: string, labels: readonly string[], delta: number): void {
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels, value: delta });
    else entry.value += delta;
  }

  /** Every non-zero value; zeros are forgotten after being sent once. */
  values(): GaugeValue[] {
    const out: GaugeValue[] = [];
    for (const [key, entry] of this.#values) {
      out.push({ labels: entry.labels, value: entry.value });
      if (entry.value === 0) this.#values.delete(key);
    }
    return out;
  }
}

interface Open {
  readonly entryPoint: string;
  readonly method: string;
  readonly protocol: string;
  readonly router: string | undefined;
  readonly service: string | undefined;
  readonly startedAt: number;
}

export class RequestMetrics {
  readonly #detailed: boolean;
  readonly #entryPoint = new SeriesSet();
  readonly #router = new SeriesSet();
  readonly #service = new SeriesSet();
  readonly #openEntryPoint = new GaugeSet();
  readonly #openRouter = new GaugeSet();
  readonly #openService = new GaugeSet();
  #requests = 0;
  #inFlight = 0;
  #routerRequests = new Map<string, number>();

  constructor(detailed: boolean) {
    this.#detailed = detailed;
  }

  /** Wraps a data plane so every request is counted (and, for tests, tagged with the worker's id). */
  sink(dataPlane: DataPlane, workerHeader: () => string | undefined): RequestSink {
    return {
      handleRequest: (entryPoint: string, req: IncomingMessage, res: ServerResponse, tls: boolean): RequestContext | undefined => {
        const header = workerHeader();
        if (header !== undefined) res.setHeader('x-switchyard-worker', header);
        this.#inFlight += 1;
        if (!this.#detailed) {
          res.once('close', this.#doneCounting);
          const routed = dataPlane.handleRequest(entryPoint, req, res, tls);
          if (routed?.routerName !== undefined) this.#countRouter(routed.routerName);
          return routed;
        }
        const startedAt = performance.now();
        const ctx = dataPlane.handleRequest(entryPoint, req, res, tls);
        if (ctx?.routerName !== undefined) this.#countRouter(ctx.routerName);
        const open: Open = {
          entryPoint,
          method: req.method ?? 'GET',
          protocol: req.headers.accept === 'text/event-stream' ? 'sse' : 'http',
          router: ctx?.routerName,
          service: ctx?.serviceName,
          startedAt,
        };
        this.#opened(open, 1);
        res.once('close', () => this.#finished(open, res));
        return ctx;
      },
      fastPath: this.#fastPath(dataPlane.fastPath, workerHeader),
      // Upgrades become byte tunnels with no status of their own to count; they show in the
      // connection counts only.
      handleUpgrade: (entryPoint: string, req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void => {
        dataPlane.handleUpgrade(entryPoint, req, socket, head, tls);
      },
    };
  }

  /** The same counts for requests the entry points' fast path serves (it has no ServerResponse to listen to). */
  #fastPath(plane: FastPathPlane, workerHeader: () => string | undefined): FastPathPlane {
    return {
      ...plane,
      requestStarted: (ctx: FastRequest): void => {
        this.#inFlight += 1;
        if (ctx.routerName !== undefined) this.#countRouter(ctx.routerName);
        if (this.#detailed) {
          const open: Open = {
            entryPoint: ctx.entryPoint,
            method: ctx.method,
            protocol: headerValue(ctx.rawHeaders, 'accept') === 'text/event-stream' ? 'sse' : 'http',
            router: ctx.routerName,
            service: ctx.serviceName,
            startedAt: ctx.startedAt,
          };
          ctx.metricsTag = open;
          this.#opened(open, 1);
        }
        plane.requestStarted(ctx);
      },
      requestFinished: (ctx: FastRequest): void => {
        if (ctx.metricsTag === undefined) this.#doneCounting();
        else this.#finished(ctx.metricsTag as Open, ctx.res);
        plane.requestFinished(ctx);
      },
      extraHeaders: (): string => {
        const header = workerHeader();
        return header === undefined ? '' : `x-switchyard-worker: ${header}\r\n`;
      },
    };
  }

  take(): MetricsDelta {
    const routerRequests = [...this.#routerRequests];
    // A new map rather than zeroed entries: routers that were removed are forgotten.
    if (routerRequests.length > 0) this.#routerRequests = new Map();
    return {
      routerRequests,
      entryPoint: this.#entryPoint.take(),
      router: this.#router.take(),
      service: this.#service.take(),
      openEntryPoint: this.#openEntryPoint.values(),
      openRouter: this.#openRouter.values(),
      openService: this.#openService.values(),
    };
  }

  /** Whether any router took a request since the last `take()`. */
  get routed(): boolean {
    return this.#routerRequests.size > 0;
  }

  get requestsServed(): number {
    return this.#requests;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  readonly #doneCounting = (): void => {
    this.#inFlight -= 1;
    this.#requests += 1;
  };

  #countRouter(router: string): void {
    this.#routerRequests.set(router, (this.#routerRequests.get(router) ?? 0) + 1);
  }

  #opened(o: Open, delta: number): void {
    this.#openEntryPoint.add(`${o.method}\0${o.protocol}\0${o.entryPoint}`, [o.method, o.protocol, o.entryPoint], delta);
    if (o.router !== undefined && o.service !== undefined) {
      this.#openRouter.add(`${o.method}\0${o.protocol}\0${o.router}\0${o.service}`, [o.method, o.protocol, o.router, o.service], delta);
      this.#openService.add(`${o.method}\0${o.protocol}\0${o.service}`, [o.method, o.protocol, o.service], delta);
    }
  }

  #finished(o: Open, res: ServerResponse): void {
    this.#doneCounting();
    this.#opened(o, -1);
    // A client that left before any answer is counted as 499, as the access log does.
    const code = String(res.headersSent ? res.statusCode : 499);
    const seconds = (performance.now() - o.startedAt) / 1_000;
    const { method, protocol, entryPoint, router, service } = o;
    this.#entryPoint.observe(`${code}\0${method}\0${protocol}\0${entryPoint}`, () => [code, method, protocol, entryPoint], seconds);
    if (router !== undefined && service !== undefined) {
      this.#router.observe(`${code}\0${method}\0${protocol}\0${router}\0${service}`, () => [code, method, protocol, router, service], seconds);
      this.#service.observe(`${code}\0${method}\0${protocol}\0${service}`, () => [code, method, protocol, service], seconds);
    }
  }
}
