/**
 * Propagation: time from `etcdctl put` returning to the new route answering 200 on all three nodes.
 * A real etcd (Debian etcd-server) and three `bin/switchyard run` processes on loopback; each sample
 * changes one router's rule to a fresh host with etcdctl, then polls the three nodes until each
 * answers 200 for that host. Prints p50/p90/p99/max over the samples.
 *
 *   node --enable-experimental-regexp-engine bench/propagation.ts [samples=100]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEtcd } from '../integration/support/etcd/index.ts';
import { fetchStatus, startNodes, stopNodes } from '../integration/support/cluster.ts';
import { startUpstream } from '../test/support/upstream.ts';

const run = promisify(execFile);
const samples = Number(process.argv[2] ?? 100);

const etcd = await startEtcd({ heartbeatMs: 100, electionMs: 1000 });
const upstream = await startUpstream('up');
const etcdctl = (...args: string[]) => run('/usr/bin/etcdctl', [`--endpoints=${etcd.endpoints.join(',')}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
await etcdctl('put', 'traefik/http/services/s/loadBalancer/servers/0/url', upstream.url);
await etcdctl('put', 'traefik/http/routers/r/service', 's');
await etcdctl('put', 'traefik/http/routers/r/rule', 'Host(`warmup.test`)');
const nodes = await startNodes(3, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`]);

async function until200(host: string): Promise<void> {
  await Promise.all(nodes.map(async (node) => {
    for (;;) {
      if ((await fetchStatus(node, host)).status === 200) return;
    }
  }));
}

await until200('warmup.test');
const times: number[] = [];
for (let i = 0; i < samples; i++) {
  const host = `p${i}.test`;
  await etcdctl('put', 'traefik/http/routers/r/rule', `Host(\`${host}\`)`);
  const returned = performance.now();
  await until200(host);
  times.push(performance.now() - returned);
}
await stopNodes(nodes);
await upstream.close();
await etcd.close();

times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!.toFixed(1);
console.log(`propagation, etcdctl put returned → 200 on all 3 nodes (${samples} samples, ms):`);
console.log(`  p50 ${q(50)}   p90 ${q(90)}   p99 ${q(99)}   max ${q(100)}`);
console.log(`  (${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)`);
