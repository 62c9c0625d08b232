import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buffering } from '../../src/middlewares/buffering.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

test('maxRequestBodyBytes: 413 beyond, the body read ahead otherwise', async () => {
  const next = answer();
  const mw = buffering.compile({ maxRequestBodyBytes: 10 }, keyOf('buffering'))(next, wrapContext());
  assert.equal((await run(mw, { method: 'POST', body: 'x'.repeat(11) })).res.status, 413);
  assert.equal((await run(mw, { method: 'POST', body: 'x'.repeat(11), headers: { 'transfer-encoding': 'chunked' } })).res.status, 413);
  const ok = await run(mw, { method: 'POST', body: 'short' });
  assert.equal(ok.res.status, 200);
  assert.equal((next.seen[0]!.body as Buffer).toString(), 'short');
});

test('maxResponseBodyBytes: the whole answer with its length, or 500 beyond', async () => {
  let r = await run(buffering.compile({ maxResponseBodyBytes: 100 }, keyOf('buffering'))(answer(200, 'small'), wrapContext()));
  assert.equal(r.res.status, 200);
  assert.equal(r.res.header('content-length'), '5');
  r = await run(buffering.compile({ maxResponseBodyBytes: 3 }, keyOf('buffering'))(answer(200, 'too long'), wrapContext()));
  assert.equal(r.res.status, 500);
  assert.throws(() => buffering.compile({ retryExpression: 'IsNetworkError()' }, keyOf('buffering')), { key: 'traefik/http/middlewares/m/buffering/retryExpression' });
});
