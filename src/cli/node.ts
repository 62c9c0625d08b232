/**
 * @module One Switchyard node, wired by hand: static configuration → providers → control plane →
 * data plane → entry points, plus health checks and the API on the `traefik` entry point.
 * `startNode` is what `switchyard run` calls and what in-process tests use.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ApiServer } from '../api/api-server.ts';
import type { StaticConfig } from '../config/static-schema.ts';
import { SwitchyardError } from '../errors.ts';
import { accessLogger } from '../logging/access-log.ts';
import { DataPlane } from '../proxy/data-plane.ts';
import { EntryPoint, parseListenAddress } from '../proxy/entry-point.ts';
import { HealthMonitor } from '../proxy/health-monitor.ts';
import { IpMatcher } from '../proxy/ip-matcher.ts';
import type { EntryPointSettings } from '../proxy/request-context.ts';
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

export const API_ENTRY_POINT = 'traefik';
const DEFAULT_API_ADDRESS = '127.0.0.1:8080';

export interface RunningNode {
  readonly nodeId: string;
  readonly ports: ReadonlyMap<string, number>;
  readonly controlPlane: ControlPlane;
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
    if (store !== undefined) throw new SwitchyardError('SY_STATIC_CONFIG', 'use either the etcd or the Consul provider, not both', '--providers.consul.endpoints');
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
  const settings = new Map<string, EntryPointSettings>();
  for (const [name, ep] of routing) {
    const trusted = ep.forwardedHeaders?.trustedIPs;
    settings.set(name, {
      trust: {
        insecure: ep.forwardedHeaders?.insecure ?? false,
        trustedIPs: trusted === undefined || trusted.length === 0 ? undefined : new IpMatcher(trusted, `--entryPoints.${name}.forwardedHeaders.trustedIPs`),
      },
      localPort: parseListenAddress(ep.address).port,
    });
  }
  const timeouts = config.serversTransport.forwardingTimeouts;
  const dataPlane = new DataPlane({
    timeouts: { dialTimeoutMs: timeouts.dialTimeout, responseHeaderTimeoutMs: timeouts.responseHeaderTimeout, idleConnTimeoutMs: timeouts.idleConnTimeout },
    entryPoints: settings,
    onRequestDone: config.accessLog === undefined || config.accessLog === false ? undefined : accessLogger(logger),
  });
  const health = new HealthMonitor((service, url, healthy) => {
    logger.warn({ service, server: url, healthy }, healthy ? 'server is healthy again' : 'server failed its health check');
    dataPlane.setServerHealth(service, url, healthy);
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
    }),
  });
  const asDefault = routing.filter(([, ep]) => ep.asDefault === true).map(([n]) => n);
  const controlPlane = new ControlPlane({
    providers,
    entryPoints: routing.map(([n]) => n),
    defaultEntryPoints: asDefault.length > 0 ? asDefault : routing.map(([n]) => n),
    defaultRuleSyntax: config.core.defaultRuleSyntax,
    throttleMs: config.providers.providersThrottleDuration,
    logger,
    onSnapshot: (snapshot) => {
      dataPlane.apply(snapshot);
      health.reconcile(snapshot);
      registry?.changed();
    },
  });

  const entryPoints: EntryPoint[] = [];
  const ports = new Map<string, number>();
  let api: ApiServer | undefined;
  try {
    for (const [name, ep] of routing) {
      const { host, port } = parseListenAddress(ep.address);
      const rt = ep.transport?.respondingTimeouts;
      const entryPoint = new EntryPoint({ name, host, port, readTimeoutMs: rt?.readTimeout ?? 60_000, idleTimeoutMs: rt?.idleTimeout ?? 180_000 }, dataPlane);
      const bound = await listenOrExplain(() => entryPoint.listen(), name, ep.address);
      ports.set(name, bound.port);
      addresses[name] = `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
      entryPoints.push(entryPoint);
    }
    const apiEnabled = config.api !== undefined && config.api !== false;
    const pingEnabled = config.ping === true;
    if (apiEnabled || pingEnabled) {
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
        features: { tracing: '', metrics: '', accessLog: config.accessLog !== undefined && config.accessLog !== false },
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
    await controlPlane.start();
    await registry?.start();
  } catch (error) {
    await Promise.allSettled([...entryPoints.map((e) => e.drain(0)), api?.close(), controlPlane.stop(), registry?.stop(), health.close(), dataPlane.close()]);
    await store?.store.close();
    throw error;
  }
  logger.info({ nodeId, version: VERSION, entryPoints: Object.fromEntries(ports) }, 'switchyard node started');

  return {
    nodeId,
    ports,
    controlPlane,
    async stop(graceMs = 10_000) {
      await controlPlane.stop();
      // Leave the registry first so peers and `status` stop counting this node while it drains.
      await registry?.stop().catch(() => {});
      await Promise.all(entryPoints.map((e) => e.drain(graceMs)));
      await Promise.allSettled([api?.close(), health.close(), dataPlane.close()]);
      await store?.store.close();
    },
  };
}

async function listenOrExplain<T>(listen: () => Promise<T>, name: string, address: string): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new SwitchyardError('SY_LISTEN', `entry point ${name} cannot listen on ${address}: ${code ?? (error as Error).message}`, `--entryPoints.${name}.address`, { cause: error });
  }
}
