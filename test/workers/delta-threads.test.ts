/**
 * Configuration changes reach the worker threads as deltas: after each change, every thread routes
 * as the new configuration says (a rule moved, a service's server replaced, a middleware changed, a
 * router removed), with fresh connections so that both threads answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let one: TestUpstream;
let two: TestUpstream;
let node: TestNode;

const config = (options: { bRule: string; oneUrl: string; prefix: string; withA: boolean }) => `
http:
  routers:
${options.withA ? `    a:
      rule: Host(\`a.test\`)
      service: one
` : ''}    b:
      rule: ${options.bRule}
      service: two
      middlewares: [prefix]
  middlewares:
    prefix:
      addPrefix:
        prefix: ${options.prefix}
  services:
    one:
      loadBalancer:
        servers:
          - url: ${options.oneUrl}
    two:
      loadBalancer:
        servers:
          - url: ${two.url}
`;

before(async () => {
  one = await startUpstream('one');
  two = await startUpstream('two');
  node = await startTestNode(config({ bRule: 'Host(`b.test`)', oneUrl: one.url, prefix: '/p1', withA: true }), ['--workers=2']);
});

after(async () => {
  await node.stop();
  await one.close();
  await two.close();
});

/** Status and body of 12 requests on fresh connections (both threads take some), as a set. */
async function answers(host: string): Promise<Set<string>> {
  const agent = new Agent({ pipelining: 0, connections: 6 });
  try {
    const all = await Promise.all(Array.from({ length: 12 }, async () => {
      const res = await request(node.url('/x'), { headers: { host, connection: 'close' }, dispatcher: agent });
      return `${res.statusCode} ${await res.body.text()}`;
    }));
    return new Set(all);
  } finally {
    await agent.close();
  }
}

describe('configuration changes in the worker threads', () => {
  it('a moved rule, a replaced server, a changed middleware and a removed router are served by every thread', async () => {
    assert.deepEqual(await answers('a.test'), new Set(['200 one']));
    assert.deepEqual(await answers('b.test'), new Set(['200 two']));

    await node.writeConfig(config({ bRule: 'Host(`c.test`)', oneUrl: one.url, prefix: '/p1', withA: true }));
    assert.deepEqual(await answers('b.test'), new Set(['404 404 page not found\n']));
    assert.deepEqual(await answers('c.test'), new Set(['200 two']));

    await node.writeConfig(config({ bRule: 'Host(`c.test`)', oneUrl: two.url, prefix: '/p1', withA: true }));
    assert.deepEqual(await answers('a.test'), new Set(['200 two']), 'service one now points at upstream two');

    two.seen.length = 0;
    await node.writeConfig(config({ bRule: 'Host(`c.test`)', oneUrl: two.url, prefix: '/p2', withA: true }));
    assert.deepEqual(await answers('c.test'), new Set(['200 two']));
    assert.deepEqual(new Set(two.seen.map((s) => s.url)), new Set(['/p2/x']), 'the changed middleware runs in every thread');

    await node.writeConfig(config({ bRule: 'Host(`c.test`)', oneUrl: two.url, prefix: '/p2', withA: false }));
    assert.deepEqual(await answers('a.test'), new Set(['404 404 page not found\n']));
    assert.deepEqual(await answers('c.test'), new Set(['200 two']));
  });
});
