/**
 * A cluster-wide rate limit through a real Redis: two `switchyard run` processes share one bucket
 * per client when the rateLimit middleware has `redis` options, and the keys are Traefik's
 * (`rate:<source>`, hash fields `last` and `tokens`). Redis runs on 127.0.0.1 on a free port, with
 * no persistence, and is stopped by PID.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { request } from 'undici';
import { waitFor } from '../test/support/test-node.ts';
import { startUpstream, type TestUpstream } from '../test/support/upstream.ts';
import { startNodeProcess, type NodeProcess } from './support/node-process.ts';

let redis: ChildProcess;
let redisPort: number;
let dir: string;
let upstream: TestUpstream;
const nodes: NodeProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = createClient({ socket: { host: '127.0.0.1', port: redisPort, reconnectStrategy: () => 50 } });
  probe.on('error', () => {});
  await probe.connect();
  await probe.ping();
  probe.destroy();
  upstream = await startUpstream('app');
  dir = await mkdtemp(join(tmpdir(), 'sy-redis-'));
  const file = join(dir, 'dynamic.yaml');
  await writeFile(file, `
http:
  routers:
    app:
      rule: PathPrefix(\`/\`)
      service: app
      middlewares: [limit]
  middlewares:
    limit:
      rateLimit:
        average: 1
        period: 1m
        burst: 5
        redis:
          endpoints: ["127.0.0.1:${redisPort}"]
  services:
    app:
      loadBalancer:
        servers: [{ url: ${upstream.url} }]
`);
  for (let i = 0; i < 2; i++) {
    nodes.push(await startNodeProcess([
      '--entryPoints.web.address=127.0.0.1:0',
      '--entryPoints.traefik.address=127.0.0.1:0',
      `--providers.file.filename=${file}`,
      '--ping=true',
      '--workers=2',
    ]));
  }
});

after(async () => {
  await Promise.allSettled(nodes.map((n) => n.stop()));
  await upstream?.close();
  if (redis?.exitCode === null) {
    const exited = once(redis, 'exit');
    process.kill(redis.pid!, 'SIGTERM');
    await exited;
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('two nodes share one bucket per client through Redis', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const node = nodes[i % 2]!;
    const res = await request(`http://127.0.0.1:${node.ports.web}/`, { headers: { connection: 'close' } });
    await res.body.dump();
    statuses.push(res.statusCode);
  }
  // burst 5 for the whole cluster, not 5 per node (which would let all 10 through).
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
  const client = createClient({ socket: { host: '127.0.0.1', port: redisPort } });
  await client.connect();
  const bucket = await client.hGetAll('rate:127.0.0.1');
  client.destroy();
  assert.ok(Number(bucket.tokens) < 1, `Traefik's key and fields hold the bucket: ${JSON.stringify(bucket)}`);
  assert.ok(Number(bucket.last) > 1e15, 'last is in microseconds');
});

test('with Redis gone, the limited router answers 500 (Traefik fails closed)', async () => {
  const exited = once(redis, 'exit');
  process.kill(redis.pid!, 'SIGTERM');
  await exited;
  await waitFor(async () => {
    const res = await request(`http://127.0.0.1:${nodes[0]!.ports.web}/`, { headers: { connection: 'close' } });
    await res.body.dump();
    return res.statusCode === 500;
  }, 15_000, 'a 500 once Redis is down');
});
