/**
 * @module The node's Prometheus registry, on the main thread, with Traefik's metric names. Request
 * counters and duration histograms are the sums of the deltas the worker threads send
 * (request-metrics.ts); requests in flight are the sum of each live worker's latest values, so a
 * dead worker's share disappears with it. Config reloads, server health and the worker counts come
 * from the main thread itself.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { GaugeValue, MetricsDelta, SeriesDelta } from './request-metrics.ts';
import { DURATION_BUCKETS } from './request-metrics.ts';
import { SummedHistogram } from './summed-histogram.ts';

export interface NodeFacts {
  /** Every load-balanced server of the applied snapshot with its health (1 up, 0 down). */
  readonly serversUp: () => Iterable<{ readonly service: string; readonly url: string; readonly up: boolean }>;
  readonly workers: () => number;
  readonly restarts: () => number;
}

interface Family {
  readonly requests: Counter;
  readonly duration: SummedHistogram;
  readonly open: Gauge;
  /** worker slot → its latest in-flight values. */
  readonly openByWorker: Map<number, readonly GaugeValue[]>;
  readonly openLabels: readonly string[];
}

export class MetricsAggregator {
  readonly registry = new Registry();
  readonly #entryPoint: Family;
  readonly #router: Family;
  readonly #service: Family;
  readonly #reloads: Counter;
  readonly #lastReload: Gauge;

  constructor(facts: NodeFacts) {
    const registers = [this.registry];
    this.#entryPoint = this.#family('entrypoint', 'an entry point', ['entrypoint'], registers);
    this.#router = this.#family('router', 'a router', ['router', 'service'], registers);
    this.#service = this.#family('service', 'a service', ['service'], registers);
    new Gauge({
      name: 'traefik_service_server_up',
      help: 'service server is up, described by gauge value of 0 or 1.',
      labelNames: ['service', 'url'],
      registers,
      collect() {
        this.reset();
        for (const s of facts.serversUp()) this.set({ service: s.service, url: s.url }, s.up ? 1 : 0);
      },
    });
    this.#reloads = new Counter({ name: 'traefik_config_reloads_total', help: 'Config reloads', registers });
    this.#lastReload = new Gauge({ name: 'traefik_config_last_reload_success', help: 'Last config reload success', registers });
    new Counter({
      name: 'switchyard_worker_restarts_total',
      help: 'Worker threads replaced after they crashed or stopped answering.',
      registers,
      collect() {
        this.reset();
        this.inc(facts.restarts());
      },
    });
    new Gauge({
      name: 'switchyard_workers',
      help: 'Worker threads serving requests.',
      registers,
      collect() {
        this.set(facts.workers());
      },
    });
  }

  /** A configuration was applied (Traefik counts successful reloads and stamps the last one, in seconds). */
  reloaded(at: number): void {
    this.#reloads.inc();
    this.#lastReload.set(Math.floor(at / 1_000));
  }

  add(slot: number, delta: MetricsDelta): void {
    addSeries(this.#entryPoint, delta.entryPoint);
    addSeries(this.#router, delta.router);
    addSeries(this.#service, delta.service);
    this.#entryPoint.openByWorker.set(slot, delta.openEntryPoint);
    this.#router.openByWorker.set(slot, delta.openRouter);
    this.#service.openByWorker.set(slot, delta.openService);
  }

  /** A worker ended: what it had in flight is gone with it. */
  dropWorker(slot: number): void {
    for (const family of [this.#entryPoint, this.#router, this.#service]) family.openByWorker.delete(slot);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #family(name: string, what: string, extra: readonly string[], registers: Registry[]): Family {
    const openLabels = ['method', 'protocol', ...extra];
    const openByWorker = new Map<number, readonly GaugeValue[]>();
    const seen = new Set<string>();
    return {
      requests: new Counter({
        name: `traefik_${name}_requests_total`,
        help: `How many HTTP requests processed on ${what}, partitioned by status code, protocol, and method.`,
        labelNames: ['code', 'method', 'protocol', ...extra],
        registers,
      }),
      duration: new SummedHistogram({
        name: `traefik_${name}_request_duration_seconds`,
        help: `How long it took to process the request on ${what}, partitioned by status code, protocol, and method.`,
        labelNames: ['code', 'method', 'protocol', ...extra],
        buckets: DURATION_BUCKETS,
        registers,
      }),
      open: new Gauge({
        name: `traefik_${name}_open_connections`,
        help: `How many open connections exist on ${what}, partitioned by method and protocol.`,
        labelNames: openLabels,
        registers,
        collect() {
          // Label sets seen once stay listed (at 0) so rates and alerts do not see gaps.
          const sums = new Map<string, { labels: Record<string, string>; value: number }>();
          for (const key of seen) sums.set(key, { labels: named(openLabels, key.split('\0')), value: 0 });
          for (const values of openByWorker.values()) {
            for (const v of values) {
              const key = v.labels.join('\0');
              seen.add(key);
              const entry = sums.get(key) ?? { labels: named(openLabels, v.labels), value: 0 };
              entry.value += v.value;
              sums.set(key, entry);
            }
          }
          this.reset();
          for (const { labels, value } of sums.values()) this.set(labels, value);
        },
      }),
      openByWorker,
      openLabels,
    };
  }
}

function addSeries(family: Family, deltas: readonly SeriesDelta[]): void {
  const names = ['code', 'method', 'protocol', ...family.openLabels.slice(2)];
  for (const d of deltas) {
    family.requests.inc(named(names, d.labels), d.count);
    family.duration.add(d.labels, d.buckets, d.sum, d.count);
  }
}

function named(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((name, i) => (out[name] = values[i] ?? ''));
  return out;
}
