/**
 * The file provider under load: a real node process, its dynamic file rewritten 200 times while
 * bounded concurrent traffic runs on loopback. Every request must succeed, and the last rewrite
 * must be what the node serves at the end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startUpstream, type TestUpstream } from '../test/support/upstream.ts';
import { startNodeProcess, type NodeProcess } from './support/node-process.ts';

const REWRITES = 200;
const CLIENTS = 8;
const MAX_REQUESTS = 20_000;

let dir: string;
let file: string;
let upstreams: TestUpstream[];
let node: NodeProcess;
const agent = new Agent({ connections: CLIENTS });

function config(generation: number): string {
  // The main route is always there; its server set and a side route change with every generation.
  const servers = upstreams.filter((_, i) => i === generation % 3 || i === (generation + 1) % 3);
  return `
http:
  routers:
    main:
      rule: Host(\`main.test\`)
      service: main
    side-${generation}:
      rule: Host(\`side.test\`) && Path(\`/g/${generation}\`)
      service: main
  services:
    main:
      loadBalancer:
        servers:
${servers.map((u) => `          - url: ${u.url}`).join('\n')}
`;
}

before(async () => {
  upstreams = await Promise.all(['u0', 'u1', 'u2'].map((l) => startUpstream(l)));
  dir = await mkdtemp(join(tmpdir(), 'switchyard-reload-'));
  file = join(dir, 'dynamic.yaml');
  await writeFile(file, config(0));
  node = await startNodeProcess([
    '--entryPoints.web.address=127.0.0.1:0',
    '--entryPoints.traefik.address=127.0.0.1:0',
    `--providers.file.filename=${file}`,
    '--ping=true',
    '--api.insecure=true',
  ]);
});

after(async () => {
  assert.equal(await node.stop(), 0, 'the node exits 0 on SIGTERM');
  await Promise.all(upstreams.map((u) => u.close()));
  await agent.close();
  await rm(dir, { recursive: true, force: true });
});

test('200 rewrites of the file under load: zero failed requests, last config wins', async () => {
  const web = `http://127.0.0.1:${node.ports.web}`;
  let stop = false;
  let sent = 0;
  const failures: string[] = [];
  const client = async () => {
    while (!stop && sent < MAX_REQUESTS) {
      sent++;
      try {
        const res = await request(`${web}/`, { headers: { host: 'main.test' }, dispatcher: agent });
        const body = await res.body.text();
        if (res.statusCode !== 200 || !/^u[012]$/.test(body)) failures.push(`${res.statusCode} ${body}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  for (let g = 1; g <= REWRITES; g++) {
    const tmp = join(dir, `.tmp-${g}`);
    await writeFile(tmp, config(g));
    await rename(tmp, file);
    await new Promise((r) => setTimeout(r, 15));
  }
  // The last generation's side route must become live.
  const deadline = Date.now() + 5_000;
  let last = 0;
  while (Date.now() < deadline) {
    const res = await request(`${web}/g/${REWRITES}`, { headers: { host: 'side.test' }, dispatcher: agent });
    await res.body.dump();
    last = res.statusCode;
    if (last === 200) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  await Promise.all(clients);
  assert.equal(last, 200, 'the last rewrite is applied');
  const stale = await request(`${web}/g/${REWRITES - 1}`, { headers: { host: 'side.test' }, dispatcher: agent });
  await stale.body.dump();
  assert.equal(stale.statusCode, 404, 'the previous generation is gone');
  assert.ok(sent > 200, `load ran during the rewrites (${sent} requests)`);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${sent} requests failed`);
});
