import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardAuth } from '../../src/middlewares/forward-auth.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let auth: TestUpstream;
before(async () => {
  auth = await startUpstream('auth');
  auth.handler = (req, res) => {
    if (req.headers.authorization === 'Bearer good') {
      res.writeHead(200, { 'x-auth-user': 'alice', 'x-auth-role': 'admin', 'x-other': 'no', 'set-cookie': ['session=abc; Path=/', 'tracking=1'] });
      res.end();
    } else {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
      res.end('denied by auth');
    }
  };
});
after(() => auth.close());

test('2xx lets the request through with the chosen headers and cookies; anything else is the answer', async () => {
  const next = answer();
  const mw = forwardAuth.compile({ address: `${auth.url}/verify`, authResponseHeaders: ['X-Auth-User'], authResponseHeadersRegex: '^X-Auth-R', addAuthCookiesToResponse: ['session'], maxBodySize: -1 }, keyOf('forwardAuth'))(next, wrapContext());
  const ok = await run(mw, { path: '/app', query: 'a=1', method: 'POST', headers: { host: 'app.test', authorization: 'Bearer good', 'x-auth-user': 'forged' } });
  assert.equal(ok.res.status, 200);
  assert.equal(sentHeader(next.seen[0]!, 'x-auth-user'), 'alice');
  assert.equal(sentHeader(next.seen[0]!, 'x-auth-role'), 'admin');
  assert.equal(sentHeader(next.seen[0]!, 'x-other'), undefined);
  assert.equal(ok.res.header('set-cookie'), 'session=abc; Path=/');
  const seen = auth.seen.at(-1)!;
  assert.equal(seen.method, 'GET');
  assert.equal(seen.url, '/verify');
  assert.equal(seen.headers['x-forwarded-method'], 'POST');
  assert.equal(seen.headers['x-forwarded-uri'], '/app?a=1');
  assert.equal(seen.headers['x-forwarded-host'], 'app.test');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  const denied = await run(mw, { headers: { authorization: 'Bearer bad' } });
  assert.equal(denied.res.status, 401);
  assert.equal(denied.res.text, 'denied by auth');
  assert.equal(denied.res.header('www-authenticate'), 'Bearer');
  assert.equal(next.seen.length, 1);
});

test('an unreachable auth server is a 500; a bad address names its key', async () => {
  const mw = forwardAuth.compile({ address: 'http://127.0.0.1:1/', maxBodySize: -1 }, keyOf('forwardAuth'))(answer(), wrapContext());
  assert.equal((await run(mw)).res.status, 500);
  assert.throws(() => forwardAuth.compile({ address: 'ftp://x', maxBodySize: -1 }, keyOf('forwardAuth')), { key: 'traefik/http/middlewares/m/forwardAuth/address' });
});
