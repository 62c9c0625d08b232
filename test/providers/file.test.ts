/**
 * The file provider: an edit applies without a restart; a file that stops parsing keeps the last
 * good configuration; fixing it applies again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startTestNode, waitFor, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let upstream: TestUpstream;
let node: TestNode;

const config = (host: string) => `
http:
  routers:
    r:
      rule: Host(\`${host}\`)
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`;

async function status(host: string): Promise<number> {
  const res = await request(node.url('/'), { headers: { host }, dispatcher: agent });
  await res.body.dump();
  return res.statusCode;
}

before(async () => {
  upstream = await startUpstream('up');
  node = await startTestNode(config('one.test'));
});

after(async () => {
  await node.stop();
  await upstream.close();
  await agent.close();
});

test('an edit applies without a restart', async () => {
  assert.equal(await status('one.test'), 200);
  await node.writeConfig(config('two.test'));
  assert.equal(await status('two.test'), 200);
  assert.equal(await status('one.test'), 404);
});

test('a file that no longer parses keeps the last good configuration; the fix applies', async () => {
  const revision = node.node.controlPlane.view.revision;
  await writeFile(join(node.dir, 'dynamic.yaml'), 'http:\n  routers:\n    r: [unclosed\n');
  // Give the watcher time to see the broken file (it must not apply anything).
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(node.node.controlPlane.view.revision, revision);
  assert.equal(await status('two.test'), 200);
  await writeFile(join(node.dir, 'dynamic.yaml'), config('three.test'));
  await waitFor(() => node.node.controlPlane.view.revision > revision);
  assert.equal(await status('three.test'), 200);
});
