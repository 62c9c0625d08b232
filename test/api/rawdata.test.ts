/**
 * One broken router beside a good one: the good one serves, the API shows the broken one disabled
 * with an error naming its key, in Traefik's shapes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let upstream: TestUpstream;
let node: TestNode;

async function api<T>(path: string): Promise<T> {
  const res = await request(`http://127.0.0.1:${node.api}${path}`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  return (await res.body.json()) as T;
}

interface RouterJson {
  status: string;
  rule?: string;
  using?: string[];
  error?: string[];
  errors?: { code: string; key: string; message: string }[];
}

before(async () => {
  upstream = await startUpstream('good');
  node = await startTestNode(`
http:
  routers:
    good:
      rule: Host(\`good.test\`)
      service: svc
    broken:
      rule: Host(\`broken.test\`) && PathPrefix(\`/x\`
      service: svc
    orphan:
      rule: Host(\`orphan.test\`)
      service: missing
  services:
    svc:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`);
});

after(async () => {
  await node.stop();
  await upstream.close();
  await agent.close();
});

test('the good router serves while the broken one is disabled', async () => {
  const res = await request(node.url('/'), { headers: { host: 'good.test' }, dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'good');
  const broken = await request(node.url('/x'), { headers: { host: 'broken.test' }, dispatcher: agent });
  await broken.body.dump();
  assert.equal(broken.statusCode, 404);
});

test('/api/rawdata shows each router with its status and the error naming its key', async () => {
  const raw = await api<{ routers: Record<string, RouterJson>; services: Record<string, { status: string; usedBy: string[] }> }>('/api/rawdata');
  assert.equal(raw.routers['good@file']?.status, 'enabled');
  assert.deepEqual(raw.routers['good@file']?.using, ['web']);
  const broken = raw.routers['broken@file']!;
  assert.equal(broken.status, 'disabled');
  assert.equal(broken.errors?.[0]?.code, 'SY_RULE_SYNTAX');
  assert.match(broken.errors![0]!.key, /\/http\/routers\/broken\/rule$/);
  assert.match(broken.error![0]!, /http\/routers\/broken\/rule: /);
  const orphan = raw.routers['orphan@file']!;
  assert.equal(orphan.status, 'disabled');
  assert.equal(orphan.errors?.[0]?.code, 'SY_ROUTER_SERVICE_MISSING');
  assert.match(orphan.errors![0]!.key, /\/http\/routers\/orphan\/service$/);
  assert.deepEqual(raw.services['svc@file']?.usedBy.sort(), ['broken@file', 'good@file']);
});

test('/api/http/routers lists routers by name with provider, /api/overview counts the errors', async () => {
  const routers = await api<Array<RouterJson & { name: string; provider: string }>>('/api/http/routers');
  assert.deepEqual(routers.map((r) => r.name), ['broken@file', 'good@file', 'orphan@file']);
  assert.ok(routers.every((r) => r.provider === 'file'));
  const one = await api<RouterJson & { name: string }>('/api/http/routers/good@file');
  assert.equal(one.rule, 'Host(`good.test`)');
  const overview = await api<{ http: { routers: { total: number; errors: number } } }>('/api/overview');
  assert.deepEqual(overview.http.routers, { total: 3, warnings: 0, errors: 2 });
});

test('/ping answers OK', async () => {
  const res = await request(`http://127.0.0.1:${node.api}/ping`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'OK');
});
