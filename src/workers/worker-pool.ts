/**
 * @module The worker threads of one node, supervised from the main thread through Piscina. Each
 * thread runs a whole data plane (worker-entry.ts). The pool keeps the latest snapshot and every
 * health verdict, sends them to each new thread before it serves (the `state` message), and
 * broadcasts every change after that.
 *
 * Supervision: Piscina replaces a thread that exits or throws. A thread whose heartbeat stops (a
 * loop that never yields) is terminated after `hangTimeoutMs`, which sends it down the same path.
 * In reuseport mode each thread holds one long `serve` task; when its thread dies the task fails
 * and is submitted again, so the replacement listens too. Each live thread gets the lowest free
 * slot number, its `id` in /api/workers and in the debug header.
 *
 * Piscina stops replacing threads for good if a new thread dies before it finishes loading
 * (`workerFailsDuringBootstrap`); that case is logged as an error and shows in `switchyard_workers`.
 */
import type { Socket } from 'node:net';
import type { MessagePort, TransferListItem, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { SwitchyardError } from '../errors.ts';
import { EMPTY_SNAPSHOT, type Snapshot } from '../runtime/snapshot.ts';
import { diffSnapshots } from '../runtime/snapshot-delta.ts';
import type { DownMessage, HealthVerdict, UpMessage, WorkerSettings, WorkerTask } from './protocol.ts';
import type { MetricsDelta, WorkerStats } from './request-metrics.ts';

export interface WorkerPoolOptions {
  readonly threads: number;
  readonly settings: WorkerSettings;
  readonly logger: Logger;
  /** A thread silent for this long is terminated and replaced. */
  readonly hangTimeoutMs: number;
  /** How long start-up may take before it fails (module loading, first state, listening). */
  readonly startTimeoutMs?: number;
  readonly onMetrics?: (slot: number, delta: MetricsDelta) => void;
  readonly onWorkerGone?: (slot: number) => void;
}

export interface WorkerInfo {
  readonly id: number;
  readonly threadId: number;
  readonly startedAt: string;
  readonly restarts: number;
  readonly revision: number;
  readonly connectionsServed: number;
  readonly openConnections: number;
  readonly requestsServed: number;
  readonly inFlight: number;
}

interface Thread {
  readonly slot: number;
  readonly threadId: number;
  readonly port: MessagePort;
  readonly startedAt: number;
  lastBeat: number;
  ready: boolean;
  listening: boolean;
  drained: boolean;
  terminating: boolean;
  stats: WorkerStats;
}

const NO_STATS: WorkerStats = { connectionsServed: 0, openConnections: 0, requestsServed: 0, inFlight: 0, revision: 0 };

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #piscina: Piscina<WorkerTask, void>;
  readonly #threads = new Map<number, Thread>();
  readonly #slotStarts = new Map<number, number>();
  readonly #health = new Map<string, HealthVerdict>();
  readonly #waiters = new Set<() => void>();
  readonly #flushes = new Map<number, { pending: Set<number>; done: () => void }>();
  readonly #supervisor: NodeJS.Timeout;
  #snapshot: Snapshot = EMPTY_SNAPSHOT;
  /** The full snapshot as JSON, made when a thread needs it (a new thread, a resync), then kept until the next snapshot. */
  #snapshotJson: string | undefined;
  /** Set once the level was changed at runtime; threads otherwise start at the configured one. */
  #logLevel: string | undefined;
  #restarts = 0;
  #nextFlush = 1;
  #nextHandOver = 0;
  #closing = false;
  #listenFailure: SwitchyardError | undefined;
  /** A thread failed before every thread was up (a module that does not load): start-up fails at once. */
  #startFailure: Error | undefined;
  #started = false;

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
    const handoff = options.settings.mode === 'handoff';
    this.#piscina = new Piscina<WorkerTask, void>({
      filename: new URL('./worker-entry.ts', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Handoff: one task per connection, as many as the thread can hold; Piscina's least-busy
      // balancer then gives each new connection to the thread with the fewest open ones.
      // Reuseport: one `serve` task per thread, for its whole life.
      concurrentTasksPerWorker: handoff ? 1_000_000 : 1,
      // Tasks stay pending while their thread serves other I/O; the default Atomics.wait would
      // freeze an idle-looking thread with open sockets.
      atomics: 'disabled',
      workerData: options.settings,
    });
    this.#piscina.on('message', (message: UpMessage) => {
      if (message.type === 'hello') this.#attach(message.threadId, message.port as MessagePort);
    });
    this.#piscina.on('error', (error: Error) => {
      if (!this.#started) {
        this.#startFailure ??= error;
        this.#wake();
      } else if (!this.#closing) options.logger.error({ err: error }, 'a worker thread failed');
    });
    this.#supervisor = setInterval(() => this.#checkHeartbeats(), options.settings.heartbeatMs);
    this.#supervisor.unref();
  }

  /** Starts the threads; resolves once every one holds the first state. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await pool.#until(() => {
        if (pool.#startFailure !== undefined) throw new SwitchyardError('SY_WORKER_START', `a worker thread failed while starting: ${pool.#startFailure.message}`, undefined, { cause: pool.#startFailure });
        return pool.#ready().length >= options.threads;
      }, options.startTimeoutMs ?? 30_000, 'the worker threads to start');
      pool.#started = true;
    } catch (error) {
      await pool.#piscina.destroy();
      clearInterval(pool.#supervisor);
      throw error;
    }
    return pool;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get size(): number {
    return this.#ready().length;
  }

  /** The oldest revision any live thread serves. */
  get appliedRevision(): number {
    const ready = this.#ready();
    return ready.length === 0 ? 0 : Math.min(...ready.map((t) => t.stats.revision));
  }

  /**
   * Threads get what changed since the snapshot they hold (a delta, a few hundred bytes for one
   * router among 10,000), or the whole snapshot when they hold none yet. One serialization for all.
   */
  apply(snapshot: Snapshot): void {
    const base = this.#snapshot;
    this.#snapshot = snapshot;
    this.#snapshotJson = undefined;
    if (base === EMPTY_SNAPSHOT) {
      this.#broadcast({ type: 'snapshot', json: this.#fullJson() });
      return;
    }
    this.#broadcast({ type: 'delta', revision: snapshot.revision, json: JSON.stringify(diffSnapshots(base, snapshot)) });
  }

  /** The snapshot the threads are given (EMPTY_SNAPSHOT before the first). */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The last health verdict for a server, undefined before any. */
  serverHealthy(service: string, url: string): boolean | undefined {
    return this.#health.get(`${service}\n${url}`)?.healthy;
  }

  /** The node's log level changed: every thread follows, and so does a thread started later. */
  setLogLevel(level: string): void {
    this.#logLevel = level;
    this.#broadcast({ type: 'log-level', level });
  }

  setServerHealth(service: string, url: string, healthy: boolean): void {
    const verdict = { service, url, healthy };
    this.#health.set(`${service}\n${url}`, verdict);
    this.#broadcast({ type: 'health', verdict });
  }

  /** Resolves once every live thread applied at least `revision` (or the timeout passed). */
  async applied(revision: number, timeoutMs = 10_000): Promise<void> {
    await this.#until(() => this.appliedRevision >= revision, timeoutMs, `revision ${revision} on every worker`);
  }

  /** Handoff mode: one accepted, paused socket becomes one task. */
  dispatch(entryPoint: string, socket: Socket): void {
    const task: WorkerTask = { kind: 'connection', entryPoint, socket };
    // Piscina's TransferList type predates transferable sockets (Node 24, nodejs/node#64225).
    this.#piscina.run(task, { transferList: [socket] as unknown as ArrayBuffer[] }).catch((error: Error) => {
      // The thread died with the connection (counted there), or the pool is closing.
      if (!socket.destroyed) socket.destroy();
      if (!this.#closing) this.#options.logger.debug({ err: error }, 'connection task ended with its worker');
    });
  }

  /**
   * Reuseport mode: a connection taken by the main thread goes straight to a listening thread, in
   * turn (the threads' `serve` tasks hold Piscina's one task slot each, so a `connection` task
   * would wait for ever).
   */
  handOver(entryPoint: string, socket: Socket): void {
    const listening = this.#ready().filter((t) => t.listening);
    if (listening.length === 0) {
      socket.destroy();
      return;
    }
    const thread = listening[this.#nextHandOver++ % listening.length]!;
    thread.port.postMessage({ type: 'connection', entryPoint, socket } satisfies DownMessage, [socket as unknown as TransferListItem]);
  }

  /** Reuseport mode: every thread listens; resolves once all of them do. */
  async serve(): Promise<void> {
    for (let i = 0; i < this.#options.threads; i++) this.#runServe();
    await this.#until(() => {
      if (this.#listenFailure !== undefined) throw this.#listenFailure;
      return this.#ready().filter((t) => t.listening).length >= this.#options.threads;
    }, this.#options.startTimeoutMs ?? 30_000, 'the worker threads to listen');
  }

  /** Asks every thread for its counters now; resolves when all answered or after `timeoutMs`. */
  async flushMetrics(timeoutMs = 250): Promise<void> {
    const request = this.#nextFlush++;
    const pending = new Set(this.#ready().map((t) => t.threadId));
    if (pending.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#flushes.set(request, { pending, done });
      this.#broadcast({ type: 'flush', request });
    });
    this.#flushes.delete(request);
  }

  workers(): WorkerInfo[] {
    return this.#ready()
      .sort((a, b) => a.slot - b.slot)
      .map((t) => ({
        id: t.slot,
        threadId: t.threadId,
        startedAt: new Date(t.startedAt).toISOString(),
        restarts: (this.#slotStarts.get(t.slot) ?? 1) - 1,
        revision: t.stats.revision,
        connectionsServed: t.stats.connectionsServed,
        openConnections: t.stats.openConnections,
        requestsServed: t.stats.requestsServed,
        inFlight: t.stats.inFlight,
      }));
  }

  /** Debug API only: makes the thread in slot `id` crash, hang, or run slowly. False when there is no such thread. */
  /** Open client connections by entry point, summed over the live threads' latest reports. */
  openConnections(): Map<string, number> {
    const sums = new Map<string, number>();
    for (const t of this.#ready()) for (const [name, open] of Object.entries(t.stats.openByEntryPoint ?? {})) sums.set(name, (sums.get(name) ?? 0) + open);
    return sums;
  }

  debug(id: number, action: 'crash' | 'hang' | 'slow'): boolean {
    const thread = this.#ready().find((t) => t.slot === id);
    if (thread === undefined) return false;
    thread.port.postMessage({ type: 'debug', action } satisfies DownMessage);
    return true;
  }

  /**
   * Every thread stops accepting and finishes its in-flight requests within `graceMs`, then the
   * threads end. Resolves when all are done.
   */
  async drain(graceMs: number): Promise<void> {
    this.#closing = true;
    clearInterval(this.#supervisor);
    this.#broadcast({ type: 'drain', graceMs });
    await this.#until(() => this.#ready().every((t) => t.drained), graceMs + 2_000, 'the workers to drain').catch((error: Error) => {
      this.#options.logger.warn({ err: error }, 'some worker threads did not drain in time; terminating them');
    });
    await this.#piscina.destroy();
    for (const thread of this.#threads.values()) thread.port.close();
    this.#threads.clear();
  }

  #ready(): Thread[] {
    return [...this.#threads.values()].filter((t) => t.ready);
  }

  #fullJson(): string {
    this.#snapshotJson ??= JSON.stringify(this.#snapshot);
    return this.#snapshotJson;
  }

  #broadcast(message: DownMessage): void {
    for (const thread of this.#threads.values()) thread.port.postMessage(message);
  }

  #attach(threadId: number, port: MessagePort): void {
    let slot = 1;
    const used = new Set([...this.#threads.values()].map((t) => t.slot));
    while (used.has(slot)) slot++;
    this.#slotStarts.set(slot, (this.#slotStarts.get(slot) ?? 0) + 1);
    const thread: Thread = { slot, threadId, port, startedAt: Date.now(), lastBeat: Date.now(), ready: false, listening: false, drained: false, terminating: false, stats: NO_STATS };
    this.#threads.set(threadId, thread);
    port.on('message', (message: UpMessage) => this.#onMessage(thread, message));
    port.once('close', () => this.#detach(thread));
    // Snapshot and health first: the thread serves nothing before it has them.
    port.postMessage({ type: 'state', id: slot, json: this.#fullJson(), health: [...this.#health.values()] } satisfies DownMessage);
    if (this.#logLevel !== undefined) port.postMessage({ type: 'log-level', level: this.#logLevel } satisfies DownMessage);
    if (this.#closing) port.postMessage({ type: 'drain', graceMs: 0 } satisfies DownMessage);
  }

  #detach(thread: Thread): void {
    if (this.#threads.get(thread.threadId) !== thread) return;
    this.#threads.delete(thread.threadId);
    for (const flush of this.#flushes.values()) {
      flush.pending.delete(thread.threadId);
      if (flush.pending.size === 0) flush.done();
    }
    this.#options.onWorkerGone?.(thread.slot);
    if (!this.#closing) {
      this.#restarts += 1;
      this.#options.logger.warn({ worker: thread.slot, threadId: thread.threadId }, 'a worker thread ended; a new one replaces it');
      setTimeout(() => {
        if (!this.#closing && this.#piscina.threads.length < this.#options.threads) {
          this.#options.logger.error({ threads: this.#piscina.threads.length, wanted: this.#options.threads }, 'worker threads are not being replaced (a new thread failed while starting)');
        }
      }, this.#options.hangTimeoutMs).unref();
    }
    this.#wake();
  }

  #onMessage(thread: Thread, message: UpMessage): void {
    thread.lastBeat = Date.now();
    switch (message.type) {
      case 'ready':
        thread.ready = true;
        thread.stats = { ...thread.stats, revision: message.revision };
        break;
      case 'applied':
        thread.stats = { ...thread.stats, revision: message.revision };
        break;
      case 'resync':
        this.#options.logger.debug({ worker: thread.slot, revision: message.revision, current: this.#snapshot.revision }, 'a worker thread missed a delta; sending it the full snapshot');
        thread.port.postMessage({ type: 'snapshot', json: this.#fullJson() } satisfies DownMessage);
        break;
      case 'heartbeat':
        thread.stats = message.stats;
        break;
      case 'metrics': {
        thread.stats = message.stats;
        this.#options.onMetrics?.(thread.slot, message.delta);
        const flush = this.#flushes.get(message.request);
        if (flush !== undefined) {
          flush.pending.delete(thread.threadId);
          if (flush.pending.size === 0) flush.done();
        }
        break;
      }
      case 'listening':
        thread.listening = true;
        break;
      case 'listen-failed':
        this.#listenFailure = new SwitchyardError('SY_LISTEN', `a worker thread cannot listen: ${message.code} ${message.message}`);
        break;
      case 'drained':
        thread.drained = true;
        break;
      case 'hello':
        break;
    }
    this.#wake();
  }

  #runServe(): void {
    this.#piscina.run({ kind: 'serve' }).catch((error: Error) => {
      if (this.#closing) return;
      // The thread died (or could not listen); its replacement picks this task up.
      this.#options.logger.debug({ err: error }, 'serve task ended; submitting it again');
      setTimeout(() => this.#runServe(), this.#listenFailure === undefined ? 0 : 1_000).unref();
    });
  }

  #lastCheck = Date.now();

  #checkHeartbeats(): void {
    const now = Date.now();
    // This check itself ran late: the whole process was paused (SIGSTOP, a frozen VM, a long GC),
    // so the threads' silence says nothing about them. Give every thread a fresh start.
    const late = now - this.#lastCheck > this.#options.hangTimeoutMs / 2;
    this.#lastCheck = now;
    if (late) {
      for (const thread of this.#threads.values()) thread.lastBeat = now;
      return;
    }
    for (const thread of this.#threads.values()) {
      if (thread.terminating || now - thread.lastBeat < this.#options.hangTimeoutMs) continue;
      thread.terminating = true;
      this.#options.logger.error({ worker: thread.slot, threadId: thread.threadId, silentMs: now - thread.lastBeat }, 'a worker thread stopped answering; terminating it');
      const worker: Worker | undefined = this.#piscina.threads.find((w) => w.threadId === thread.threadId);
      void worker?.terminate();
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  async #until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        try {
          if (!condition()) return;
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new SwitchyardError('SY_WORKER_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }
}
