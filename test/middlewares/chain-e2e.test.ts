/**
 * Middlewares and services through a real node (worker threads, loopback upstreams): a router with
 * a five-middleware chain, the compile step's errors in the API, a node-wide rate limit across the
 * worker threads, sticky cookies, mirroring and errors pages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { startTestNode, waitFor, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let a: TestUpstream;
let b: TestUpstream;
let mirror: TestUpstream;
let pages: TestUpstream;
let node: TestNode;
const SHA = `{SHA}${createHash('sha1').update('pw').digest('base64')}`;
const auth = `Basic ${Buffer.from('alice:pw').toString('base64')}`;

before(async () => {
  a = await startUpstream('a');
  a.handler = (req, res) => {
    if (req.url?.startsWith('/fail')) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('raw failure');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'a' });
    res.end(`a saw ${req.url} prefix=${req.headers['x-forwarded-prefix'] ?? ''} `.repeat(20));
  };
  b = await startUpstream('b');
  mirror = await startUpstream('mirror');
  pages = await startUpstream('pages');
  pages.handler = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>sorry ${req.url}</h1>`);
  };
  node = await startTestNode(`
http:
  routers:
    app:
      rule: PathPrefix(\`/app\`)
      service: a
      middlewares: [allow, auth, strip, hdrs, gzip]
    limited:
      rule: PathPrefix(\`/limited\`)
      service: a
      middlewares: [limit]
    broken:
      rule: PathPrefix(\`/broken\`)
      service: a
      middlewares: [badregex]
    sticky:
      rule: PathPrefix(\`/sticky\`)
      service: pair
    mirrored:
      rule: PathPrefix(\`/mirrored\`)
      service: mirrored
    pretty:
      rule: PathPrefix(\`/fail\`)
      service: a
      middlewares: [pages]
  middlewares:
    allow:
      ipAllowList:
        sourceRange: [127.0.0.1/32]
    auth:
      basicAuth:
        users: ["alice:${SHA}"]
    strip:
      stripPrefix:
        prefixes: [/app]
    hdrs:
      headers:
        customResponseHeaders:
          X-Chain: done
        frameDeny: true
    gzip:
      compress:
        minResponseBodyBytes: 10
    limit:
      rateLimit:
        average: 1
        period: 1m
        burst: 4
    badregex:
      replacePathRegex:
        regex: "(?=lookahead)"
        replacement: /x
    pages:
      errors:
        status: ["500-599"]
        service: pagesvc
        query: /{status}.html
  services:
    a:
      loadBalancer:
        servers: [{ url: ${a.url} }]
    pagesvc:
      loadBalancer:
        servers: [{ url: ${pages.url} }]
    pair:
      loadBalancer:
        sticky:
          cookie:
            httpOnly: true
        servers: [{ url: ${a.url} }, { url: ${b.url} }]
    only-b:
      loadBalancer:
        servers: [{ url: ${b.url} }]
    mirror:
      loadBalancer:
        servers: [{ url: ${mirror.url} }]
    mirrored:
      mirroring:
        service: only-b
        mirrors:
          - name: mirror
            percent: 50
`, ['--workers=2']);
});

after(async () => {
  await node?.stop();
  await Promise.all([a, b, mirror, pages].map((u) => u?.close()));
  await agent.close();
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const res = await request(node.url(path), { method: method as 'GET', headers, dispatcher: agent, body });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

test('a five-middleware chain: allow-list, basicAuth, stripPrefix, headers, compress', async () => {
  const denied = await get('/app/x');
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['www-authenticate'], 'Basic realm="traefik"');
  const ok = await get('/app/x?q=1', { authorization: auth, 'accept-encoding': 'gzip' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-encoding'], 'gzip');
  assert.equal(ok.headers['x-chain'], 'done');
  assert.equal(ok.headers['x-frame-options'], 'DENY');
  const text = gunzipSync(ok.body).toString();
  assert.match(text, /^a saw \/x\?q=1 prefix=\/app /);
});

test('the compile step disables a middleware with a bad option, naming its key, and the routers using it', async () => {
  const res = await request(`http://127.0.0.1:${node.api}/api/http/middlewares/badregex@file`);
  const body = (await res.body.json()) as { status: string; errors: { code: string; key: string }[] };
  assert.equal(body.status, 'disabled');
  assert.equal(body.errors[0]!.code, 'SY_MIDDLEWARE_CONFIG');
  assert.match(body.errors[0]!.key, /middlewares\/badregex\/replacePathRegex\/regex$/);
  const router = await request(`http://127.0.0.1:${node.api}/api/http/routers/broken@file`);
  assert.equal(((await router.body.json()) as { status: string }).status, 'disabled');
  assert.equal((await get('/broken')).status, 404);
});

test('rateLimit holds node-wide across worker threads (fresh connection each time)', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await request(node.url('/limited'), { headers: { connection: 'close' } });
    await res.body.dump();
    statuses.push(res.statusCode);
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
});

test('sticky cookie: Traefik\'s generated name, and the same server while the cookie is sent', async () => {
  const first = await get('/sticky');
  const cookie = String(first.headers['set-cookie']);
  const name = `_${createHash('sha1').update('_TRAEFIK_BACKEND_pair@file').digest('hex')}`.slice(0, 6);
  assert.match(cookie, new RegExp(`^${name}=[0-9a-f]+; Path=/; HttpOnly$`));
  const server = first.headers['x-upstream'];
  for (let i = 0; i < 4; i++) {
    const next = await get('/sticky', { cookie: cookie.split(';')[0]! });
    assert.equal(next.headers['x-upstream'], server);
    assert.equal(next.headers['set-cookie'], undefined);
  }
});

test('mirroring: the client gets the main answer; the mirror gets its share, with the body', async () => {
  const before = mirror.seen.length;
  for (let i = 0; i < 4; i++) {
    const res = await get('/mirrored', {}, 'POST', `body-${i}`);
    assert.equal(res.headers['x-upstream'], 'b');
  }
  await waitFor(() => mirror.seen.length - before === 2, 5_000, 'two mirrored requests');
});

test('errors: a 5xx answer becomes the error service\'s page, under the original status', async () => {
  const res = await get('/fail/now');
  assert.equal(res.status, 503);
  assert.equal(res.body.toString(), '<h1>sorry /503.html</h1>');
});
