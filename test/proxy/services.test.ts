/**
 * Services beyond a plain load balancer, through a real node (one worker thread, so per-thread
 * state is deterministic): passive health checks, weighted with a sticky cookie, failover.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { closedPort, startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let a: TestUpstream;
let b: TestUpstream;
let node: TestNode;

before(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  const dead = await closedPort();
  node = await startTestNode(`
http:
  routers:
    passive:
      rule: PathPrefix(\`/passive\`)
      service: passive
    weighted:
      rule: PathPrefix(\`/weighted\`)
      service: split
  services:
    passive:
      loadBalancer:
        passiveHealthCheck:
          failureWindow: 30s
          maxFailedAttempts: 1
        servers: [{ url: http://127.0.0.1:${dead} }, { url: ${a.url} }]
    sa:
      loadBalancer:
        servers: [{ url: ${a.url} }]
    sb:
      loadBalancer:
        servers: [{ url: ${b.url} }]
    split:
      weighted:
        sticky:
          cookie:
            name: lane
            secure: true
            sameSite: lax
            maxAge: 60
        services:
          - name: sa
            weight: 1
          - name: sb
            weight: 1
`, ['--workers=1']);
});

after(async () => {
  await node?.stop();
  await a?.close();
  await b?.close();
  await agent.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(node.url(path), { headers, dispatcher: agent });
  await res.body.dump();
  return { status: res.statusCode, headers: res.headers };
}

test('passive health check: a server that failed is left out for the failure window', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await get('/passive')).status);
  assert.equal(statuses.filter((s) => s === 502).length, 1, `one failure, then the dead server rests: ${statuses}`);
  assert.deepEqual(statuses.slice(2), [200, 200, 200, 200]);
});

test('weighted sticky cookie keeps the client on one child service', async () => {
  const first = await get('/weighted');
  const cookie = String(first.headers['set-cookie']);
  assert.match(cookie, /^lane=[0-9a-f]+; Path=\/; Max-Age=60; Secure; SameSite=Lax$/);
  const upstream = first.headers['x-upstream'];
  for (let i = 0; i < 4; i++) assert.equal((await get('/weighted', { cookie: cookie.split(';')[0]! })).headers['x-upstream'], upstream);
  const others = new Set<unknown>();
  for (let i = 0; i < 4; i++) others.add((await get('/weighted')).headers['x-upstream']);
  assert.equal(others.size, 2, 'without the cookie both children serve');
});
