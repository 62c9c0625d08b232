/**
 * /metrics end to end through the worker threads: requests served by two workers show up in the
 * main thread's Prometheus text (Traefik's names and labels), which a strict parser must accept;
 * counters move by exactly the requests sent. Plus the parser's own refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { parsePrometheusText, sumOf } from '../support/prometheus-text.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let node: TestNode;

before(async () => {
  upstream = await startUpstream('m');
  node = await startTestNode(`
http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
  services:
    app:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`, ['--metrics.prometheus=true', '--workers=2']);
});

after(async () => {
  await node.stop();
  await upstream.close();
});

async function scrape() {
  const res = await request(`http://127.0.0.1:${node.api}/metrics`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.body.text());
}

describe('/metrics', () => {
  test('request counters and histograms move by the requests sent, across both workers', async () => {
    const labels = { code: '200', method: 'GET', protocol: 'http', entrypoint: 'web' };
    const before = await scrape();
    const entryBefore = sumOf(before, 'traefik_entrypoint_requests_total', labels);
    // Fresh connections, several at a time, so both threads take some.
    const agent = new Agent({ pipelining: 0, connections: 8 });
    const sends = Array.from({ length: 40 }, async (_, i) => {
      const res = await request(node.url(`/r${i}`), { headers: { host: 'app.test', connection: 'close' }, dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    });
    assert.deepEqual(new Set(await Promise.all(sends)), new Set([200]));
    const missing = await request(node.url('/'), { headers: { host: 'nobody.test' } });
    await missing.body.dump();
    await agent.close();

    const after = await scrape();
    assert.equal(sumOf(after, 'traefik_entrypoint_requests_total', labels) - entryBefore, 40);
    assert.equal(sumOf(after, 'traefik_entrypoint_requests_total', { code: '404', entrypoint: 'web' }), 1);
    assert.equal(sumOf(after, 'traefik_router_requests_total', { code: '200', router: 'app@file', service: 'app@file' }), 40 + (entryBefore));
    assert.equal(sumOf(after, 'traefik_service_requests_total', { code: '200', service: 'app@file' }), 40 + entryBefore);
    assert.equal(sumOf(after, 'traefik_entrypoint_request_duration_seconds_count', labels), 40 + entryBefore);
    assert.ok(sumOf(after, 'traefik_entrypoint_request_duration_seconds_sum', labels) > 0);
    assert.equal(sumOf(after, 'traefik_service_request_duration_seconds_bucket', { service: 'app@file', code: '200', le: '+Inf' }), 40 + entryBefore);
    assert.equal(sumOf(after, 'traefik_entrypoint_open_connections', { entrypoint: 'web' }), 0, 'nothing in flight after the answers');
    assert.equal(sumOf(after, 'traefik_service_server_up', { service: 'app@file', url: upstream.url }), 1);
    assert.equal(sumOf(after, 'switchyard_workers'), 2);
    assert.equal(sumOf(after, 'switchyard_worker_restarts_total'), 0);
    assert.ok(sumOf(after, 'traefik_config_reloads_total') >= 1);
    assert.ok(sumOf(after, 'traefik_config_last_reload_success') > 1_700_000_000, 'a Unix timestamp in seconds');
    assert.equal(after.get('traefik_entrypoint_request_duration_seconds')?.type, 'histogram');
  });

  test('/api/workers lists each worker with its counters', async () => {
    const res = await request(`http://127.0.0.1:${node.api}/api/workers`);
    const workers = (await res.body.json()) as { id: number; connectionsServed: number; restarts: number; inFlight: number }[];
    assert.deepEqual(workers.map((w) => w.id), [1, 2]);
    for (const w of workers) assert.equal(w.restarts, 0);
  });
});

describe('the test parser is strict', () => {
  const bad: Record<string, string> = {
    'no newline at the end': '# TYPE a counter\na 1',
    'undeclared family': 'a 1\n',
    'unquoted label': '# TYPE a counter\na{x=1} 1\n',
    'bad escape': '# TYPE a counter\na{x="\\t"} 1\n',
    'duplicate series': '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n',
    'bad value': '# TYPE a counter\na 1,5\n',
    'histogram not cumulative': '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
    'histogram +Inf differs from count': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
  };
  for (const [what, text] of Object.entries(bad)) {
    test(`rejects: ${what}`, () => assert.throws(() => parsePrometheusText(text)));
  }

  test('accepts a well-formed exposition', () => {
    const families = parsePrometheusText('# HELP a A \\\\ help\n# TYPE a counter\na{x="q\\"uote",y="n\\nl"} 3\n# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n');
    assert.equal(families.get('a')?.samples[0]?.labels.x, 'q"uote');
    assert.equal(sumOf(families, 'h_count'), 2);
  });
});
