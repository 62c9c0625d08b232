import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redirectRegex } from '../../src/middlewares/redirect-regex.ts';
import { MiddlewareConfigError } from '../../src/middlewares/middleware.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

const build = (options: Parameters<typeof redirectRegex.compile>[0]) => redirectRegex.compile(options, keyOf('redirectRegex'))(answer(), wrapContext());

test('rewrites the full URL with Go template groups; codes follow the method', async () => {
  const mw = build({ regex: '^http://localhost/(.*)', replacement: 'http://mydomain/${1}' });
  let r = await run(mw, { headers: { host: 'localhost' }, path: '/foo/bar' });
  assert.equal(r.res.status, 302);
  assert.equal(r.res.header('location'), 'http://mydomain/foo/bar');
  r = await run(mw, { method: 'POST', headers: { host: 'localhost' }, path: '/x' });
  assert.equal(r.res.status, 307);
  r = await run(build({ regex: '^http://localhost/(.*)', replacement: 'http://mydomain/$1', permanent: true }), { method: 'DELETE', headers: { host: 'localhost' }, path: '/x' });
  assert.equal(r.res.status, 308);
  r = await run(build({ regex: '^http://localhost/(?P<rest>.*)', replacement: 'https://localhost/${rest}', permanent: true }), { headers: { host: 'localhost' }, path: '/x' });
  assert.equal(r.res.status, 301);
  assert.equal(r.res.header('location'), 'https://localhost/x');
});

test('no match, or the same URL, passes through', async () => {
  let r = await run(build({ regex: '^http://other/', replacement: 'http://x/' }), { headers: { host: 'localhost' } });
  assert.equal(r.res.status, 200);
  r = await run(build({ regex: '^(.*)$', replacement: '$1' }), { headers: { host: 'localhost' } });
  assert.equal(r.res.status, 200);
});

test('a regex RE2 refuses is an error naming the key', () => {
  assert.throws(() => redirectRegex.compile({ regex: '(?=x)', replacement: 'y' }, keyOf('redirectRegex')), (e: MiddlewareConfigError) => e.code === 'SY_MIDDLEWARE_CONFIG' && e.key!.endsWith('/redirectRegex/regex'));
});
