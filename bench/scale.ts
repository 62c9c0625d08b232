/**
 * Scale: 10,000 routers + 10,000 services in a real etcd. Measures a node's cold start to serving
 * (spawn → the last router answers 200), its memory (RSS) once settled, and the time to apply one
 * change with everything present (put returned → the changed route answers 200), median of 20.
 *
 *   node --enable-experimental-regexp-engine bench/scale.ts [routers=10000]
 *
 * SY_BENCH_CPU_PROF=<dir> profiles the node (main thread and every worker thread: --cpu-prof).
 * SY_BENCH_COLD_STARTS=<n> starts the node n times in all (the store written once) and reports the
 * median cold start: on a shared 2-core VM one start says little.
 */
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { etcd3Options, startEtcd } from '../integration/support/etcd/index.ts';
import { fetchStatus, startNodes, stopNodes } from '../integration/support/cluster.ts';
import { startUpstream } from '../test/support/upstream.ts';

const count = Number(process.argv[2] ?? 10_000);
const etcd = await startEtcd({ heartbeatMs: 100, electionMs: 1000 });
const client = new Etcd3(etcd3Options(etcd));
const upstream = await startUpstream('up');

// 3 keys per router/service pair, written in transactions of 120 operations (etcd allows 128).
const ops: Array<[string, string]> = [];
for (let i = 0; i < count; i++) {
  ops.push([`traefik/http/routers/r${i}/rule`, `Host(\`r${i}.example.com\`) && PathPrefix(\`/api\`)`]);
  ops.push([`traefik/http/routers/r${i}/service`, `s${i}`]);
  ops.push([`traefik/http/services/s${i}/loadBalancer/servers/0/url`, upstream.url]);
}
for (let i = 0; i < ops.length; i += 120) {
  const batch = ops.slice(i, i + 120);
  await client.if('traefik/none', 'Create', '==', 0).then(...batch.map(([k, v]) => client.put(k).value(v))).commit();
}
console.log(`wrote ${ops.length} keys (${count} routers, ${count} services)`);

// Set before the spawn: the node inherits this process's environment.
if (process.env.SY_BENCH_CPU_PROF !== undefined) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${process.env.SY_BENCH_CPU_PROF}`;
const started = performance.now();
const [node] = await startNodes(1, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`]);
const last = `r${count - 1}.example.com`;
while ((await fetchStatus(node!, last, '/api')).status !== 200) await new Promise((r) => setTimeout(r, 5));
const coldStart = performance.now() - started;
await new Promise((r) => setTimeout(r, 1_000));
const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${node!.child.pid}/status`, 'utf8'))![1]);

const changes: number[] = [];
for (let i = 0; i < 20; i++) {
  const host = `changed-${i}.example.com`;
  await client.put('traefik/http/routers/r0/rule').value(`Host(\`${host}\`)`).exec();
  const t = performance.now();
  // Poll every millisecond, not in a tight loop: on 2 cores a spinning client would steal the CPU
  // the node needs to apply the change.
  while ((await fetchStatus(node!, host)).status !== 200) await new Promise((r) => setTimeout(r, 1));
  changes.push(performance.now() - t);
}
changes.sort((a, b) => a - b);

await stopNodes([node!]);
const coldStarts = [coldStart];
for (let i = 1; i < Number(process.env.SY_BENCH_COLD_STARTS ?? 1); i++) {
  const begun = performance.now();
  const [again] = await startNodes(1, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`]);
  while ((await fetchStatus(again!, last, '/api')).status !== 200) await new Promise((r) => setTimeout(r, 5));
  coldStarts.push(performance.now() - begun);
  await stopNodes([again!]);
}
coldStarts.sort((a, b) => a - b);
client.close();
await upstream.close();
await etcd.close();
if (coldStarts.length === 1) console.log(`cold start to serving: ${coldStart.toFixed(0)} ms (process spawn included)`);
else console.log(`cold start to serving: median ${coldStarts[Math.floor(coldStarts.length / 2)]!.toFixed(0)} ms of ${coldStarts.length} (process spawn included): ${coldStarts.map((t) => t.toFixed(0)).join(' ')}`);
console.log(`memory per node (RSS): ${(rssKb / 1024).toFixed(0)} MiB`);
console.log(`one change with ${count} routers present: median ${changes[10]!.toFixed(1)} ms, p90 ${changes[17]!.toFixed(1)} ms, max ${changes[19]!.toFixed(1)} ms`);
