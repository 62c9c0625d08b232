/**
 * The double's hostile knobs and counters (double-only: a real Consul has no such switches):
 * index jumps and resets, reaped tombstones, spurious wake-ups, a forced zero index, injected
 * failures, slow answers, pause/resume and stop/restart, and per-endpoint request counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsulDouble, type ConsulDouble } from '../support/consul-double/consul-double.ts';
import { ConsulHttp } from './consul-http.ts';

describe('consul double knobs', () => {
  let double: ConsulDouble;
  let http: ConsulHttp;
  before(async () => {
    double = await startConsulDouble({ sessionTtlMin: '1s' });
    http = new ConsulHttp(double.url, undefined);
  });
  after(async () => {
    await http.close();
    await double.close();
  });

  test('a fresh store reports X-Consul-Index 1, never 0', async () => {
    const fresh = await startConsulDouble();
    const client = new ConsulHttp(fresh.url, undefined);
    const answer = await client.call('GET', '/v1/kv/', { query: 'recurse' });
    assert.equal(answer.status, 404);
    assert.equal(answer.index, 1);
    assert.deepEqual((await client.call('GET', '/v1/kv/', { query: 'keys' })).json(), []);
    await client.close();
    await fresh.close();
  });

  test('indexJump leaves large gaps between the indexes of consecutive writes', async () => {
    await http.put('jump/a');
    const a = (await http.entry('jump/a')).ModifyIndex;
    double.knobs.indexJump = 1_000_000;
    await http.put('jump/b');
    double.knobs.indexJump = 0;
    assert.ok((await http.entry('jump/b')).ModifyIndex > a + 1_000_000);
  });

  test('indexReset moves indexes back and answers parked queries at once with the lower index', async () => {
    await http.put('reset/a', 'x');
    const before = await http.get('reset/', 'recurse');
    const poll = http.get('reset/', `recurse&index=${before.index}&wait=30s`);
    for (let i = 0; i < 200 && double.stats.waiting === 0; i++) await sleep(5);
    double.knobs.indexReset();
    const answer = await poll;
    assert.ok((answer.index ?? 0) < (before.index ?? 0), `${answer.index} < ${before.index}`);
    assert.equal(answer.text.includes('"Key":"reset/a"'), true, 'the data survives the restore');
    const entry = await http.entry('reset/a');
    assert.ok(entry.CreateIndex <= entry.ModifyIndex);
  });

  test('reapTombstones: a prefix whose newest change was a delete reports a lower index', async () => {
    await http.put('reap/keep', 'x');
    await http.put('reap/gone', 'x');
    await http.del('reap/gone');
    const withTombstone = (await http.get('reap/', 'recurse')).index ?? 0;
    double.knobs.reapTombstones();
    assert.ok(((await http.get('reap/', 'recurse')).index ?? 0) < withTombstone);
  });

  test('spuriousWakeups returns a long poll early with its index unchanged', async () => {
    await http.put('spurious/a', 'x');
    const first = await http.get('spurious/a');
    double.knobs.spuriousWakeups = true;
    const answer = await http.get('spurious/a', `index=${first.index}&wait=30s`);
    double.knobs.spuriousWakeups = false;
    assert.equal(answer.status, 200);
    assert.equal(answer.index, first.index);
  });

  test('forceIndexZero sends X-Consul-Index: 0', async () => {
    double.knobs.forceIndexZero = true;
    const answer = await http.get('spurious/a');
    double.knobs.forceIndexZero = false;
    assert.equal(answer.index, 0);
  });

  test('failNext answers the next n requests with the given status, then recovers', async () => {
    const failuresBefore = double.stats.injectedFailures;
    double.knobs.failNext(2, 503);
    assert.equal((await http.get('spurious/a')).status, 503);
    assert.equal((await http.put('fail/x', 'x')).status, 503);
    assert.equal((await http.get('spurious/a')).status, 200);
    assert.equal((await http.get('fail/x')).status, 404, 'the failed write never happened');
    assert.equal(double.stats.injectedFailures - failuresBefore, 2);
    double.knobs.failNext(1);
    const answer = await http.get('spurious/a');
    assert.equal(answer.status, 500);
    assert.equal(answer.text, 'No cluster leader');
  });

  test('slowResponses delays every answer by at least that long', async () => {
    double.knobs.slowResponses = 150;
    const started = performance.now();
    await http.get('spurious/a');
    double.knobs.slowResponses = 0;
    assert.ok(performance.now() - started >= 140);
  });

  test('pause holds requests (new and in flight) until resume', async () => {
    double.knobs.pause();
    let answered = false;
    const pending = http.get('spurious/a').then((answer) => {
      answered = true;
      return answer;
    });
    await sleep(150);
    assert.equal(answered, false);
    double.knobs.resume();
    assert.equal((await pending).status, 200);
  });

  test('stop refuses connections; restart serves the same data on the same port', async () => {
    await http.put('outage/k', 'survives');
    const port = double.port;
    await double.knobs.stop();
    const refused = new ConsulHttp(double.url, undefined);
    await assert.rejects(refused.get('outage/k'), /ECONNREFUSED/);
    await refused.close();
    await double.knobs.restart();
    assert.equal(double.port, port);
    const fresh = new ConsulHttp(double.url, undefined);
    assert.equal((await fresh.entry('outage/k')).Value, Buffer.from('survives').toString('base64'));
    await fresh.close();
  });

  test('sessions do not expire while the double is stopped; restart re-arms their TTL in full', async () => {
    const created = await http.call('PUT', '/v1/session/create', { body: JSON.stringify({ TTL: '1s', NodeChecks: [] }) });
    const { ID } = created.json<{ ID: string }>();
    await double.knobs.stop();
    await sleep(1300);
    await double.knobs.restart();
    assert.equal((await http.call('GET', `/v1/session/info/${ID}`)).json<unknown[]>().length, 1, 'survived the outage');
    for (let i = 0; i < 60 && (await http.call('GET', `/v1/session/info/${ID}`)).json<unknown[]>().length > 0; i++) await sleep(100);
    assert.equal((await http.call('GET', `/v1/session/info/${ID}`)).json<unknown[]>().length, 0, 'expired after the restart');
  });

  test('a client that abandons a long poll leaves no parked query behind', async () => {
    await http.put('abandon/a', 'x');
    const first = await http.get('abandon/a');
    const controller = new AbortController();
    const poll = http.get('abandon/a', `index=${first.index}&wait=30s`, { signal: controller.signal });
    for (let i = 0; i < 200 && double.stats.waiting === 0; i++) await sleep(5);
    assert.equal(double.stats.waiting, 1);
    controller.abort();
    await assert.rejects(poll);
    for (let i = 0; i < 200 && double.stats.waiting > 0; i++) await sleep(5);
    assert.equal(double.stats.waiting, 0);
  });

  test('stats count requests per endpoint, blocking reads separately', async () => {
    double.stats.reset();
    await http.get('stats/', 'recurse');
    const first = await http.get('stats/', 'recurse');
    await http.get('stats/', `recurse&index=${first.index}&wait=10ms`);
    await http.put('stats/a');
    await http.get('stats/', 'keys');
    assert.equal(double.stats.count('kv.recurse'), 3);
    assert.equal(double.stats.count('kv.recurse:blocking'), 1);
    assert.equal(double.stats.count('kv.put'), 1);
    assert.equal(double.stats.count('kv.keys'), 1);
    assert.equal(double.stats.total, 5);
  });
});
