/**
 * `/api/http/*` in Traefik's shapes (pkg/api): qualified router middlewares, `tls.options` "default",
 * `type` on services and middlewares, `search` in names and rules, `serviceName`/`middlewareName`
 * filters, `page`/`per_page` with `X-Next-Page`; a priority that did not decode is not shown as text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestNode, type TestNode } from '../support/test-node.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let node: TestNode;

async function get(path: string): Promise<{ status: number; nextPage: string | undefined; body: unknown }> {
  const res = await request(`http://127.0.0.1:${node.api}${path}`, { dispatcher: agent });
  const next = res.headers['x-next-page'];
  return { status: res.statusCode, nextPage: typeof next === 'string' ? next : undefined, body: await res.body.json() };
}

type Item = Record<string, unknown> & { name: string };
const names = (body: unknown) => (body as Item[]).map((i) => i.name);

before(async () => {
  node = await startTestNode(`
http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: svc
      middlewares: [compressor, strip]
      tls: {}
    admin:
      rule: Host(\`admin.test\`) && PathPrefix(\`/ops\`)
      service: split
      middlewares: [strip@file]
    odd:
      rule: Host(\`odd.test\`)
      service: svc
      priority: high
  services:
    svc:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:1
    split:
      weighted:
        services:
          - name: svc
  middlewares:
    compressor:
      compress: {}
    strip:
      stripPrefix:
        prefixes: [/ops]
`);
});

after(async () => {
  await node.stop();
  await agent.close();
});

test('a router shows its middlewares qualified and tls.options "default" when unset', async () => {
  const app = (await get('/api/http/routers/app@file')).body as Item;
  assert.deepEqual(app['middlewares'], ['compressor@file', 'strip@file']);
  assert.deepEqual(app['tls'], { options: 'default' });
  const raw = (await get('/api/rawdata')).body as { routers: Record<string, Item> };
  assert.deepEqual(raw.routers['admin@file']?.['middlewares'], ['strip@file']);
});

test('a priority that did not decode is left out, not shown as a string; the error says why', async () => {
  const odd = (await get('/api/http/routers/odd@file')).body as Item;
  assert.equal(odd['status'], 'disabled');
  assert.equal(odd['priority'], undefined);
  assert.match(JSON.stringify(odd['error']), /priority/);
});

test('services and middlewares carry Traefik\'s lower-cased type', async () => {
  const services = (await get('/api/http/services')).body as Item[];
  assert.deepEqual(services.map((s) => [s.name, s['type']]), [['split@file', 'weighted'], ['svc@file', 'loadbalancer']]);
  const middlewares = (await get('/api/http/middlewares')).body as Item[];
  assert.deepEqual(middlewares.map((m) => [m.name, m['type']]), [['compressor@file', 'compress'], ['strip@file', 'stripprefix']]);
});

test('search matches router names and rules; serviceName and middlewareName filter routers; status ignores case', async () => {
  assert.deepEqual(names((await get('/api/http/routers?search=%2Fops')).body), ['admin@file']);
  assert.deepEqual(names((await get('/api/http/routers?search=APP')).body), ['app@file']);
  assert.deepEqual(names((await get('/api/http/routers?serviceName=svc@file')).body), ['app@file', 'odd@file']);
  assert.deepEqual(names((await get('/api/http/routers?serviceName=split')).body), ['admin@file']);
  assert.deepEqual(names((await get('/api/http/routers?middlewareName=strip@file')).body), ['admin@file', 'app@file']);
  assert.deepEqual(names((await get('/api/http/routers?status=Disabled')).body), ['odd@file']);
});

test('page and per_page page the sorted list; X-Next-Page names the next page, 1 on the last; a page past the end is 400', async () => {
  const first = await get('/api/http/routers?per_page=2');
  assert.deepEqual([names(first.body), first.nextPage], [['admin@file', 'app@file'], '2']);
  const second = await get('/api/http/routers?per_page=2&page=2');
  assert.deepEqual([names(second.body), second.nextPage], [['odd@file'], '1']);
  assert.equal((await get('/api/http/routers?per_page=2&page=3')).status, 400);
  assert.equal((await get('/api/http/services?per_page=0')).status, 400);
});
