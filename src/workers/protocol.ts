/**
 * @module What crosses between the main thread and the worker threads: the worker's fixed settings
 * (Piscina `workerData`), the tasks, and the messages on each worker's control port. Everything is
 * plain structured-cloneable data; errors travel as `{ code, message }`, never as instances.
 */
import type { CertificateSpec } from '../runtime/snapshot.ts';
import type { MetricsDelta, WorkerStats } from './request-metrics.ts';
import type { AccessLogSettings } from '../logging/access-log.ts';

/**
 * How connections reach the threads. `handoff`: the main thread accepts (paused) and hands each
 * socket to the pool as a task. `reuseport`: every worker listens on the same port and the kernel
 * spreads connections. bench/workers-dispatch.ts measures both; see its results file.
 */
export type DispatchMode = 'handoff' | 'reuseport';

export interface WorkerEntryPointSettings {
  readonly name: string;
  readonly host: string | undefined;
  /** The resolved port (never 0: the main thread binds first when the configuration says 0). */
  readonly port: number;
  readonly readTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly trustedIPs: readonly string[] | undefined;
  readonly insecure: boolean;
  /** The configured port, the default X-Forwarded-Port. */
  readonly localPort: number;
  /** Entry-point-wide redirection of plain requests (`http.redirections.entryPoint`). */
  readonly redirect: { readonly scheme: string; readonly port: number; readonly permanent: boolean } | undefined;
}

export interface WorkerSettings {
  readonly mode: DispatchMode;
  readonly nodeId: string;
  readonly logLevel: string;
  /** The access log's checked settings; absent when the access log is off. */
  readonly accessLog: AccessLogSettings | undefined;
  /** Per-request counters for /metrics; off means only connection counts are kept. */
  readonly metrics: boolean;
  readonly timeouts: { readonly dialTimeoutMs: number; readonly responseHeaderTimeoutMs: number; readonly idleConnTimeoutMs: number };
  readonly entryPoints: readonly WorkerEntryPointSettings[];
  /** The node's generated default certificate (every thread presents the same one). */
  readonly defaultCertificate: CertificateSpec;
  /** This node's session-ticket keys (base64, 48 bytes): every thread must decrypt every ticket. */
  readonly ticketKeys: string;
  readonly heartbeatMs: number;
  readonly metricsIntervalMs: number;
  /** SY_DEBUG_WORKER_HEADER=1: answers carry `x-switchyard-worker: <id>`. */
  readonly debugHeader: boolean;
  /** rateLimit buckets every thread shares (middlewares/token-table.ts), allocated once by the main thread. */
  readonly middlewareTokens: SharedArrayBuffer;
  /** Threads in the pool: budgets that are not shared (inFlightReq) are split by it. */
  readonly threads: number;
}

/** A Piscina task: one accepted connection (handoff mode), or "serve until drained" (reuseport mode). */
export type WorkerTask =
  | { readonly kind: 'connection'; readonly entryPoint: string; readonly socket: unknown }
  | { readonly kind: 'serve' };

export interface HealthVerdict {
  readonly service: string;
  readonly url: string;
  readonly healthy: boolean;
}

/** Main thread → one worker, on that worker's control port. */
export type DownMessage =
  /** First message: the worker serves nothing before it has this. `id` is its slot number; `json` the full snapshot. */
  | { readonly type: 'state'; readonly id: number; readonly json: string; readonly health: readonly HealthVerdict[] }
  /** The snapshot as JSON text: serialized once for every thread (a string is copied, not walked),
   * where structured cloning a 10,000-router snapshot per thread cost ~35 ms each (bench/scale.ts). */
  | { readonly type: 'snapshot'; readonly json: string }
  /** What changed since the snapshot of the delta's `baseRevision` (runtime/snapshot-delta.ts), as JSON;
   * `revision` outside it lets a thread skip a stale delta unparsed. A thread that does not serve the
   * base revision answers `resync` and gets the full snapshot. */
  | { readonly type: 'delta'; readonly revision: number; readonly json: string }
  | { readonly type: 'health'; readonly verdict: HealthVerdict }
  /** The node's log level changed at runtime (PUT /api/log/level). */
  | { readonly type: 'log-level'; readonly level: string }
  /** Send a metrics delta now, tagged with `request`. */
  | { readonly type: 'flush'; readonly request: number }
  | { readonly type: 'drain'; readonly graceMs: number }
  /** Debug-only (SY_DEBUG_WORKER_API=1): make this worker crash, hang, or run slowly, for tests and benchmarks. */
  | { readonly type: 'debug'; readonly action: 'crash' | 'hang' | 'slow' }
  /** reuseport mode: a connection the main thread's placeholder listener took before the threads
   * listened (transferred with the message; its thread is busy with its `serve` task, so it cannot
   * come as a Piscina task). */
  | { readonly type: 'connection'; readonly entryPoint: string; readonly socket: unknown };

/** One worker → main thread. `hello` goes through Piscina's parent port; the rest on the control port. */
export type UpMessage =
  | { readonly type: 'hello'; readonly threadId: number; readonly port: unknown }
  | { readonly type: 'ready'; readonly revision: number }
  | { readonly type: 'applied'; readonly revision: number }
  /** A delta did not fit the snapshot this thread serves (`revision`): send the full one. */
  | { readonly type: 'resync'; readonly revision: number }
  | { readonly type: 'heartbeat'; readonly stats: WorkerStats }
  | { readonly type: 'metrics'; readonly request: number; readonly delta: MetricsDelta; readonly stats: WorkerStats }
  /** reuseport mode: this worker's listeners are bound and taking connections. */
  | { readonly type: 'listening' }
  /** After a `drain`: every connection is closed and the pools are shut; the thread may end. */
  | { readonly type: 'drained' }
  | { readonly type: 'listen-failed'; readonly code: string; readonly message: string };

