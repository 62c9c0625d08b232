/**
 * @module Middleware-chain benchmark: the cost per request of a router's handler with a
 * five-middleware chain (ipAllowList, basicAuth, stripPrefix, headers, rateLimit) against the same
 * router with none, in process, without network: chains are built by the data plane's own
 * ChainBuilder from snapshot data, and each request is a fresh RequestContext answered by a service
 * that writes a small response to an in-memory writer. Also shows that a router with an empty
 * middleware list gets its service itself (the same cost as none).
 *
 * compress is left out on purpose: its cost is zlib's, proportional to the body, not the chain's.
 *
 * Run: node --enable-experimental-regexp-engine bench/middleware-chain.ts
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { ChainBuilder } from '../src/middlewares/chain-builder.ts';
import type { RequestContext, ResponseWriter } from '../src/proxy/request-context.ts';
import type { ServiceHandler } from '../src/proxy/service-handlers.ts';
import { UpstreamPools } from '../src/proxy/upstream-pools.ts';
import type { MiddlewareSpec, RouterSpec } from '../src/runtime/snapshot.ts';

const WARMUP = 100_000;
const ROUNDS = 7;
const ITERATIONS = 300_000;

const middlewares: Record<string, MiddlewareSpec> = {
  'allow@file': { type: 'ipAllowList', options: { sourceRange: ['10.0.0.0/8', '192.168.0.0/16'], rejectStatusCode: 403 } },
  'auth@file': { type: 'basicAuth', options: { users: [`alice:{SHA}${createHash('sha1').update('pw').digest('base64')}`], realm: 'traefik' } },
  'strip@file': { type: 'stripPrefix', options: { prefixes: ['/api'] } },
  'hdrs@file': { type: 'headers', options: { customRequestHeaders: { 'X-Env': 'bench' }, customResponseHeaders: { 'X-Served-By': 'switchyard' }, frameDeny: true, contentTypeNosniff: true } },
  'limit@file': { type: 'rateLimit', options: { average: 1_000_000_000, period: 1_000, burst: 1_000_000_000 } },
};

const router = (names: string[]): RouterSpec => ({ name: 'r@file', rule: 'PathPrefix(`/`)', syntax: 'v3', priority: undefined, service: 's@file', middlewares: names, tls: false });

let answered = 0;
const sink: ResponseWriter & { destroyed: boolean; writableFinished: boolean; once(): unknown } = {
  headersSent: false,
  destroyed: false,
  writableFinished: false,
  writeHead: () => undefined,
  flushHeaders: () => {},
  write: () => true,
  end: () => {
    answered++;
    return undefined;
  },
  destroy: () => undefined,
  once: () => undefined,
};
const service: ServiceHandler = {
  name: 's@file',
  available: () => true,
  handle(ctx) {
    const out = ctx.out ?? ctx.res;
    out.writeHead(200, undefined, ['content-type', 'text/plain', 'content-length', '2']);
    out.end('ok');
  },
};

const rawHeaders = ['host', 'app.example.com', 'user-agent', 'bench/1', 'accept', '*/*', 'authorization', `Basic ${Buffer.from('alice:pw').toString('base64')}`];
const req = { headers: { host: 'app.example.com' }, rawHeaders, method: 'GET', url: '/api/users' } as unknown as IncomingMessage;

function context(i: number): RequestContext {
  return {
    req,
    res: sink as unknown as ServerResponse,
    entryPoint: 'web',
    settings: { trust: { insecure: false, trustedIPs: undefined }, localPort: 80 },
    tls: false,
    host: 'app.example.com',
    path: '/api/users',
    method: 'GET',
    rawQuery: '',
    rawHeaders,
    clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    search: '',
    startedAt: 0,
    routerName: 'r@file',
    serviceName: 's@file',
    serverUrl: undefined,
    originStatus: 0,
  };
}

function measure(handler: ServiceHandler): number {
  for (let i = 0; i < WARMUP; i++) handler.handle(context(i));
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) handler.handle(context(i));
    best = Math.min(best, Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  return best;
}

const builder = new ChainBuilder({ pools: new UpstreamPools({ dialTimeoutMs: 1_000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 1_000 }) });
const built = builder.build(middlewares, new Map([['s@file', service]]));
const none = built.router(router([]), service);
const five = built.router(router(Object.keys(middlewares)), service);
built.done();
if (none !== service) throw new Error('a router without middlewares must get its service itself');
// basicAuth checks the first request's password asynchronously, then remembers it.
five.handle(context(0));
await new Promise((resolve) => setTimeout(resolve, 50));

const before = answered;
const bare = measure(none);
const chained = measure(five);
if (answered - before !== 2 * (WARMUP + ROUNDS * ITERATIONS)) throw new Error(`every request must be answered (${answered - before})`);
const lines = [
  `node ${process.version}, ${new Date().toISOString().slice(0, 10)}, best of ${ROUNDS} rounds × ${ITERATIONS.toLocaleString('en')} requests`,
  `no middlewares (service called directly): ${bare.toFixed(0)} ns/request`,
  `five middlewares (ipAllowList, basicAuth, stripPrefix, headers, rateLimit): ${chained.toFixed(0)} ns/request (${(chained / 1_000).toFixed(2)} µs)`,
  `chain overhead: ${(chained - bare).toFixed(0)} ns/request; ratio ${(chained / bare).toFixed(1)}×`,
];
for (const line of lines) console.log(line);
writeFileSync(new URL('./results/middleware-chain.txt', import.meta.url), `${lines.join('\n')}\n`);
