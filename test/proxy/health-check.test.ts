/**
 * Active health checks: a server that fails its check leaves the rotation, comes back when it
 * passes again, and a service with no healthy server answers 503.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestNode, waitFor, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let a: TestUpstream;
let b: TestUpstream;
let node: TestNode;
const healthy = { a: true, b: true };

function withHealth(upstream: TestUpstream, label: 'a' | 'b'): void {
  upstream.handler = (req, res) => {
    if (req.url === '/health') {
      res.writeHead(healthy[label] ? 200 : 500);
      res.end();
      return;
    }
    res.end(label);
  };
}

async function hit(): Promise<{ status: number; body: string }> {
  const res = await request(node.url('/'), { headers: { host: 'hc.test' }, dispatcher: agent });
  return { status: res.statusCode, body: await res.body.text() };
}

async function serverStatus(): Promise<Record<string, string>> {
  const res = await request(`http://127.0.0.1:${node.api}/api/http/services/hc@file`, { dispatcher: agent });
  return ((await res.body.json()) as { serverStatus?: Record<string, string> }).serverStatus ?? {};
}

before(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  withHealth(a, 'a');
  withHealth(b, 'b');
  node = await startTestNode(`
http:
  routers:
    hc:
      rule: Host(\`hc.test\`)
      service: hc
  services:
    hc:
      loadBalancer:
        servers:
          - url: ${a.url}
          - url: ${b.url}
        healthCheck:
          path: /health
          interval: 50ms
          timeout: 500ms
`);
});

after(async () => {
  await node.stop();
  await Promise.all([a.close(), b.close(), agent.close()]);
});

test('a server failing its health check leaves the rotation and rejoins when it recovers', async () => {
  healthy.b = false;
  await waitFor(async () => (await serverStatus())[b.url] === 'DOWN', 5_000, 'b DOWN');
  for (let i = 0; i < 6; i++) assert.equal((await hit()).body, 'a');

  healthy.b = true;
  await waitFor(async () => (await serverStatus())[b.url] === 'UP', 5_000, 'b UP');
  const bodies = new Set<string>();
  for (let i = 0; i < 6; i++) bodies.add((await hit()).body);
  assert.deepEqual([...bodies].sort(), ['a', 'b']);
});

test('503 when no server is healthy', async () => {
  healthy.a = false;
  healthy.b = false;
  await waitFor(async () => Object.values(await serverStatus()).every((s) => s === 'DOWN'), 5_000, 'all DOWN');
  const res = await hit();
  assert.equal(res.status, 503);
  healthy.a = true;
  healthy.b = true;
});
