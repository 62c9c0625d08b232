/**
 * @module Route-table benchmark: compile time and ns per match with 10, 1,000 and 10,000 host
 * routers plus a few host-less fallback rules, for the indexed table (goal: 10,000 costs at most
 * 1.5× what 10 costs) and, for reference, Traefik's plain linear scan.
 *
 * Run: node --enable-experimental-regexp-engine bench/route-table.ts
 */
import type { RouteDefinition, RouteTable } from '../src/rules/compile-routes.ts';
import { compileLinearRouteTable } from '../src/rules/linear-route-table.ts';
import type { RoutingRequest } from '../src/rules/request.ts';
import { compileRouteTable } from '../src/rules/route-table.ts';

const SIZES = [10, 1_000, 10_000];
const WARMUP = 200_000;
const ITERATIONS = 2_000_000;
const LINEAR_ITERATIONS = 20_000; // the linear scan is far slower at 10,000 routes
const REQUEST_SET = 4_096;

function routesFor(hostRouters: number): Array<RouteDefinition<number>> {
  const routes: Array<RouteDefinition<number>> = [];
  for (let i = 0; i < hostRouters; i++) {
    routes.push({ name: `svc-${i}`, rule: `Host(\`svc-${i}.example.com\`) && PathPrefix(\`/api\`)`, syntax: 'v3', target: i });
  }
  const fallback = [
    'PathPrefix(`/`)',
    'Path(`/healthz`)',
    'Method(`OPTIONS`)',
    'HostRegexp(`^static\\.`) && PathPrefix(`/assets`)',
    'Header(`X-Debug`, `1`) && PathPrefix(`/debug`)',
  ];
  fallback.forEach((rule, i) => routes.push({ name: `fallback-${i}`, rule, syntax: 'v3', priority: i + 1, target: -1 }));
  return routes;
}

/** A deterministic mix: 70 % hits on random hosts, 15 % known host with a path miss, 15 % unknown host. */
function requestsFor(hostRouters: number): RoutingRequest[] {
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: REQUEST_SET }, () => {
    const roll = next();
    const service = Math.floor(next() * hostRouters);
    const host = roll < 0.85 ? `svc-${service}.example.com` : `unknown-${service}.example.org`;
    const path = roll < 0.7 ? `/api/users/${service}` : '/web/index.html';
    return { host, path, method: 'GET', rawQuery: '', rawHeaders: ['host', host, 'accept', '*/*'], clientIp: '10.0.0.1' };
  });
}

function nsPerMatch(table: RouteTable<number>, requests: readonly RoutingRequest[], iterations: number): number {
  let sink = 0;
  const mask = requests.length - 1;
  for (let i = 0; i < Math.min(WARMUP, iterations * 10); i++) sink += table.match(requests[i & mask]!)?.target ?? 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += table.match(requests[i & mask]!)?.target ?? 0;
  const elapsed = Number(process.hrtime.bigint() - start);
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink); // keeps the loop observable
  return elapsed / iterations;
}

function timed<T>(build: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = build();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

const rows: Array<{ routers: number; compileMs: number; indexedNs: number; linearNs: number }> = [];
for (const size of SIZES) {
  const routes = routesFor(size);
  const requests = requestsFor(size);
  const [indexed, compileMs] = timed(() => compileRouteTable(routes));
  const linear = compileLinearRouteTable(routes);
  if (indexed.errors.length > 0) throw new Error(`unexpected rule errors: ${JSON.stringify(indexed.errors)}`);
  rows.push({
    routers: size,
    compileMs,
    indexedNs: nsPerMatch(indexed.table, requests, ITERATIONS),
    linearNs: nsPerMatch(linear.table, requests, LINEAR_ITERATIONS),
  });
}

console.log(`node ${process.version}, ${ITERATIONS.toLocaleString('en')} matches per size (linear: ${LINEAR_ITERATIONS.toLocaleString('en')})\n`);
console.log('host routers | compile ms | indexed ns/match | linear ns/match');
console.log('-------------|------------|------------------|----------------');
for (const row of rows) {
  console.log(
    `${row.routers.toLocaleString('en').padStart(12)} | ${row.compileMs.toFixed(1).padStart(10)} | ${row.indexedNs.toFixed(1).padStart(16)} | ${row.linearNs.toFixed(1).padStart(15)}`,
  );
}
const ratio = rows.at(-1)!.indexedNs / rows[0]!.indexedNs;
console.log(`\nindexed 10,000 vs 10: ${ratio.toFixed(2)}× (target ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER TARGET'}`);
