import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorPages } from '../../src/middlewares/error-pages.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

test('answers in the ranges are replaced by the error service\'s page, under the original status', async () => {
  const page = answer(200, 'custom page', ['content-type', 'text/html']);
  const context = wrapContext({ service: () => ({ name: 'pages@test', available: () => true, handle: page }) });
  const build = (status: number) => errorPages.compile({ status: ['500-599', '404'], service: 'pages', query: '/{status}.html?from={url}' }, keyOf('errors'))(answer(status, 'upstream body'), context);
  const r = await run(build(502), { path: '/x', headers: { host: 'app.test' } });
  assert.equal(r.res.status, 502);
  assert.equal(r.res.text, 'custom page');
  assert.equal(r.res.header('content-type'), 'text/html');
  const seen = page.seen.at(-1)!;
  assert.equal(seen.path, '/502.html');
  assert.equal(seen.method, 'GET');
  assert.equal(seen.rawQuery, `from=${encodeURIComponent('http://app.test/x')}`);
  assert.equal((await run(build(404))).res.status, 404);
  const pass = await run(build(403));
  assert.equal(pass.res.text, 'upstream body');
  assert.throws(() => errorPages.compile({ status: ['5xx'], service: 's' }, keyOf('errors')), { key: 'traefik/http/middlewares/m/errors/status/0' });
});
