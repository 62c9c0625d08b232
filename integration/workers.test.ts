/**
 * Worker threads in a real `bin/switchyard run` process (2 workers), on loopback with bounded load:
 * both threads serve connections on the one port; a configuration change reaches every thread; a
 * crashed thread and a hung thread are replaced while the other keeps serving, losing at most the
 * requests the lost thread had in flight; SIGTERM lets an in-flight request finish and exits 0.
 *
 * Which thread answered is read from `x-switchyard-worker` (SY_DEBUG_WORKER_HEADER=1). Threads
 * cannot be signalled from outside the process, so crashes and hangs are caused through the
 * debug-only `POST /api/debug/workers/<id>/crash|hang` (SY_DEBUG_WORKER_API=1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { waitFor } from '../test/support/test-node.ts';
import { startUpstream, type TestUpstream } from '../test/support/upstream.ts';
import { startNodeProcess, type NodeProcess } from './support/node-process.ts';

const DEBUG_ENV = { SY_DEBUG_WORKER_HEADER: '1', SY_DEBUG_WORKER_API: '1' };

let dir: string;
let file: string;
let upstream: TestUpstream;
let slow: TestUpstream;

function config(extraRoute: boolean): string {
  return `
http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
    slow:
      rule: Host(\`slow.test\`)
      service: slow
${extraRoute ? `    added:
      rule: Host(\`other.test\`) && Path(\`/added\`)
      service: app
` : ''}  services:
    app:
      loadBalancer:
        servers:
          - url: ${upstream.url}
    slow:
      loadBalancer:
        servers:
          - url: ${slow.url}
`;
}

async function writeConfig(text: string): Promise<void> {
  const tmp = join(dir, `.tmp-${Date.now()}`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** One request on a fresh connection; which worker answered, and how. */
function once(port: number, host: string, path = '/'): Promise<{ status: number; worker: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { host, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: String(res.headers['x-switchyard-worker'] ?? '') }));
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'NO_ANSWER' })));
    req.on('error', reject);
    req.end();
  });
}

async function workersOf(node: NodeProcess): Promise<{ id: number; threadId: number; restarts: number; revision: number; connectionsServed: number }[]> {
  const res = await request(`http://127.0.0.1:${node.ports.traefik}/api/workers`);
  return (await res.body.json()) as never;
}

async function debug(node: NodeProcess, id: number, action: 'crash' | 'hang'): Promise<void> {
  const res = await request(`http://127.0.0.1:${node.ports.traefik}/api/debug/workers/${id}/${action}`, { method: 'POST' });
  await res.body.dump();
  assert.equal(res.statusCode, 202);
}

function startNode(mode: 'handoff' | 'reuseport' = 'handoff', webPort = 0): Promise<NodeProcess> {
  return startNodeProcess([
    `--entryPoints.web.address=127.0.0.1:${webPort}`,
    '--entryPoints.traefik.address=127.0.0.1:0',
    `--providers.file.filename=${file}`,
    '--providers.providersThrottleDuration=10ms',
    '--api.insecure=true',
    '--ping=true',
    '--workers=2',
  ], { ...DEBUG_ENV, SY_WORKER_DISPATCH: mode });
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  upstream = await startUpstream('app');
  // Answers after a short pause, so concurrent connections overlap on the threads.
  upstream.handler = (_req, res) => setTimeout(() => res.end('app'), 5);
  slow = await startUpstream('slow');
  slow.handler = (_req, res) => setTimeout(() => res.end('slow done'), 1_500);
  dir = await mkdtemp(join(tmpdir(), 'switchyard-workers-'));
  file = join(dir, 'dynamic.yaml');
});

after(async () => {
  await Promise.all([upstream.close(), slow.close()]);
  await rm(dir, { recursive: true, force: true });
});

for (const mode of ['handoff', 'reuseport'] as const) describe(`two workers on one port (${mode} dispatch)`, () => {
  let node: NodeProcess;

  before(async () => {
    await writeConfig(config(false));
    node = await startNode(mode);
  });

  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  test('both threads take connections on the same port', async () => {
    const seen = new Map<string, number>();
    for (let batch = 0; batch < 5; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => once(node.ports.web!, 'app.test')));
      for (const a of answers) {
        assert.equal(a.status, 200);
        seen.set(a.worker, (seen.get(a.worker) ?? 0) + 1);
      }
    }
    assert.deepEqual([...seen.keys()].sort(), ['1', '2'], `answers per worker: ${JSON.stringify([...seen])}`);
    const workers = await workersOf(node);
    assert.equal(workers.length, 2);
    for (const w of workers) assert.ok(w.connectionsServed > 0, `worker ${w.id} served connections`);
  });

  test('a configuration change reaches every thread', async () => {
    assert.equal((await once(node.ports.web!, 'other.test', '/added')).status, 404);
    await writeConfig(config(true));
    // Every thread must answer the new route; keep asking on fresh connections until both did.
    const answered = new Set<string>();
    await waitFor(async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => once(node.ports.web!, 'other.test', '/added')));
      for (const a of answers) if (a.status === 200) answered.add(a.worker);
      return answered.size === 2;
    }, 10_000, 'both workers to serve the new route');
    const workers = await workersOf(node);
    assert.equal(new Set(workers.map((w) => w.revision)).size, 1, `every worker on one revision: ${JSON.stringify(workers)}`);
  });

  test('a crashed thread is replaced; only its in-flight requests fail', async () => {
    const CLIENTS = 8;
    const agent = new Agent({ connections: CLIENTS, keepAliveTimeout: 1_000 });
    const before = await workersOf(node);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = async () => {
      const deadline = Date.now() + 8_000;
      while (!stop && Date.now() < deadline && ok + failures.length < 20_000) {
        try {
          const res = await request(`http://127.0.0.1:${node.ports.web}/`, { headers: { host: 'app.test' }, dispatcher: agent });
          await res.body.dump();
          if (res.statusCode === 200) ok++;
          else failures.push(String(res.statusCode));
        } catch (error) {
          failures.push((error as { code?: string }).code ?? String(error));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await new Promise((r) => setTimeout(r, 300));
    await debug(node, 1, 'crash');
    await waitFor(async () => {
      const now = await workersOf(node);
      return now.length === 2 && now.find((w) => w.id === 1)?.restarts === 1;
    }, 10_000, 'worker 1 to be replaced');
    const okAtReplacement = ok;
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(clients);
    await agent.close();
    const after = await workersOf(node);
    assert.notEqual(after.find((w) => w.id === 1)?.threadId, before.find((w) => w.id === 1)?.threadId, 'slot 1 runs on a new thread');
    assert.ok(failures.length <= CLIENTS, `at most one in-flight request per client is lost (${failures.length}: ${failures.slice(0, 5).join(', ')})`);
    assert.ok(ok > okAtReplacement, 'requests keep succeeding after the replacement');
    // And the replacement serves: fresh connections reach both threads again.
    const answered = new Set<string>();
    await waitFor(async () => {
      for (const a of await Promise.all(Array.from({ length: 6 }, () => once(node.ports.web!, 'other.test', '/added')))) {
        assert.equal(a.status, 200, 'the replacement has the current configuration');
        answered.add(a.worker);
      }
      return answered.size === 2;
    }, 5_000, 'both threads to answer');
  });

  test('a hung thread is terminated after its heartbeat stops, and replaced', async () => {
    const before = await workersOf(node);
    const target = before.find((w) => w.id === 2)!;
    await debug(node, 2, 'hang');
    await waitFor(async () => {
      const now = await workersOf(node);
      const slot = now.find((w) => w.id === 2);
      return now.length === 2 && slot !== undefined && slot.threadId !== target.threadId;
    }, 15_000, 'worker 2 to be replaced');
    const answers = await Promise.all(Array.from({ length: 10 }, () => once(node.ports.web!, 'app.test')));
    assert.deepEqual(answers.map((a) => a.status), new Array(10).fill(200));
  });
});

describe('connections while a node starts', () => {
  for (const mode of ['handoff', 'reuseport'] as const) {
    test(`${mode} dispatch: connections made while the node starts wait for its first configuration, then get 200; start-up completes`, async () => {
      await writeConfig(config(false));
      const port = await freePort();
      // Knock on the port until the node is up: the first connections reach the main thread's
      // listener before any thread listens.
      let up = false;
      const knocked: Promise<{ status: number; worker: string } | { error: string }>[] = [];
      const knocking = (async () => {
        while (!up && knocked.length < 2_000) {
          knocked.push(once(port, 'app.test').catch((error: { code?: string }) => ({ error: error.code ?? String(error) })));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      let node: NodeProcess | undefined;
      try {
        node = await startNode(mode, port);
      } finally {
        up = true;
        await knocking;
      }
      try {
        // Refused before the port was bound; every connection made after it is answered, those
        // the main thread took before the threads were ready by the threads. Reuseport: the kernel
        // resets what sits in the main thread's accept queue, not yet accepted, when that listener
        // closes (SO_REUSEPORT without net.ipv4.tcp_migrate_req): a reset there is not a failure.
        const outcomes = await Promise.all(knocked);
        const early = outcomes.filter((a) => !('error' in a && (a.error === 'ECONNREFUSED' || (mode === 'reuseport' && a.error === 'ECONNRESET'))));
        assert.ok(early.length > 0, 'some connections were made while the node started');
        assert.deepEqual(early.filter((a) => !('status' in a) || a.status !== 200), [], 'every connection accepted while starting got its 200');
        const answers = await Promise.all(Array.from({ length: 10 }, () => once(port, 'app.test')));
        assert.deepEqual(answers.map((a) => a.status), new Array(10).fill(200));
      } finally {
        assert.equal(await node.stop(), 0);
      }
    });
  }
});

describe('SIGTERM', () => {
  test('an in-flight request finishes with 200 and the process exits 0', async () => {
    await writeConfig(config(false));
    const node = await startNode();
    const inFlight = request(`http://127.0.0.1:${node.ports.web}/`, { headers: { host: 'slow.test' } }).then(async (res) => ({ status: res.statusCode, body: await res.body.text() }));
    await waitFor(() => slow.seen.length > 0, 5_000, 'the slow request to reach the upstream');
    const exit = node.stop(15_000);
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'slow done');
    assert.equal(await exit, 0);
    // No new connection after the drain.
    await assert.rejects(once(node.ports.web!, 'app.test'));
  });
});
