/**
 * @module What an operator sees of a running node, end to end with a real etcd and a spawned node:
 * /metrics scraped and parsed by a strict Prometheus text parser (Traefik's request families, config
 * reloads, the store revision the node serves and its lag, the cluster leader, certificate expiry,
 * open connections, worker threads); and the log level changed at runtime through the API, on the main thread and in
 * the worker threads alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { EtcdStore } from '../src/stores/etcd-store.ts';
import { selfSignedCertificate } from '../src/tls/self-signed.ts';
import { parsePrometheusText, sumOf, type Family } from '../test/support/prometheus-text.ts';
import { waitFor } from '../test/support/test-node.ts';
import { startUpstream, type TestUpstream } from '../test/support/upstream.ts';
import { agent, stopNodes, untilAll } from './support/cluster.ts';
import { startEtcd, type EtcdServer } from './support/etcd/index.ts';
import { startNodeProcess, type NodeProcess } from './support/node-process.ts';

describe('observability of a running node', { timeout: 120_000 }, () => {
  let etcd: EtcdServer;
  let store: EtcdStore;
  let upstream: TestUpstream;
  let node: NodeProcess;
  let certificate: X509Certificate;

  const api = async (path: string, init: { method?: 'GET' | 'PUT' | 'POST'; body?: string } = {}) => {
    const res = await request(`http://127.0.0.1:${node.ports.traefik}${path}`, { method: init.method ?? 'GET', body: init.body, dispatcher: agent });
    return { status: res.statusCode, text: await res.body.text() };
  };
  const scrape = async (): Promise<Map<string, Family>> => {
    const { status, text } = await api('/metrics');
    assert.equal(status, 200);
    return parsePrometheusText(text);
  };
  const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined =>
    families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  before(async () => {
    etcd = await startEtcd();
    store = new EtcdStore({ endpoints: etcd.endpoints, flagPrefix: '--providers.etcd' });
    upstream = await startUpstream('obs');
    const pem = await selfSignedCertificate('secure.test', ['www.secure.test'], 30);
    certificate = new X509Certificate(pem.certPem);
    await store.put('traefik/tls/certificates/secure/certFile', pem.certPem);
    await store.put('traefik/tls/certificates/secure/keyFile', pem.keyPem);
    await store.put('traefik/http/services/app/loadBalancer/servers/0/url', upstream.url);
    await store.put('traefik/http/routers/app/service', 'app');
    await store.put('traefik/http/routers/app/rule', 'Host(`app.test`)');
    node = await startNodeProcess([
      '--entryPoints.web.address=127.0.0.1:0',
      '--entryPoints.traefik.address=127.0.0.1:0',
      '--api.insecure=true',
      '--providers.providersThrottleDuration=2ms',
      '--cluster.lockTTL=2s',
      `--providers.etcd.endpoints=${etcd.endpoints.join(',')}`,
      '--metrics.prometheus=true',
      '--workers=1',
      '--log.level=info',
    ], { SY_DEBUG_WORKER_API: '1' });
    await untilAll([node], 'app.test', 200);
  });

  after(async () => {
    if (node !== undefined) await stopNodes([node]);
    await store?.close();
    await upstream?.close();
    await etcd?.close();
  });

  test('/metrics parses, and its families move with the traffic and the store', async () => {
    const before = await scrape();
    const sent = 25;
    for (let i = 0; i < sent; i++) {
      const res = await request(`http://127.0.0.1:${node.ports.web}/r${i}`, { headers: { host: 'app.test' }, dispatcher: agent });
      await res.body.dump();
      assert.equal(res.statusCode, 200);
    }
    const after = await scrape();
    const router = { code: '200', method: 'GET', protocol: 'http', router: 'app@etcd', service: 'app@etcd' };
    assert.equal(sumOf(after, 'traefik_router_requests_total', router) - sumOf(before, 'traefik_router_requests_total', router), sent);
    assert.equal(sumOf(after, 'traefik_entrypoint_requests_total', { code: '200', entrypoint: 'web' }) - sumOf(before, 'traefik_entrypoint_requests_total', { code: '200', entrypoint: 'web' }), sent);
    assert.equal(sumOf(after, 'traefik_service_request_duration_seconds_count', { service: 'app@etcd' }) - sumOf(before, 'traefik_service_request_duration_seconds_count', { service: 'app@etcd' }), sent);
    assert.equal(after.get('traefik_router_request_duration_seconds')?.type, 'histogram');
    assert.ok((value(after, 'traefik_config_reloads_total') ?? 0) >= 1);
    assert.ok((value(after, 'traefik_config_last_reload_success') ?? 0) > 1_700_000_000, 'last reload is a Unix time');
    assert.equal(value(after, 'traefik_service_server_up', { service: 'app@etcd', url: upstream.url }), 1);
    assert.equal(value(after, 'switchyard_workers'), 1);
    assert.equal(value(after, 'switchyard_worker_restarts_total'), 0);
    assert.equal(value(after, 'switchyard_store_connected', { provider: 'etcd' }), 1);

    // Certificate expiry, as Traefik names it: the leaf's notAfter in seconds, labelled by CN and SANs.
    const notAfter = after.get('traefik_tls_certs_not_after')?.samples.find((s) => s.labels.cn === 'secure.test');
    assert.ok(notAfter !== undefined, 'the configured certificate is listed');
    assert.equal(notAfter.value, Math.floor(Date.parse(certificate.validTo) / 1_000));
    assert.equal(notAfter.labels.sans, 'secure.test,www.secure.test');
    assert.equal(notAfter.labels.serial, BigInt(`0x${certificate.serialNumber}`).toString(10));

    // The store revision the node serves follows a put, and the lag returns to 0.
    const revisionBefore = value(after, 'switchyard_store_applied_revision', { provider: 'etcd' })!;
    assert.equal(value(after, 'switchyard_store_revision', { provider: 'etcd' }), revisionBefore);
    await store.put('traefik/http/routers/extra/rule', 'Host(`extra.test`)');
    await store.put('traefik/http/routers/extra/service', 'app');
    await untilAll([node], 'extra.test', 200);
    await waitFor(async () => {
      const now = await scrape();
      return (value(now, 'switchyard_store_applied_revision', { provider: 'etcd' }) ?? 0) >= revisionBefore + 2 && value(now, 'switchyard_store_revision_lag', { provider: 'etcd' }) === 0;
    }, 15_000, 'the applied revision to follow the store with no lag');
  });

  test('open client connections per entry point (Traefik v3\'s traefik_open_connections)', async () => {
    const open = async () => value(await scrape(), 'traefik_open_connections', { entrypoint: 'web', protocol: 'HTTP' });
    // The test client's idle keep-alive connections close within a second.
    await waitFor(async () => (await open()) === 0, 15_000, 'no open connection on web');
    const socket = connect(node.ports.web!, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nhost: app.test\r\n\r\n');
    await once(socket, 'data');
    try {
      assert.equal(await open(), 1, 'the kept-alive connection is counted');
    } finally {
      socket.destroy();
    }
    await waitFor(async () => (await open()) === 0, 15_000, 'the closed connection to leave the count');
  });

  test('the single node becomes the cluster leader, and says so in /metrics', async () => {
    await waitFor(async () => value(await scrape(), 'switchyard_cluster_leader') === 1, 15_000, 'leadership');
  });

  test('the log level changes at runtime, on the main thread and in the worker threads', async () => {
    assert.deepEqual(JSON.parse((await api('/api/log/level')).text), { level: 'info' });
    const bad = await api('/api/log/level', { method: 'PUT', body: '{"level":"loud"}' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /loud.*trace, debug, info, warn, error, fatal/);
    assert.equal((await api('/api/log/level', { method: 'PUT', body: 'debug' })).status, 400, 'a body that is not JSON is refused');

    const changed = await api('/api/log/level', { method: 'PUT', body: '{"level":"error"}' });
    assert.equal(changed.status, 200);
    assert.deepEqual(JSON.parse((await api('/api/log/level')).text), { level: 'error' });
    const linesBefore = node.logs.length;
    // Main thread: a failing health check is a warning; at `error` it is not written.
    await store.put('traefik/http/services/checked/loadBalancer/servers/0/url', 'http://127.0.0.1:1');
    await store.put('traefik/http/services/checked/loadBalancer/healthCheck/path', '/health');
    await store.put('traefik/http/services/checked/loadBalancer/healthCheck/interval', '100ms');
    await store.put('traefik/http/services/checked/loadBalancer/healthCheck/timeout', '50ms');
    await store.put('traefik/http/routers/checked/rule', 'Host(`checked.test`)');
    await store.put('traefik/http/routers/checked/service', 'checked');
    // The check did fail (the server is DOWN) while nothing was written.
    await waitFor(async () => (JSON.parse((await api('/api/http/services/checked@etcd')).text) as { serverStatus?: Record<string, string> }).serverStatus?.['http://127.0.0.1:1'] === 'DOWN', 15_000, 'the health check to fail');
    // Worker thread: the debug API's announcement is a warning too.
    const [worker] = JSON.parse((await api('/api/workers')).text) as { id: number }[];
    assert.equal((await api(`/api/debug/workers/${worker!.id}/slow`, { method: 'POST' })).status, 202);
    await sleep(600);
    const healthWarnings = () => node.logs.slice(linesBefore).filter((l) => l.msg === 'server failed its health check');
    const workerWarnings = () => node.logs.slice(linesBefore).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('debug request') && l.thread !== undefined);
    assert.equal(healthWarnings().length, 0, 'no main-thread warning at level error');
    assert.equal(workerWarnings().length, 0, 'no worker warning at level error');

    // Back to `debug`: the main thread's warnings and the worker's debug-level lines are written again.
    assert.equal((await api('/api/log/level', { method: 'PUT', body: '{"level":"DEBUG"}' })).status, 200);
    // The change itself is announced (the line reaches the test through the process's stdout).
    await waitFor(() => node.logs.slice(linesBefore).some((l) => l.msg === 'log level changed through the API' && l.to === 'debug'), 15_000, 'the change to be logged');
    await store.put('traefik/http/services/checked/loadBalancer/servers/0/url', 'http://127.0.0.1:2');
    await waitFor(() => healthWarnings().length > 0, 15_000, 'a health-check warning after the level went back down');
    // The worker handles its control messages in order: the first request was dropped at `error`,
    // so exactly one announcement (the second) is written.
    assert.equal((await api(`/api/debug/workers/${worker!.id}/slow`, { method: 'POST' })).status, 202);
    await waitFor(() => workerWarnings().length > 0, 15_000, 'the worker thread to log at the new level');
    assert.equal(workerWarnings().length, 1);
  });
});
