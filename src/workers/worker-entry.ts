/**
 * @module The code of one worker thread (Piscina's `filename`): a whole data plane of its own
 * (DataPlane, undici pools, one EntryPoint per routing entry point), fed by the main thread.
 *
 * Start-up: the module opens a control channel, sends its port to the main thread through Piscina's
 * parent port (`hello`), and waits at top level for the `state` message (snapshot and health
 * verdicts). Piscina counts a worker ready only once this module has loaded, so a replacement
 * thread takes no connection before it has the current configuration.
 *
 * Tasks: `connection` (handoff mode) serves one transferred socket and settles when it closes;
 * `serve` (reuseport mode) listens on every entry point and settles when the worker has drained.
 * The worker never talks to the store and never runs health checks.
 */
import type { Socket } from 'node:net';
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { SwitchyardError } from '../errors.ts';
import { accessLogger } from '../logging/access-log.ts';
import { DataPlane } from '../proxy/data-plane.ts';
import { EntryPoint, socketClosed } from '../proxy/entry-point.ts';
import { IpMatcher } from '../proxy/ip-matcher.ts';
import type { EntryPointSettings } from '../proxy/request-context.ts';
import type { DownMessage, UpMessage, WorkerSettings, WorkerTask } from './protocol.ts';
import type { Snapshot } from '../runtime/snapshot.ts';
import type { SnapshotDelta } from '../runtime/snapshot-delta.ts';
import { RequestMetrics } from './request-metrics.ts';

const settings = workerData as WorkerSettings;
const logger = pino({ level: settings.logLevel.toLowerCase(), base: { node: settings.nodeId, thread: threadId }, timestamp: pino.stdTimeFunctions.isoTime });

const accessLog = settings.accessLog === undefined ? undefined : accessLogger(settings.accessLog, settings.nodeId);

const entryPointSettings = new Map<string, EntryPointSettings>();
for (const ep of settings.entryPoints) {
  entryPointSettings.set(ep.name, {
    trust: { insecure: ep.insecure, trustedIPs: ep.trustedIPs === undefined ? undefined : new IpMatcher(ep.trustedIPs) },
    localPort: ep.localPort,
  });
}
const dataPlane = new DataPlane({
  middlewares: { tokens: settings.middlewareTokens, threads: settings.threads },
  timeouts: settings.timeouts,
  entryPoints: entryPointSettings,
  onRequestDone: accessLog?.record,
  generatedCertificate: settings.defaultCertificate,
  ticketKeys: Buffer.from(settings.ticketKeys, 'base64'),
  redirections: new Map(settings.entryPoints.flatMap((ep) => (ep.redirect === undefined ? [] : [[ep.name, ep.redirect] as const]))),
});
const metrics = new RequestMetrics(settings.metrics);
let workerId = 0;
const sink = metrics.sink(dataPlane, settings.debugHeader ? () => String(workerId) : () => undefined);
const entryPoints = new Map<string, EntryPoint>();
for (const ep of settings.entryPoints) {
  entryPoints.set(ep.name, new EntryPoint({
    name: ep.name,
    host: ep.host,
    port: ep.port,
    readTimeoutMs: ep.readTimeoutMs,
    idleTimeoutMs: ep.idleTimeoutMs,
    reusePort: settings.mode === 'reuseport',
    tls: dataPlane.tls,
  }, sink));
}

const { port1: control, port2 } = new MessageChannel();
const send = (message: UpMessage): void => control.postMessage(message);
let drained: Promise<void> | undefined;
let markDrained: () => void = () => {};
const drainedSignal = new Promise<void>((resolve) => (markDrained = resolve));
/** A resync was asked for: deltas are skipped until the full snapshot arrives. */
let awaitingSnapshot = false;

function stats() {
  let served = 0;
  let open = 0;
  const openByEntryPoint: Record<string, number> = {};
  for (const [name, ep] of entryPoints) {
    served += ep.connections.served;
    open += ep.connections.open;
    openByEntryPoint[name] = ep.connections.open;
  }
  return { connectionsServed: served, openConnections: open, openByEntryPoint, requestsServed: metrics.requestsServed, inFlight: metrics.inFlight, revision: dataPlane.revision };
}

async function drain(graceMs: number): Promise<void> {
  clearInterval(heartbeat);
  clearInterval(metricsTimer);
  await Promise.all([...entryPoints.values()].map((ep) => ep.drain(graceMs)));
  // The last counts of the drained requests go out before the thread is let go.
  if (settings.metrics || metrics.routed) send({ type: 'metrics', request: 0, delta: metrics.take(), stats: stats() });
  await dataPlane.close();
  await accessLog?.close();
  send({ type: 'drained' });
  markDrained();
}

function onMessage(message: DownMessage): void {
  switch (message.type) {
    case 'snapshot':
      dataPlane.apply(JSON.parse(message.json) as Snapshot);
      awaitingSnapshot = false;
      send({ type: 'applied', revision: dataPlane.revision });
      return;
    case 'delta':
      // Older than what this thread serves (a full snapshot overtook it): nothing to do.
      if (message.revision <= dataPlane.revision) return;
      if (!awaitingSnapshot && dataPlane.applyDelta(JSON.parse(message.json) as SnapshotDelta)) {
        send({ type: 'applied', revision: dataPlane.revision });
        return;
      }
      // Not this thread's base: ask once for the full snapshot, and skip deltas until it comes.
      if (!awaitingSnapshot) send({ type: 'resync', revision: dataPlane.revision });
      awaitingSnapshot = true;
      return;
    case 'health':
      dataPlane.setServerHealth(message.verdict.service, message.verdict.url, message.verdict.healthy);
      return;
    case 'log-level':
      logger.level = message.level;
      return;
    case 'flush':
      send({ type: 'metrics', request: message.request, delta: metrics.take(), stats: stats() });
      return;
    case 'drain':
      drained ??= drain(message.graceMs);
      return;
    case 'connection': {
      const socket = message.socket as Socket;
      const entryPoint = entryPoints.get(message.entryPoint);
      if (entryPoint === undefined) socket.destroy();
      else entryPoint.accept(socket);
      return;
    }
    case 'debug':
      logger.warn({ action: message.action }, 'debug request: this worker will %s', message.action);
      if (message.action === 'crash') {
        setImmediate(() => {
          throw new SwitchyardError('SY_WORKER_DEBUG_CRASH', 'worker crashed on purpose (debug API)');
        });
      } else if (message.action === 'hang') {
        setImmediate(() => {
          for (;;) {
            // Spin: the heartbeat stops, and the main thread must notice and replace this thread.
          }
        });
      } else {
        // Busy 40 ms of every 50: still alive (heartbeats pass), but a fifth of its normal speed.
        setInterval(() => {
          const until = performance.now() + 40;
          while (performance.now() < until);
        }, 10);
      }
      return;
    case 'state':
      return;
  }
}

const state = await new Promise<Extract<DownMessage, { type: 'state' }>>((resolve) => {
  control.once('message', resolve);
  parentPort!.postMessage({ type: 'hello', threadId, port: port2 } satisfies UpMessage, [port2]);
});
workerId = state.id;
dataPlane.apply(JSON.parse(state.json) as Snapshot);
for (const v of state.health) dataPlane.setServerHealth(v.service, v.url, v.healthy);
control.on('message', onMessage);
const heartbeat = setInterval(() => send({ type: 'heartbeat', stats: stats() }), settings.heartbeatMs);
const metricsTimer = setInterval(() => {
  // Per-router counts go out even without --metrics.prometheus (the dashboard's rates), but only when there are some.
  if (settings.metrics || metrics.routed) send({ type: 'metrics', request: 0, delta: metrics.take(), stats: stats() });
}, settings.metricsIntervalMs);
send({ type: 'ready', revision: dataPlane.revision });

export default async function task(work: WorkerTask): Promise<void> {
  if (work.kind === 'connection') {
    const socket = work.socket as Socket;
    const entryPoint = entryPoints.get(work.entryPoint);
    if (entryPoint === undefined) {
      socket.destroy();
      return;
    }
    await socketClosed(entryPoint.accept(socket));
    return;
  }
  try {
    await Promise.all([...entryPoints.values()].map((ep) => ep.listen()));
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'SY_LISTEN';
    send({ type: 'listen-failed', code, message: (error as Error).message });
    throw error;
  }
  send({ type: 'listening' });
  await drainedSignal;
}
