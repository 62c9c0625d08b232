/**
 * The access log end to end through the worker threads: lines land in `--accessLog.filePath` with
 * Traefik's field names or Traefik's Common Log Format, and `--accessLog.filters.*` keep exactly the
 * requests Traefik would keep (any filter matching keeps a line). Plus the filter rule itself and
 * the flags that are refused at start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { keepsRequest, clfTime } from '../../src/logging/access-log.ts';
import { loadStaticConfig } from '../../src/config/static.ts';
import { StaticConfigError } from '../../src/errors.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const routes = (upstream: TestUpstream) => `
http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
    flaky:
      rule: Host(\`flaky.test\`)
      service: app
      middlewares: [again]
  middlewares:
    again:
      retry:
        attempts: 3
        status: ["503"]
  services:
    app:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`;

async function get(node: TestNode, host: string, path = '/', headers: Record<string, string> = {}): Promise<number> {
  const res = await request(node.url(path), { headers: { host, ...headers } });
  await res.body.dump();
  return res.statusCode;
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
}

describe('access log', () => {
  let upstream: TestUpstream;
  let failNext = 0;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-access-log-'));
    upstream = await startUpstream('a');
    upstream.handler = (req, res) => {
      if (req.url === '/slow') {
        setTimeout(() => res.end('slow'), 250);
        return;
      }
      if (req.url === '/flaky' && failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end('busy');
        return;
      }
      res.end('ok');
    };
  });

  after(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('JSON lines with Traefik field names, one per request, in the file', async () => {
    const file = join(dir, 'access.log');
    const withFile = await startTestNode(routes(upstream), ['--workers=2', `--accessLog.filePath=${file}`]);
    assert.equal(await get(withFile, 'app.test', '/a?x=1'), 200);
    assert.equal(await get(withFile, 'nobody.test', '/b'), 404);
    await withFile.stop();
    const entries = (await lines(file)).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(entries.length, 2);
    const ok = entries.find((e) => e.DownstreamStatus === 200)!;
    assert.equal(ok.RequestHost, 'app.test');
    assert.equal(ok.RequestMethod, 'GET');
    assert.equal(ok.RequestPath, '/a?x=1');
    assert.equal(ok.RequestProtocol, 'HTTP/1.1');
    assert.equal(ok.RouterName, 'app@file');
    assert.equal(ok.ServiceName, 'app@file');
    assert.equal(ok.ServiceURL, upstream.url);
    assert.equal(ok.OriginStatus, 200);
    assert.equal(ok.ClientHost, '127.0.0.1');
    assert.equal(ok.EntryPointName, 'web');
    assert.equal(typeof ok.Duration, 'number');
    assert.ok((ok.Duration as number) > 0);
    const missing = entries.find((e) => e.DownstreamStatus === 404)!;
    assert.equal(missing.RouterName, undefined);
    // Both threads count into one node-wide RequestCount.
    assert.deepEqual(entries.map((e) => e.RequestCount).sort(), [1, 2]);
  });

  test('filters keep a request when any of them matches: status, duration, retries', async () => {
    const file = join(dir, 'filtered.log');
    const node = await startTestNode(routes(upstream), [
      '--workers=1',
      `--accessLog.filePath=${file}`,
      '--accessLog.filters.statusCodes=404,500-599',
      '--accessLog.filters.minDuration=150ms',
      '--accessLog.filters.retryAttempts=true',
    ]);
    for (let i = 0; i < 3; i++) assert.equal(await get(node, 'app.test', '/fast'), 200);
    assert.equal(await get(node, 'nobody.test'), 404);
    assert.equal(await get(node, 'app.test', '/slow'), 200);
    failNext = 1;
    assert.equal(await get(node, 'flaky.test', '/flaky'), 200);
    assert.equal(await get(node, 'flaky.test', '/flaky'), 200);
    await node.stop();
    const entries = (await lines(file)).map((l) => JSON.parse(l) as Record<string, unknown>);
    const kept = entries.map((e) => `${e.DownstreamStatus} ${e.RequestHost} ${e.RequestPath} ${e.RetryAttempts}`).sort();
    assert.deepEqual(kept, ['200 app.test /slow 0', '200 flaky.test /flaky 1', '404 nobody.test / 0']);
  });

  test('common format: Traefik\'s CLF line', async () => {
    const file = join(dir, 'common.log');
    const node = await startTestNode(routes(upstream), ['--workers=1', `--accessLog.filePath=${file}`, '--accessLog.format=common', '--accessLog.bufferingSize=10']);
    const auth = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
    assert.equal(await get(node, 'app.test', '/p?q=1', { 'user-agent': 'curl/8 "x"', referer: 'http://r.test/', authorization: auth }), 200);
    // A decoded %0a in the path must not start a forged line.
    assert.equal(await get(node, 'app.test', '/x%0a127.0.0.1%20-%20forged'), 200);
    await node.stop();
    const [line, forged, ...rest] = await lines(file);
    assert.equal(rest.length, 0);
    assert.match(forged!, /"GET \/x%0A127\.0\.0\.1%20-%20forged HTTP\/1\.1" 200 /);
    assert.match(line!, /^127\.0\.0\.1 - alice \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/p\?q=1 HTTP\/1\.1" 200 - "http:\/\/r\.test\/" "curl\/8 \\"x\\"" 1 "app@file" "http:\/\/127\.0\.0\.1:\d+" \d+ms$/);
  });

  test('the filter rule', () => {
    const filters = { statusCodes: [[500, 599]] as [number, number][], retryAttempts: false, minDurationMs: 0 };
    assert.equal(keepsRequest(undefined, 200, 0, 1), true);
    assert.equal(keepsRequest({ statusCodes: [], retryAttempts: false, minDurationMs: 0 }, 200, 0, 1), true, 'empty filters keep everything');
    assert.equal(keepsRequest(filters, 503, 0, 1), true);
    assert.equal(keepsRequest(filters, 200, 0, 1), false);
    assert.equal(keepsRequest({ ...filters, minDurationMs: 10 }, 200, 0, 11), true);
    assert.equal(keepsRequest({ ...filters, minDurationMs: 10 }, 200, 0, 10), false, 'longer than, not equal');
    assert.equal(keepsRequest({ ...filters, retryAttempts: true }, 200, 2, 1), true);
  });

  test('Go\'s CLF timestamp layout', () => {
    assert.match(clfTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), /^\d{2}\/(Jan|Dec)\/\d{4}:\d{2}:04:05 [+-]\d{4}$/);
  });

  test('bad filter values are refused at start, naming the flag', () => {
    const load = (flag: string) => () => loadStaticConfig({ argv: [flag], env: {} });
    assert.throws(load('--accessLog.filters.statusCodes=200,3xx'), (e: unknown) => e instanceof StaticConfigError && /accessLog\.filters\.statusCodes/.test((e as Error).message) && /3xx/.test((e as Error).message));
    assert.throws(load('--accessLog.filters.minDuration=soon'), (e: unknown) => e instanceof StaticConfigError && /accessLog\.filters\.minDuration/.test((e as Error).message));
    assert.throws(load('--accessLog.format=xml'), (e: unknown) => e instanceof StaticConfigError && /accessLog\.format/.test((e as Error).message));
  });
});
