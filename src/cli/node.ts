/**
 * @module One Switchyard node, wired by hand: static configuration → providers → control plane →
 * worker threads (each a data plane with its own entry points), plus health checks and the API on
 * the `traefik` entry point, which stay on the main thread. `startNode` is what `switchyard run`
 * calls and what in-process tests use; both run the real worker threads.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import type { Logger } from 'pino';
import { ApiServer } from '../api/api-server.ts';
import { DashboardAssets } from '../api/dashboard-assets.ts';
import { accessLogSettings } from '../logging/access-log.ts';
import { setLogLevel } from '../logging/logger.ts';
import { registerNodeMetrics } from '../metrics/node-metrics.ts';
import type { CertificateSpec } from '../runtime/snapshot.ts';
import type { StaticConfig } from '../config/static-schema.ts';
import { StaticConfigError } from '../errors.ts';
import { listenOrExplain, parseListenAddress } from '../proxy/entry-point.ts';
import { HealthMonitor } from '../proxy/health-monitor.ts';
import { IpMatcher } from '../proxy/ip-matcher.ts';
import { FileProvider } from '../providers/file.ts';
import { StoreProvider } from '../providers/store-provider.ts';
import { EtcdStore } from '../stores/etcd-store.ts';
import { ConsulStore } from '../stores/consul-store.ts';
import type { KvStore } from '../stores/store.ts';
import { NodeRegistry } from '../cluster/node-registry.ts';
import { readCluster } from '../cluster/cluster-view.ts';
import type { ConfigProvider } from '../providers/provider.ts';
import { ControlPlane } from '../runtime/control-plane.ts';
import { VERSION } from '../version.ts';
import { selfSignedCertificate } from '../tls/self-signed.ts';
import { ClusterTls } from '../acme/cluster-tls.ts';
import { dispatchModeFromEnv, WorkerDataPlane, type WorkerEntryPointConfig } from '../workers/worker-data-plane.ts';

export const API_ENTRY_POINT = 'traefik';
const DEFAULT_API_ADDRESS = '127.0.0.1:8080';

export interface RunningNode {
  readonly nodeId: string;
  readonly ports: ReadonlyMap<string, number>;
  readonly controlPlane: ControlPlane;
  /** The oldest revision every worker thread serves (tests wait on it after a config change). */
  appliedRevision(): number;
  /** Drains the entry points (in-flight requests finish, up to `graceMs`), then stops everything. */
  stop(graceMs?: number): Promise<void>;
}

export function nodeIdOf(config: StaticConfig): string {
  return config.cluster.nodeId ?? `${hostname()}-${process.pid}`;
}

export interface ConfiguredProviders {
  readonly providers: ConfigProvider[];
  /** The store provider, when the node reads from etcd or Consul (at most one). */
  readonly store: { readonly store: KvStore & { explain(e: unknown): Error }; readonly provider: StoreProvider; readonly rootKey: string } | undefined;
}

export function providersOf(config: StaticConfig, logger: Logger): ConfiguredProviders {
  const providers: ConfigProvider[] = [];
  let store: ConfiguredProviders['store'];
  const file = config.providers.file;
  if (file?.filename !== undefined) {
    providers.push(new FileProvider({ filename: file.filename, watch: file.watch, debounceMs: Math.max(config.providers.providersThrottleDuration, 20), logger }));
  }
  const etcd = config.providers.etcd;
  if (etcd !== undefined) {
    const client = new EtcdStore({ endpoints: etcd.endpoints, username: etcd.username, password: etcd.password, tls: etcd.tls, flagPrefix: '--providers.etcd' });
    const provider = new StoreProvider({ name: 'etcd', store: client, rootKey: etcd.rootKey, logger, snapshotFile: config.cluster.snapshotFile, explain: (e) => client.explain(e) });
    providers.push(provider);
    store = { store: client, provider, rootKey: etcd.rootKey };
  }
  const consul = config.providers.consul;
  if (consul !== undefined) {
    if (store !== undefined) throw new StaticConfigError('--providers.consul.endpoints: use either the etcd or the Consul provider, not both', '--providers.consul.endpoints');
    const client = new ConsulStore({ endpoints: consul.endpoints, token: consul.token, tls: consul.tls, flagPrefix: '--providers.consul' });
    const provider = new StoreProvider({ name: 'consul', store: client, rootKey: consul.rootKey, logger, snapshotFile: config.cluster.snapshotFile, explain: (e) => client.explain(e) });
    providers.push(provider);
    store = { store: client, provider, rootKey: consul.rootKey };
  }
  return { providers, store };
}

export async function startNode(config: StaticConfig, logger: Logger): Promise<RunningNode> {
  const nodeId = nodeIdOf(config);
  const routing = Object.entries(config.entryPoints).filter(([name]) => name !== API_ENTRY_POINT);
  if (routing.length === 0 && config.entryPoints[API_ENTRY_POINT] === undefined) routing.push(['http', { address: ':80' }]);
  const workerEntryPoints: WorkerEntryPointConfig[] = [];
  for (const [name, ep] of routing) {
    const trusted = ep.forwardedHeaders?.trustedIPs;
    // Parsed here so a bad range fails start-up naming its flag; the workers get the checked list.
    if (trusted !== undefined && trusted.length > 0) new IpMatcher(trusted, `--entryPoints.${name}.forwardedHeaders.trustedIPs`);
    const { host, port } = parseListenAddress(ep.address);
    const rt = ep.transport?.respondingTimeouts;
    workerEntryPoints.push({
      name,
      address: ep.address,
      host,
      port,
      readTimeoutMs: rt?.readTimeout ?? 60_000,
      idleTimeoutMs: rt?.idleTimeout ?? 180_000,
      trustedIPs: trusted === undefined || trusted.length === 0 ? undefined : trusted,
      insecure: ep.forwardedHeaders?.insecure ?? false,
      localPort: port,
      redirect: redirectionOf(config, ep, name),
    });
  }
  const timeouts = config.serversTransport.forwardingTimeouts;
  const metricsEnabled = config.metrics?.prometheus === true;
  let dataPlane: WorkerDataPlane | undefined;
  // The threads start while the store is listed: what comes before they are up is handed over then.
  let firstSnapshot: Parameters<WorkerDataPlane['apply']>[0] | undefined;
  const earlyVerdicts: Array<[service: string, url: string, healthy: boolean]> = [];
  const health = new HealthMonitor((service, url, healthy) => {
    logger.warn({ service, server: url, healthy }, healthy ? 'server is healthy again' : 'server failed its health check');
    if (dataPlane === undefined) earlyVerdicts.push([service, url, healthy]);
    else dataPlane.setServerHealth(service, url, healthy);
  });
  const { providers, store } = providersOf(config, logger);
  const startedAt = new Date().toISOString();
  const addresses: Record<string, string> = {};
  const registry = store === undefined ? undefined : new NodeRegistry({
    store: store.store,
    stateKey: config.cluster.stateKey,
    ttlMs: config.cluster.lockTTL,
    logger,
    record: () => ({
      id: nodeId,
      version: VERSION,
      addresses,
      appliedRevision: String(store.provider.status.revision),
      source: store.provider.status.source,
      startedAt,
      certificates: clusterTls?.state.certificates.map((c) => c.certId) ?? [],
    }),
  });
  // For /metrics: the store revision each built configuration came from, and its certificates.
  const storeRevisionOf = new Map<number, bigint>();
  let servedCertificates: readonly CertificateSpec[] = [];
  const asDefault = routing.filter(([, ep]) => ep.asDefault === true).map(([n]) => n);
  // Certificates and challenge answers live in the store under stateKey; without a store there are none.
  const clusterTls = store === undefined ? undefined : new ClusterTls({ config, store: store.store, rootKey: store.rootKey, nodeId, logger, onChange: () => controlPlane.refresh(), explain: (e) => store.store.explain(e) });
  const controlPlane = new ControlPlane({
    providers,
    entryPoints: routing.map(([n]) => n),
    defaultEntryPoints: asDefault.length > 0 ? asDefault : routing.map(([n]) => n),
    defaultRuleSyntax: config.core.defaultRuleSyntax,
    throttleMs: config.providers.providersThrottleDuration,
    logger,
    onSnapshot: (snapshot, view) => {
      servedCertificates = snapshot.tls.certificates;
      if (store !== undefined) {
        storeRevisionOf.set(snapshot.revision, store.provider.status.revision);
        // Only revisions the threads may still be catching up to matter; keep a short history.
        if (storeRevisionOf.size > 64) storeRevisionOf.delete(storeRevisionOf.keys().next().value!);
      }
      if (dataPlane === undefined) firstSnapshot = snapshot;
      else dataPlane.apply(snapshot);
      health.reconcile(snapshot);
      registry?.changed();
      clusterTls?.routersChanged(view);
    },
    cluster: clusterTls === undefined ? undefined : () => clusterTls.snapshotPart(),
    resolvers: new Set(Object.keys(config.certificatesResolvers)),
  });

  const ports = new Map<string, number>();
  let api: ApiServer | undefined;
  try {
    // The store is listed and the first configuration built while the threads load their code
    // (bench/scale.ts: the two took turns before, each waiting for the other).
    const configured = (async () => {
      await clusterTls?.start();
      await controlPlane.start();
    })();
    configured.catch(() => {}); // awaited below; a failure while the threads start must not go unhandled
    const workers = await WorkerDataPlane.start({
      threads: config.workers === 'auto' ? availableParallelism() : config.workers,
      mode: dispatchModeFromEnv(process.env),
      nodeId,
      logLevel: config.log.level,
      accessLog: accessLogSettings(config.accessLog),
      metrics: metricsEnabled,
      timeouts: { dialTimeoutMs: timeouts.dialTimeout, responseHeaderTimeoutMs: timeouts.responseHeaderTimeout, idleConnTimeoutMs: timeouts.idleConnTimeout },
      entryPoints: workerEntryPoints,
      defaultCertificate: { id: 'generated', ...(await selfSignedCertificate('TRAEFIK DEFAULT CERT', [], 365)) },
      ticketKeys: randomBytes(48).toString('base64'),
      logger,
      debugHeader: process.env.SY_DEBUG_WORKER_HEADER === '1',
    });
    dataPlane = workers;
    if (firstSnapshot !== undefined) workers.apply(firstSnapshot);
    for (const [service, url, healthy] of earlyVerdicts) workers.setServerHealth(service, url, healthy);
    if (workers.metrics !== undefined) {
      registerNodeMetrics(workers.metrics.registry, {
        store: store === undefined ? undefined : {
          name: store.provider.name,
          status: () => ({ revision: store.provider.status.revision, connected: store.provider.status.state === 'connected' }),
          appliedRevision: () => storeRevisionOf.get(workers.pool.appliedRevision),
        },
        isLeader: clusterTls === undefined ? undefined : () => clusterTls.isLeader,
        certificates: () => servedCertificates,
        openConnections: () => workers.pool.openConnections(),
      });
    }
    for (const [name, bound] of workers.bound) {
      ports.set(name, bound.port);
      addresses[name] = bound.address;
    }
    const apiEnabled = config.api !== undefined && config.api !== false;
    const pingEnabled = config.ping === true;
    if (apiEnabled || pingEnabled || metricsEnabled) {
      const address = config.entryPoints[API_ENTRY_POINT]?.address ?? DEFAULT_API_ADDRESS;
      const { host, port } = parseListenAddress(address);
      api = new ApiServer({
        view: () => controlPlane.view,
        serverStatus: (service) => health.serverStatus(service),
        providers: providers.map((p) => p.name),
        entryPoints: () => [...routing.map(([name, ep]) => ({ name, address: ep.address })), { name: API_ENTRY_POINT, address }],
        version: VERSION,
        api: apiEnabled,
        ping: pingEnabled,
        features: { tracing: '', metrics: metricsEnabled ? 'prometheus' : '', accessLog: config.accessLog !== undefined && config.accessLog !== false },
        metrics: metricsEnabled ? () => workers.renderMetrics() : undefined,
        workers: () => workers.workers(),
        logLevel: {
          get: () => logger.level,
          set: (level) => {
            const from = logger.level;
            const announce = (): void => logger.warn({ from, to: level }, 'log level changed through the API');
            // Said under whichever of the two levels lets a warning through.
            const louder = logger.levels.values[level]! <= logger.levels.values[from]!;
            if (!louder) announce();
            setLogLevel(logger, level);
            workers.pool.setLogLevel(level);
            if (louder) announce();
          },
        },
        // Traefik's default: the dashboard comes with the API unless `--api.dashboard=false`.
        dashboard: apiEnabled && (typeof config.api !== 'object' || config.api.dashboard) ? DashboardAssets.load() : undefined,
        routerRequests: () => workers.routerRequests(),
        certificates: () => servedCertificates,
        debugWorker: process.env.SY_DEBUG_WORKER_API === '1' ? (id, action) => workers.pool.debug(id, action) : undefined,
        cluster: async () => {
          const local = {
            nodeId,
            appliedRevision: store === undefined ? String(controlPlane.view.revision) : String(store.provider.status.revision),
            store: store === undefined ? null : { kind: store.store.kind, state: store.provider.status.state, source: store.provider.status.source, since: new Date(store.provider.status.since).toISOString() },
          };
          if (store === undefined) return { ...local, nodes: [], leader: null };
          try {
            return { ...local, ...(await readCluster(store.store, config.cluster.stateKey, store.rootKey)) };
          } catch (error) {
            return { ...local, nodes: [], leader: null, error: store.store.explain(error).message };
          }
        },
      });
      ports.set(API_ENTRY_POINT, (await listenOrExplain(() => api!.listen(port, host), API_ENTRY_POINT, address)).port);
    }
    await configured;
    // Every thread serves the first configuration before a connection reaches one, and before the
    // node counts as started.
    await workers.pool.applied(controlPlane.view.revision);
    await workers.open();
    await registry?.start();
    clusterTls?.startLeadership();
  } catch (error) {
    await Promise.allSettled([dataPlane?.drain(0), api?.close(), controlPlane.stop(), clusterTls?.stop(), registry?.stop(), health.close()]);
    await store?.store.close();
    throw error;
  }
  const workers = dataPlane!;
  logger.info({ nodeId, version: VERSION, entryPoints: Object.fromEntries(ports), workers: workers.pool.size, dispatch: workers.mode }, 'switchyard node started');

  return {
    nodeId,
    ports,
    controlPlane,
    appliedRevision: () => workers.pool.appliedRevision,
    async stop(graceMs = 10_000) {
      await controlPlane.stop();
      await clusterTls?.stop().catch(() => {});
      // Leave the registry first so peers and `status` stop counting this node while it drains.
      await registry?.stop().catch(() => {});
      await workers.drain(graceMs);
      await Promise.allSettled([api?.close(), health.close()]);
      await store?.store.close();
    },
  };
}

/** `--entryPoints.<name>.http.redirections.entryPoint.to=<target>`: where plain requests go instead. */
function redirectionOf(config: StaticConfig, ep: StaticConfig['entryPoints'][string], name: string): { scheme: string; port: number; permanent: boolean } | undefined {
  const redirection = ep.http?.redirections?.entryPoint;
  if (redirection === undefined) return undefined;
  const target = config.entryPoints[redirection.to];
  if (target === undefined) {
    throw new StaticConfigError(`--entryPoints.${name}.http.redirections.entryPoint.to: redirects to entry point "${redirection.to}", which is not defined`, `--entryPoints.${name}.http.redirections.entryPoint.to`);
  }
  return { scheme: redirection.scheme, port: parseListenAddress(target.address).port, permanent: redirection.permanent };
}
