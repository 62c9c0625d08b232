import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breaker, circuitBreaker } from '../../src/middlewares/circuit-breaker.ts';
import { parseCondition } from '../../src/middlewares/breaker-expression.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

const times = { checkPeriodMs: 100, fallbackMs: 10_000, recoveryMs: 10_000 };

test('trips on NetworkErrorRatio, serves the fallback, recovers gradually, closes', () => {
  const b = new Breaker(parseCondition('NetworkErrorRatio() > 0.5'), times);
  let t = 1_000_000;
  for (let i = 0; i < 10; i++) b.record(200, 5, (t += 1));
  assert.equal(b.state, 'standby');
  for (let i = 0; i < 30; i++) b.record(502, 5, (t += 10));
  assert.equal(b.state, 'tripped');
  assert.equal(b.fallback(t + 5_000), true, 'within fallbackDuration');
  t += 10_001;
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (!b.fallback(t + i * 50)) allowed++;
  assert.equal(b.state, 'recovering');
  assert.ok(allowed > 0 && allowed < 50, `some requests pass while recovering (${allowed})`);
  assert.equal(b.fallback(t + 10_001), false);
  assert.equal(b.state, 'standby');
});

test('ResponseCodeRatio, LatencyAtQuantileMS, && and ||', () => {
  const c = parseCondition('ResponseCodeRatio(500, 600, 0, 600) > 0.25 || (LatencyAtQuantileMS(50.0) > 100 && NetworkErrorRatio() >= 0)');
  const b = new Breaker(c, times);
  let t = 5_000_000;
  for (let i = 0; i < 10; i++) b.record(200, 150, (t += 1));
  assert.equal(b.state, 'tripped', 'median latency 150 ms');
  const d = new Breaker(parseCondition('ResponseCodeRatio(500, 600, 0, 600) > 0.25'), times);
  for (let i = 0; i < 6; i++) d.record(200, 1, (t += 1));
  d.record(500, 1, (t += 200));
  assert.equal(d.state, 'standby');
  for (let i = 0; i < 3; i++) d.record(503, 1, (t += 200));
  assert.equal(d.state, 'tripped');
});

test('the middleware answers responseCode while tripped', async () => {
  const mw = circuitBreaker.compile({ expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.5', checkPeriod: 0, fallbackDuration: 60_000, recoveryDuration: 1_000, responseCode: 503 }, keyOf('circuitBreaker'))(answer(500, 'boom'), wrapContext());
  assert.equal((await run(mw)).res.status, 500);
  const tripped = await run(mw);
  assert.equal(tripped.res.status, 503);
  assert.equal(tripped.res.text, 'Service Unavailable');
});

test('a bad expression is an error on expression', () => {
  for (const expression of ['NetworkErrorRatio() >', 'Foo() > 1', 'ResponseCodeRatio(500, 600) > 0.5', 'NetworkErrorRatio() > 0.5 &&']) {
    assert.throws(() => circuitBreaker.compile({ expression, checkPeriod: 100, fallbackDuration: 1, recoveryDuration: 1, responseCode: 503 }, keyOf('circuitBreaker')), { key: 'traefik/http/middlewares/m/circuitBreaker/expression' }, expression);
  }
});
