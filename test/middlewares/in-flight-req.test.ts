import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inFlightReq } from '../../src/middlewares/in-flight-req.ts';
import type { RequestContext } from '../../src/proxy/request-context.ts';
import { fakeContext, keyOf, wrapContext } from '../support/fake-exchange.ts';

test('amount in flight per source; the next one gets 429 until one finishes', async () => {
  const pending: RequestContext[] = [];
  const mw = inFlightReq.compile({ amount: 2 }, keyOf('inFlightReq'))((ctx) => pending.push(ctx), wrapContext());
  const a = fakeContext();
  const b = fakeContext();
  const c = fakeContext();
  mw(a.ctx);
  mw(b.ctx);
  mw(c.ctx);
  assert.equal(c.res.status, 429);
  a.res.writeHead(200, undefined, []);
  a.res.end();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const d = fakeContext();
  mw(d.ctx);
  assert.equal(pending.length, 3);
  const other = fakeContext({ clientIp: '10.9.9.9' });
  mw(other.ctx);
  assert.equal(pending.length, 4);
  assert.throws(() => inFlightReq.compile({ amount: 0 }, keyOf('inFlightReq')), { key: 'traefik/http/middlewares/m/inFlightReq/amount' });
});
