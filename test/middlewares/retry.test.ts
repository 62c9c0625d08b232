import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry } from '../../src/middlewares/retry.ts';
import { sendError } from '../../src/proxy/error-responses.ts';
import { writerOf, type RequestContext } from '../../src/proxy/request-context.ts';
import { keyOf, run, wrapContext } from '../support/fake-exchange.ts';

/** Fails with a network error `failures` times, then answers 200 with the body it was sent. */
function flaky(failures: number, status?: number) {
  const calls: { method: string; body: string }[] = [];
  const handler = (ctx: RequestContext) => {
    calls.push({ method: ctx.method, body: Buffer.isBuffer(ctx.body) ? ctx.body.toString() : '' });
    const out = writerOf(ctx);
    if (calls.length <= failures) {
      if (status !== undefined) {
        out.writeHead(status, undefined, ['content-length', '4']);
        out.end('fail');
        return;
      }
      ctx.upstreamError = new Error('connect ECONNREFUSED');
      sendError(out, 502);
      return;
    }
    out.writeHead(200, undefined, ['content-length', '2']);
    out.end('ok');
  };
  return { handler, calls };
}

const options = (o: Partial<Parameters<typeof retry.compile>[0]>) => ({ maxRequestBodyBytes: 2 * 1024 * 1024, ...o }) as Parameters<typeof retry.compile>[0];

test('retries an idempotent request after network errors, replaying its body', async () => {
  const { handler, calls } = flaky(2);
  const mw = retry.compile(options({ attempts: 3 }), keyOf('retry'))(handler, wrapContext());
  const { res } = await run(mw, { method: 'PUT', body: 'payload' });
  assert.equal(res.status, 200);
  assert.equal(res.text, 'ok');
  assert.deepEqual(calls.map((c) => c.body), ['payload', 'payload', 'payload']);
});

test('gives the last attempt\'s answer when every attempt fails', async () => {
  const { handler, calls } = flaky(5);
  const { res } = await run(retry.compile(options({ attempts: 3 }), keyOf('retry'))(handler, wrapContext()));
  assert.equal(res.status, 502);
  assert.equal(calls.length, 3);
});

test('never replays a non-idempotent request by default', async () => {
  for (const method of ['POST', 'PATCH']) {
    const { handler, calls } = flaky(1);
    const { res } = await run(retry.compile(options({ attempts: 4 }), keyOf('retry'))(handler, wrapContext()), { method, body: 'charge card' });
    assert.equal(res.status, 502, method);
    assert.equal(calls.length, 1, `${method} sent once`);
  }
  const { handler, calls } = flaky(1);
  const { res } = await run(retry.compile(options({ attempts: 2, retryNonIdempotentMethod: true }), keyOf('retry'))(handler, wrapContext()), { method: 'POST', body: 'x' });
  assert.equal(res.status, 200);
  assert.equal(calls.length, 2, 'retryNonIdempotentMethod opts in');
});

test('an upstream answer is not retried unless its status is listed', async () => {
  let f = flaky(1, 503);
  let r = await run(retry.compile(options({ attempts: 3 }), keyOf('retry'))(f.handler, wrapContext()));
  assert.equal(r.res.status, 503);
  assert.equal(f.calls.length, 1);
  f = flaky(1, 503);
  r = await run(retry.compile(options({ attempts: 3, status: ['500-599'] }), keyOf('retry'))(f.handler, wrapContext()));
  assert.equal(r.res.status, 200);
  assert.equal(f.calls.length, 2);
});

test('initialInterval spaces the attempts', async () => {
  const { handler } = flaky(2);
  const started = performance.now();
  await run(retry.compile(options({ attempts: 3, initialInterval: 40 }), keyOf('retry'))(handler, wrapContext()));
  assert.ok(performance.now() - started >= 35);
});

test('attempts must be positive', () => {
  assert.throws(() => retry.compile(options({ attempts: 0 }), keyOf('retry')), { key: 'traefik/http/middlewares/m/retry/attempts' });
  assert.throws(() => retry.compile(options({ attempts: 2, status: ['5xx'] }), keyOf('retry')), { key: 'traefik/http/middlewares/m/retry/status/0' });
});
