/**
 * @module The node's data plane as the main thread sees it: worker threads that do all the proxying
 * (worker-pool.ts), the listeners that get connections to them (handoff-listener.ts), and the
 * metrics they report (metrics-aggregator.ts). The main thread only forwards snapshots and health
 * verdicts; it never parses or proxies a request.
 *
 * Dispatch mode: `handoff` unless SY_WORKER_DISPATCH=reuseport (Linux and FreeBSD only; not a
 * SWITCHYARD_* name, since those are static-configuration variables). bench/workers-dispatch.ts
 * measured both (bench/results/workers-dispatch.txt, docs/workers.md): reuseport costs less CPU per
 * request when every thread is healthy, but the kernel keeps hashing connections onto a stalled
 * thread, and with one slowed worker it fell to 61 req/s with timeouts where handoff kept 1,365
 * req/s, because Piscina gives each connection to the thread with the fewest open ones.
 */
import type { AccessLogSettings } from '../logging/access-log.ts';
import type { Logger } from 'pino';
import type { CertificateSpec, Snapshot } from '../runtime/snapshot.ts';
import { listenOrExplain } from '../proxy/entry-point.ts';
import { SwitchyardError } from '../errors.ts';
import { HandoffListener } from './handoff-listener.ts';
import { TokenTable } from '../middlewares/token-table.ts';
import { MetricsAggregator } from './metrics-aggregator.ts';
import type { DispatchMode, WorkerEntryPointSettings, WorkerSettings } from './protocol.ts';
import { WorkerPool, type WorkerInfo } from './worker-pool.ts';

export interface WorkerEntryPointConfig extends Omit<WorkerEntryPointSettings, 'port'> {
  /** As configured: `127.0.0.1:0`, `:80`… */
  readonly address: string;
  readonly port: number;
}

export interface WorkerDataPlaneOptions {
  readonly threads: number;
  readonly mode: DispatchMode;
  readonly nodeId: string;
  readonly logLevel: string;
  readonly accessLog: AccessLogSettings | undefined;
  readonly metrics: boolean;
  readonly timeouts: WorkerSettings['timeouts'];
  readonly entryPoints: readonly WorkerEntryPointConfig[];
  readonly defaultCertificate: CertificateSpec;
  readonly ticketKeys: string;
  readonly logger: Logger;
  readonly debugHeader: boolean;
  readonly heartbeatMs?: number;
  readonly hangTimeoutMs?: number;
}

/** Linux (and a few BSDs) let sockets share a port; elsewhere `listen({ reusePort })` throws. */
const REUSEPORT_PLATFORMS: ReadonlySet<string> = new Set(['linux', 'freebsd']);

export function dispatchModeFromEnv(env: NodeJS.ProcessEnv): DispatchMode {
  return env.SY_WORKER_DISPATCH === 'reuseport' && REUSEPORT_PLATFORMS.has(process.platform) ? 'reuseport' : 'handoff';
}

export class WorkerDataPlane {
  readonly pool: WorkerPool;
  readonly metrics: MetricsAggregator | undefined;
  /** Entry point → bound port and address text (`127.0.0.1:8000`). */
  readonly bound: ReadonlyMap<string, { readonly port: number; readonly address: string }>;
  readonly #listeners: readonly HandoffListener[];
  readonly #mode: DispatchMode;
  /** Router → requests it took since the node started, summed from the threads' deltas. */
  readonly #routerRequests = new Map<string, number>();

  private constructor(pool: WorkerPool, metrics: MetricsAggregator | undefined, listeners: HandoffListener[], bound: Map<string, { port: number; address: string }>, mode: DispatchMode) {
    this.pool = pool;
    this.metrics = metrics;
    this.#listeners = listeners;
    this.bound = bound;
    this.#mode = mode;
  }

  /**
   * Binds every entry point on the main thread first (a port in use fails here, with the flag to
   * fix) and starts the threads; `open` then lets connections through.
   */
  static async start(options: WorkerDataPlaneOptions): Promise<WorkerDataPlane> {
    const listeners: HandoffListener[] = [];
    const bound = new Map<string, { port: number; address: string }>();
    let pool: WorkerPool | undefined;
    try {
      for (const ep of options.entryPoints) {
        const listener = new HandoffListener(ep.name, options.mode === 'reuseport');
        const address = await listenOrExplain(() => listener.listen(ep.host, ep.port), ep.name, ep.address);
        listeners.push(listener);
        bound.set(ep.name, { port: address.port, address: `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` });
      }
      let plane: WorkerDataPlane | undefined;
      const metrics = options.metrics
        ? new MetricsAggregator({
          serversUp: () => (plane === undefined ? [] : plane.#serversUp()),
          workers: () => plane?.pool.size ?? 0,
          restarts: () => plane?.pool.restarts ?? 0,
        })
        : undefined;
      pool = await WorkerPool.start({
        threads: options.threads,
        logger: options.logger,
        hangTimeoutMs: options.hangTimeoutMs ?? 5_000,
        settings: {
          mode: options.mode,
          nodeId: options.nodeId,
          logLevel: options.logLevel,
          accessLog: options.accessLog,
          metrics: options.metrics,
          timeouts: options.timeouts,
          entryPoints: options.entryPoints.map((ep) => ({ ...ep, port: bound.get(ep.name)!.port })),
          defaultCertificate: options.defaultCertificate,
          ticketKeys: options.ticketKeys,
          heartbeatMs: options.heartbeatMs ?? 500,
          metricsIntervalMs: 1_000,
          debugHeader: options.debugHeader,
          middlewareTokens: new SharedArrayBuffer(TokenTable.BYTES),
          threads: options.threads,
        },
        onMetrics: (slot, delta) => {
          metrics?.add(slot, delta);
          if (plane !== undefined) for (const [router, count] of delta.routerRequests) plane.#routerRequests.set(router, (plane.#routerRequests.get(router) ?? 0) + count);
        },
        onWorkerGone: (slot) => metrics?.dropWorker(slot),
      });
      plane = new WorkerDataPlane(pool, metrics, listeners, bound, options.mode);
      return plane;
    } catch (error) {
      for (const listener of listeners) listener.close();
      await pool?.drain(0);
      throw error;
    }
  }

  /**
   * Lets connections through, once every thread serves the first configuration (a connection served
   * before would get a 404 for a route the node has): until then the main thread's listeners hold
   * what they accept, paused. Handoff: the listeners hand each connection to the threads from now
   * on. Reuseport: the threads join the port, the main thread's listeners hand over what they held
   * and close.
   */
  async open(): Promise<void> {
    if (this.#mode === 'reuseport') {
      await this.pool.serve();
      const handOver = this.pool.handOver.bind(this.pool);
      for (const listener of this.#listeners) {
        listener.attach(handOver);
        listener.close();
      }
      return;
    }
    const dispatch = this.pool.dispatch.bind(this.pool);
    for (const listener of this.#listeners) listener.attach(dispatch);
  }

  get mode(): DispatchMode {
    return this.#mode;
  }

  apply(snapshot: Snapshot): void {
    this.metrics?.reloaded(Date.now());
    this.pool.apply(snapshot);
  }

  setServerHealth(service: string, url: string, healthy: boolean): void {
    this.pool.setServerHealth(service, url, healthy);
  }

  /** Each worker with counters fresh from the thread (not the last heartbeat's). */
  async workers(): Promise<WorkerInfo[]> {
    await this.pool.flushMetrics();
    return this.pool.workers();
  }

  /** Requests each router took since the node started, with the threads' latest counts. */
  async routerRequests(): Promise<Record<string, number>> {
    await this.pool.flushMetrics();
    return Object.fromEntries(this.#routerRequests);
  }

  async renderMetrics(): Promise<{ contentType: string; body: string }> {
    if (this.metrics === undefined) throw new SwitchyardError('SY_METRICS_DISABLED', 'metrics are off (--metrics.prometheus)');
    await this.pool.flushMetrics();
    return this.metrics.render();
  }

  /** Stops accepting (main-thread listeners first), then every worker finishes its requests within `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    for (const listener of this.#listeners) listener.close();
    await this.pool.drain(graceMs);
  }

  *#serversUp(): Iterable<{ service: string; url: string; up: boolean }> {
    for (const [service, spec] of Object.entries(this.pool.snapshot.services)) {
      if (spec.kind !== 'loadBalancer') continue;
      for (const server of spec.servers) yield { service, url: server.url, up: this.pool.serverHealthy(service, server.url) ?? true };
    }
  }
}
