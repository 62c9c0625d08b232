import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headers } from '../../src/middlewares/headers.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

const build = (options: Parameters<typeof headers.compile>[0], next = answer(200, 'ok', ['content-type', 'text/plain', 'x-powered-by', 'php', 'x-frame-options', 'SAMEORIGIN'])) =>
  ({ next, mw: headers.compile(options, keyOf('headers'))(next, wrapContext()) });

test('custom request and response headers: a value sets, an empty value removes', async () => {
  const { mw, next } = build({ customRequestHeaders: { 'X-Script-Name': 'test', 'X-Drop': '' }, customResponseHeaders: { 'X-Custom-Response': 'v', 'X-Powered-By': '' } });
  const { res } = await run(mw, { headers: { 'x-drop': 'gone', 'x-script-name': 'old' } });
  assert.equal(sentHeader(next.seen[0]!, 'x-script-name'), 'test');
  assert.equal(sentHeader(next.seen[0]!, 'x-drop'), undefined);
  assert.equal(res.header('x-custom-response'), 'v');
  assert.equal(res.header('x-powered-by'), undefined);
});

test('security headers; STS only over TLS unless forced', async () => {
  const options = { stsSeconds: 31536000, stsIncludeSubdomains: true, stsPreload: true, frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, contentSecurityPolicy: "default-src 'self'", referrerPolicy: 'no-referrer', permissionsPolicy: 'camera=()' };
  let r = await run(build(options).mw, { tls: true });
  assert.equal(r.res.header('strict-transport-security'), 'max-age=31536000; includeSubDomains; preload');
  assert.equal(r.res.header('x-frame-options'), 'DENY');
  assert.equal(r.res.header('x-content-type-options'), 'nosniff');
  assert.equal(r.res.header('x-xss-protection'), '1; mode=block');
  assert.equal(r.res.header('content-security-policy'), "default-src 'self'");
  assert.equal(r.res.header('referrer-policy'), 'no-referrer');
  assert.equal(r.res.header('permissions-policy'), 'camera=()');
  r = await run(build(options).mw);
  assert.equal(r.res.header('strict-transport-security'), undefined);
  r = await run(build({ ...options, forceSTSHeader: true, customFrameOptionsValue: 'SAMEORIGIN' }).mw);
  assert.equal(r.res.header('strict-transport-security'), 'max-age=31536000; includeSubDomains; preload');
  assert.equal(r.res.header('x-frame-options'), 'SAMEORIGIN');
});

test('CORS preflight is answered here; other answers get the allow headers', async () => {
  const options = { accessControlAllowMethods: ['GET', 'OPTIONS', 'PUT'], accessControlAllowHeaders: ['X-Custom'], accessControlAllowOriginList: ['https://a.test'], accessControlAllowOriginListRegex: ['^https://.*\\.b\\.test$'], accessControlMaxAge: 100, accessControlAllowCredentials: true, accessControlExposeHeaders: ['X-Exposed'], addVaryHeader: true };
  const { mw, next } = build(options);
  const pre = await run(mw, { method: 'OPTIONS', headers: { origin: 'https://x.b.test', 'access-control-request-method': 'PUT' } });
  assert.equal(pre.res.status, 200);
  assert.equal(pre.res.header('access-control-allow-origin'), 'https://x.b.test');
  assert.equal(pre.res.header('access-control-allow-methods'), 'GET,OPTIONS,PUT');
  assert.equal(pre.res.header('access-control-allow-headers'), 'X-Custom');
  assert.equal(pre.res.header('access-control-max-age'), '100');
  assert.equal(pre.res.header('access-control-allow-credentials'), 'true');
  assert.equal(next.seen.length, 0, 'the preflight does not reach the service');
  const get = await run(mw, { headers: { origin: 'https://a.test' } });
  assert.equal(get.res.header('access-control-allow-origin'), 'https://a.test');
  assert.equal(get.res.header('access-control-expose-headers'), 'X-Exposed');
  assert.equal(get.res.header('vary'), 'Origin');
  const other = await run(mw, { headers: { origin: 'https://evil.test' } });
  assert.equal(other.res.header('access-control-allow-origin'), undefined);
});

test('allowedHosts refuses other hosts; a bad origin regex names its key', async () => {
  const { mw } = build({ allowedHosts: ['good.test'] });
  assert.equal((await run(mw, { headers: { host: 'good.test' } })).res.status, 200);
  assert.equal((await run(mw, { headers: { host: 'bad.test' } })).res.status, 500);
  assert.throws(() => headers.compile({ accessControlAllowOriginListRegex: ['(?<=x)'] }, keyOf('headers')), { key: 'traefik/http/middlewares/m/headers/accessControlAllowOriginListRegex/0' });
});
