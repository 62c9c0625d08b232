/**
 * The dashboard's files as the `traefik` entry point serves them: content types, caching, the
 * Content-Security-Policy, redirects to /dashboard/, and nothing outside the dashboard's folder,
 * however the path is written. Requests go through node:http with the path exactly as written (a
 * URL-parsing client would normalize `..` away before sending).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer, type ApiSources } from '../../src/api/api-server.ts';
import { DashboardAssets } from '../../src/api/dashboard-assets.ts';
import type { RuntimeView } from '../../src/runtime/build-runtime.ts';
import { startTestNode, waitFor } from '../support/test-node.ts';
import { startUpstream } from '../support/upstream.ts';

const EMPTY_VIEW: RuntimeView = { revision: 1, tlsRouters: [], routers: new Map(), services: new Map(), middlewares: new Map(), problems: [] };

function sources(dashboard: DashboardAssets | undefined): ApiSources {
  return {
    view: () => EMPTY_VIEW,
    serverStatus: () => ({}),
    providers: ['file'],
    entryPoints: () => [],
    version: 'test',
    api: true,
    ping: true,
    features: {},
    cluster: async () => ({ nodeId: 'n1', appliedRevision: '1', store: null, nodes: [], leader: null }),
    dashboard,
    routerRequests: async () => ({ 'web@file': 7 }),
  };
}

let server: ApiServer;
let port: number;
let plain: ApiServer;
let plainPort: number;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(path: string, headers: Record<string, string> = {}, to = port): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: to, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  server = new ApiServer(sources(DashboardAssets.load()));
  port = (await server.listen(0, '127.0.0.1')).port;
  plain = new ApiServer(sources(undefined));
  plainPort = (await plain.listen(0, '127.0.0.1')).port;
});

after(async () => {
  await server.close();
  await plain.close();
});

test('/dashboard/ is the page, never cached, under a policy that allows this origin only', async () => {
  const res = await get('/dashboard/');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-store');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /connect-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(res.body, /<script type="module" src="app\.js"><\/script>/);
  // Everything the page loads is relative to it: no other host is ever named.
  assert.doesNotMatch(res.body, /(src|href)="(https?:)?\/\//);
});

test('each file the page loads has its content type and an ETag that answers 304', async () => {
  for (const [name, type] of [
    ['app.js', 'text/javascript; charset=utf-8'],
    ['dom.js', 'text/javascript; charset=utf-8'],
    ['views.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
  ] as const) {
    const res = await get(`/dashboard/${name}`);
    assert.equal(res.status, 200, name);
    assert.equal(res.headers['content-type'], type, name);
    assert.equal(res.headers['cache-control'], 'no-cache', name);
    const etag = String(res.headers.etag);
    assert.match(etag, /^"[\w-]+"$/, name);
    const again = await get(`/dashboard/${name}`, { 'if-none-match': etag });
    assert.equal(again.status, 304, name);
    assert.equal(again.body, '', name);
  }
});

test('the scripts name no other host and never write markup from strings', async () => {
  for (const name of ['app.js', 'dom.js', 'views.js']) {
    const { body } = await get(`/dashboard/${name}`);
    assert.doesNotMatch(body, /https?:\/\//, name);
    assert.doesNotMatch(body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, name);
  }
});

test('an unknown file is 404', async () => {
  for (const path of ['/dashboard/nope.js', '/dashboard/APP.JS', '/dashboard//app.js', '/dashboard/app.js/']) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
  }
});

test('no spelling of .. reaches outside the dashboard folder', async () => {
  for (const path of [
    '/dashboard/../../etc/passwd',
    '/dashboard/%2e%2e/%2e%2e/etc/passwd',
    '/dashboard/%2E%2E/%2E%2E/etc/passwd',
    '/dashboard/..%2f..%2fetc%2fpasswd',
    '/dashboard/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/dashboard/..%5c..%5cetc%5cpasswd',
    '/dashboard/..\\..\\etc\\passwd',
    '/dashboard/%252e%252e/%252e%252e/etc/passwd',
    '/dashboard/../../src/api/dashboard-assets.ts',
    '/dashboard/..%2fdashboard-assets.ts',
    '/dashboard/%2e%2e/dashboard-assets.ts',
  ]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /root:|DashboardAssets/, path);
  }
});

test('/ and /dashboard redirect to /dashboard/', async () => {
  for (const path of ['/', '/dashboard']) {
    const res = await get(path);
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.location, '/dashboard/', path);
  }
});

test('without the dashboard, / and /dashboard/ are 404 and the API still answers', async () => {
  assert.equal((await get('/', {}, plainPort)).status, 404);
  assert.equal((await get('/dashboard/', {}, plainPort)).status, 404);
  assert.equal((await get('/api/version', {}, plainPort)).status, 200);
});

test('GET /api/http/requests gives the per-router totals with the time they were read', async () => {
  const before = Date.now();
  const res = await get('/api/http/requests');
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body) as { timestamp: number; routers: Record<string, number> };
  assert.deepEqual(body.routers, { 'web@file': 7 });
  assert.ok(body.timestamp >= before && body.timestamp <= Date.now());
});

test('a dashboard folder with a file of unknown type or without index.html is refused at start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-dashboard-'));
  try {
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    await writeFile(join(dir, 'notes.txt'), 'x');
    assert.throws(() => DashboardAssets.load(dir), { code: 'SY_DASHBOARD_ASSET', key: join(dir, 'notes.txt') });
    await rm(join(dir, 'notes.txt'));
    await rm(join(dir, 'index.html'));
    assert.throws(() => DashboardAssets.load(dir), { code: 'SY_DASHBOARD_ASSET' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a node serves the dashboard by default, not with --api.dashboard=false, and counts requests per router without --metrics.prometheus', async () => {
  const upstream = await startUpstream('up');
  const yaml = `
http:
  routers:
    app:
      rule: PathPrefix(\`/app\`)
      service: svc
  services:
    svc:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`;
  const on = await startTestNode(yaml, ['--workers=2']);
  const off = await startTestNode(yaml, ['--workers=1', '--api.dashboard=false']);
  try {
    assert.equal((await get('/dashboard/', {}, on.api)).status, 200);
    assert.equal((await get('/', {}, on.api)).status, 302);
    assert.equal((await get('/dashboard/', {}, off.api)).status, 404);
    assert.equal((await get('/', {}, off.api)).status, 404);
    assert.equal((await get('/api/overview', {}, off.api)).status, 200);

    for (let i = 0; i < 5; i++) assert.equal((await get('/app/x', {}, on.web)).status, 200);
    assert.equal((await get('/nowhere', {}, on.web)).status, 404);
    // Counted when routed, so the totals are there as soon as the answers are; a thread's reply to
    // the API's flush can still miss its 250 ms window on a loaded machine, hence the retry.
    let routers: Record<string, number> = {};
    await waitFor(async () => {
      routers = (JSON.parse((await get('/api/http/requests', {}, on.api)).body) as { routers: Record<string, number> }).routers;
      return routers['app@file'] === 5;
    }, 10_000, 'five requests counted on app@file');
    assert.deepEqual(routers, { 'app@file': 5 });
  } finally {
    await on.stop();
    await off.stop();
    await upstream.close();
  }
});
