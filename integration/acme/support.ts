/**
 * @module An ACME test cluster: a real etcd, Pebble, and three nodes on distinct loopback addresses
 * (127.0.0.2–127.0.0.4) sharing Pebble's HTTP-01 port, with one resolver `le` pointed at Pebble.
 */
import { connect, type PeerCertificate } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { startEtcd, etcd3Options, type EtcdServer } from '../support/etcd/index.ts';
import { startNodeProcess, type NodeProcess } from '../support/node-process.ts';
import { startPebble, type Pebble } from '../support/pebble.ts';
import { freePorts } from '../support/etcd/ports.ts';
import { request } from 'undici';

export interface AcmeCluster {
  readonly etcd: EtcdServer;
  readonly client: Etcd3;
  readonly pebble: Pebble;
  readonly nodes: NodeProcess[];
  readonly ips: readonly string[];
  readonly tlsPort: number;
  startNode(i: number): Promise<NodeProcess>;
  close(): Promise<void>;
}

export const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;

export async function startAcmeCluster(options: { validitySeconds?: number; validationSleepSeconds?: number; extraFlags?: string[]; challenge?: 'http-01' | 'tls-alpn-01' } = {}): Promise<AcmeCluster> {
  const etcd = await startEtcd({ heartbeatMs: 100, electionMs: 1000 });
  const client = new Etcd3(etcd3Options(etcd));
  const pebble = await startPebble({
    ...(options.validitySeconds === undefined ? {} : { certificateValidityPeriodSeconds: options.validitySeconds }),
    ...(options.validationSleepSeconds === undefined ? {} : { validationSleepSeconds: options.validationSleepSeconds }),
  });
  const [freeTlsPort, apiPort] = (await freePorts(2)) as [number, number];
  // TLS-ALPN-01 is validated on Pebble's TLS port: the nodes' TLS entry point must be there.
  const alpn = options.challenge === 'tls-alpn-01';
  const tlsPort = alpn ? pebble.tlsPort : freeTlsPort;
  const nodes: NodeProcess[] = [];
  const startNode = async (i: number) => {
    const ip = IPS[i]!;
    const node = await startNodeProcess([
      `--entryPoints.web.address=${ip}:${pebble.httpPort}`,
      `--entryPoints.websecure.address=${ip}:${tlsPort}`,
      `--entryPoints.traefik.address=${ip}:${apiPort}`,
      '--api.insecure=true',
      `--providers.etcd.endpoints=${etcd.endpoints.join(',')}`,
      '--providers.providersThrottleDuration=2ms',
      `--cluster.nodeId=node-${i + 1}`,
      '--cluster.lockTTL=2s',
      '--workers=1',
      `--certificatesResolvers.le.acme.caServer=${pebble.directory}`,
      '--certificatesResolvers.le.acme.email=ops@example.com',
      alpn ? '--certificatesResolvers.le.acme.tlsChallenge=true' : '--certificatesResolvers.le.acme.httpChallenge.entryPoint=web',
      ...(options.extraFlags ?? []),
    ], { NODE_EXTRA_CA_CERTS: pebble.caFile, SY_ACME_RETRY_BASE_MS: '500' });
    nodes[i] = node;
    return node;
  };
  for (let i = 0; i < IPS.length; i++) await startNode(i);
  return {
    etcd,
    client,
    pebble,
    nodes,
    ips: IPS,
    tlsPort,
    startNode,
    async close() {
      await Promise.all(nodes.map((n) => n.stop().catch(() => null)));
      client.close();
      await pebble.close();
      await etcd.close();
    },
  };
}

export async function clusterJson(node: NodeProcess): Promise<{ leader: string | null; nodes: { id: string; certificates: string[] }[]; certificates: { id: string; domains: string[]; issuer: string; notAfter: string }[] }> {
  const ip = IPS[Number(/node-(\d)/.exec(String(node.logs.find((l) => l.msg === 'switchyard node started')?.nodeId))![1]) - 1];
  const res = await request(`http://${ip}:${node.ports.traefik}/api/cluster`);
  return (await res.body.json()) as never;
}

/** Router and service `name` send `host` to `upstreamUrl`, with a certificate from the resolver `le`. */
export async function routeWithCertificate(cluster: AcmeCluster, name: string, host: string, upstreamUrl: string): Promise<void> {
  const put = (k: string, v: string) => cluster.client.put(k).value(v).exec();
  await put(`traefik/http/services/${name}/loadBalancer/servers/0/url`, upstreamUrl);
  await put(`traefik/http/routers/${name}/service`, name);
  await put(`traefik/http/routers/${name}/tls/certResolver`, 'le');
  await put(`traefik/http/routers/${name}/rule`, `Host(\`${host}\`)`);
}

/** The certificate a node presents for `servername`. */
export function presented(ip: string, port: number, servername: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
