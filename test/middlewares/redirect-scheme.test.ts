import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redirectScheme } from '../../src/middlewares/redirect-scheme.ts';
import { MiddlewareConfigError } from '../../src/middlewares/middleware.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

const build = (options: Parameters<typeof redirectScheme.compile>[0]) => redirectScheme.compile(options, keyOf('redirectScheme'))(answer(), wrapContext());

test('redirect codes by method and permanent (Traefik: GET 302/301, others 307/308)', async () => {
  const cases: [string, boolean, number][] = [['GET', false, 302], ['GET', true, 301], ['POST', false, 307], ['POST', true, 308], ['HEAD', false, 307], ['PUT', true, 308]];
  for (const [method, permanent, status] of cases) {
    const { res } = await run(build({ scheme: 'https', permanent }), { method, path: '/a/b', query: 'x=1', headers: { host: 'example.com' } });
    assert.equal(res.status, status, `${method} permanent=${permanent}`);
    assert.equal(res.header('location'), 'https://example.com/a/b?x=1');
  }
});

test('port: kept when not the default, dropped for 443', async () => {
  let r = await run(build({ scheme: 'https', port: '8443' }), { headers: { host: 'example.com:8080' }, path: '/p' });
  assert.equal(r.res.header('location'), 'https://example.com:8443/p');
  r = await run(build({ scheme: 'https', port: '443' }), { headers: { host: 'example.com:80' }, path: '/p' });
  assert.equal(r.res.header('location'), 'https://example.com/p');
});

test('a request already on the target scheme passes through (TLS or trusted X-Forwarded-Proto)', async () => {
  let r = await run(build({ scheme: 'https' }), { headers: { host: 'example.com' }, tls: true });
  assert.equal(r.res.status, 200);
  r = await run(build({ scheme: 'https' }), { headers: { host: 'example.com', 'x-forwarded-proto': 'https' }, trustForwarded: true });
  assert.equal(r.res.status, 200);
  r = await run(build({ scheme: 'https' }), { headers: { host: 'example.com', 'x-forwarded-proto': 'https' } });
  assert.equal(r.res.status, 302, 'an untrusted X-Forwarded-Proto is ignored');
});

test('scheme is required', () => {
  assert.throws(() => redirectScheme.compile({}, keyOf('redirectScheme')), (e: MiddlewareConfigError) => e.code === 'SY_MIDDLEWARE_CONFIG' && e.key === 'traefik/http/middlewares/m/redirectScheme/scheme');
});
