/**
 * @module Route-table benchmark: compile time and ns per match with 10, 1,000 and 10,000 host
 * routers plus a few host-less fallback rules, for the indexed table (goal: 10,000 costs at most
 * 1.5× what 10 costs) and, for reference, Traefik's plain linear scan.
 *
 * Requests rotate through two sets: a hot one (256 requests) and a wide one (4,096 requests on as
 * many hosts). The index does the same work for both; the wide set adds CPU-cache misses on the
 * per-route data, which grow with the number of routes actually used, not with the index.
 *
 * Run: node --enable-experimental-regexp-engine bench/route-table.ts
 */
import type { RouteDefinition, RouteTable } from '../src/rules/compile-routes.ts';
import { compileLinearRouteTable } from '../src/rules/linear-route-table.ts';
import type { RoutingRequest } from '../src/rules/request.ts';
import { compileRouteTable } from '../src/rules/route-table.ts';

const SIZES = [10, 1_000, 10_000];
const SETS = { hot: 256, wide: 4_096 } as const;
const WARMUP = 200_000;
const ROUNDS = 7; // sizes are measured round-robin and each cell keeps its best round, to damp VM noise
const ITERATIONS = 400_000; // per round
const LINEAR_ITERATIONS = 20_000; // one round: the linear scan is far slower at 10,000 routes

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

/** Exactly 70 % hits on random hosts, 15 % known host with a path miss, 15 % unknown host, interleaved. */
function requestsFor(hostRouters: number, count: number): RoutingRequest[] {
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, (_, i) => {
    const slot = i % 20;
    const service = Math.floor(next() * hostRouters);
    const host = slot < 17 ? `svc-${service}.example.com` : `unknown-${service}.example.org`;
    const path = slot < 14 ? `/api/users/${service}` : '/web/index.html';
    return { host, path, method: 'GET', rawQuery: '', rawHeaders: ['host', host, 'accept', '*/*'], clientIp: '10.0.0.1' };
  });
}

function warm(table: RouteTable<number>, requests: readonly RoutingRequest[]): void {
  const mask = requests.length - 1;
  for (let i = 0; i < WARMUP; i++) table.match(requests[i & mask]!);
}

/** One timed round: ns per match. */
function nsPerMatch(table: RouteTable<number>, requests: readonly RoutingRequest[], iterations: number): number {
  let sink = 0;
  const mask = requests.length - 1;
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

interface Row {
  routers: number;
  compileMs: number;
  hotNs: number;
  wideNs: number;
  linearNs: number;
}

const cases = SIZES.map((size) => {
  const routes = routesFor(size);
  const [indexed, compileMs] = timed(() => compileRouteTable(routes));
  if (indexed.errors.length > 0) throw new Error(`unexpected rule errors: ${JSON.stringify(indexed.errors)}`);
  const hot = requestsFor(size, SETS.hot);
  const wide = requestsFor(size, SETS.wide);
  warm(indexed.table, wide);
  const linear = compileLinearRouteTable(routes).table;
  const row: Row = { routers: size, compileMs, hotNs: Infinity, wideNs: Infinity, linearNs: nsPerMatch(linear, wide, LINEAR_ITERATIONS) };
  return { table: indexed.table, hot, wide, row };
});
for (let round = 0; round < ROUNDS; round++) {
  for (const { table, hot, wide, row } of cases) {
    row.hotNs = Math.min(row.hotNs, nsPerMatch(table, hot, ITERATIONS));
    row.wideNs = Math.min(row.wideNs, nsPerMatch(table, wide, ITERATIONS));
  }
}
const rows = cases.map((c) => c.row);

const cell = (value: number, width: number): string => value.toFixed(1).padStart(width);
console.log(`node ${process.version}; best of ${ROUNDS} interleaved rounds of ${ITERATIONS.toLocaleString('en')} matches (linear scan: 1 round of ${LINEAR_ITERATIONS.toLocaleString('en')})`);
console.log('mix: 70 % hits on random hosts, 15 % known host + unmatched path, 15 % unknown host\n');
console.log('host routers | compile ms | hot set ns/match | wide set ns/match | linear scan ns/match');
console.log('-------------|------------|------------------|-------------------|---------------------');
for (const row of rows) {
  console.log(
    `${row.routers.toLocaleString('en').padStart(12)} | ${cell(row.compileMs, 10)} | ${cell(row.hotNs, 16)} | ${cell(row.wideNs, 17)} | ${cell(row.linearNs, 20)}`,
  );
}
const first = rows[0]!;
const last = rows.at(-1)!;
for (const [label, ratio] of [['hot set', last.hotNs / first.hotNs], ['wide set', last.wideNs / first.wideNs]] as const) {
  console.log(`\n${label}: 10,000 vs 10 routers = ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'missed'})`);
}
