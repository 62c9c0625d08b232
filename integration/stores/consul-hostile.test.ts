/**
 * @module A running node against a hostile Consul (the double's knobs): the index going backwards
 * (snapshot restore, reaped tombstones) makes it re-list and keep converging; spurious blocking-query
 * wake-ups and injected 500s rebuild nothing (the configuration revision in /api/rawdata stays put)
 * and are recovered from; a hung agent (pause) never fails a request, and what was written while it
 * hung applies once it answers again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { apiJson, fetchStatus, runLoad, startNodes, untilAll } from '../support/cluster.ts';
import type { NodeProcess } from '../support/node-process.ts';
import { consulTarget } from '../support/store-targets.ts';

type Target = Awaited<ReturnType<typeof consulTarget>>;

/** Waits (bounded) until `condition` holds; the message says what never happened. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe('a node against a hostile Consul', { timeout: 120_000 }, () => {
  let target: Target;
  let upstream: TestUpstream;
  let node: NodeProcess;
  /** The node's configuration build counter: it moves only when a new configuration is applied. */
  const revision = async () => (await apiJson<{ revision: number }>(node, '/api/rawdata')).revision;

  const route = async (name: string) => {
    await target.put(`traefik/http/services/${name}/loadBalancer/servers/0/url`, upstream.url);
    await target.put(`traefik/http/routers/${name}/service`, name);
    await target.put(`traefik/http/routers/${name}/rule`, `Host(\`${name}.test\`)`);
  };

  /**
   * Until the node's watch is parked in a blocking read at the latest index, so a knob meets that
   * read. A reset that lands between two reads is another case: Consul parks a read whose index is
   * above its own until the wait ends (up to 270 s for the node), as real Consul would.
   */
  // A node keeps three blocking reads parked: its routes (rootKey), the cluster's own keys
  // (stateKey), and, as the only node and so the cluster leader, the watch on its leader lock.
  const parked = () => until(() => target.double.stats.waiting >= 3, 'the node’s watches parking in blocking reads');

  before(async () => {
    target = await consulTarget();
    upstream = await startUpstream('up');
    await route('base');
    [node] = (await startNodes(1, target.flags)) as [NodeProcess];
    await untilAll([node], 'base.test', 200);
  });

  after(async () => {
    target?.double.knobs.resume();
    await node?.stop();
    await target?.close();
    await upstream?.close();
  });

  test('the index goes backwards (snapshot restore): the node re-lists and converges on later changes', async () => {
    await route('before-reset');
    await untilAll([node], 'before-reset.test', 200);
    await parked();
    const before = target.double.knobs.raftIndex;
    target.double.knobs.indexReset();
    assert.ok(target.double.knobs.raftIndex < before, 'the double moved its index back');
    await route('after-reset');
    await untilAll([node], 'after-reset.test', 200);
    await target.put('traefik/http/routers/after-reset/rule', 'Host(`after-reset-edited.test`)');
    await untilAll([node], 'after-reset-edited.test', 200);
    await untilAll([node], 'after-reset.test', 404);
    await target.del('traefik/http/routers/before-reset/rule');
    await untilAll([node], 'before-reset.test', 404);
    assert.equal((await fetchStatus(node, 'base.test')).status, 200);
  });

  test('tombstones reaped after a delete (the prefix index drops): later changes still apply', async () => {
    await route('doomed');
    await untilAll([node], 'doomed.test', 200);
    await target.del('traefik/http/routers/doomed/rule');
    await untilAll([node], 'doomed.test', 404);
    await parked();
    target.double.knobs.reapTombstones();
    await route('after-reap');
    await untilAll([node], 'after-reap.test', 200);
  });

  test('spurious wake-ups rebuild nothing; a real change still applies, as one rebuild', async () => {
    const knobs = target.double.knobs;
    const stats = target.double.stats;
    knobs.spuriousWakeups = true;
    try {
      // A change ends the read parked before the knob was on; every read after it wakes spuriously.
      await route('spurious');
      await untilAll([node], 'spurious.test', 200);
      const r0 = await revision();
      const woken = stats.count('kv.recurse:blocking');
      await until(() => stats.count('kv.recurse:blocking') >= woken + 30, '30 spurious wake-ups of the node’s watch');
      assert.equal(await revision(), r0, 'no configuration was rebuilt without a change');
      await target.put('traefik/http/routers/base/rule', 'Host(`base.test`) || Host(`base-alias.test`)');
      await untilAll([node], 'base-alias.test', 200);
      assert.equal(await revision(), r0 + 1, 'one change, one rebuild');
    } finally {
      knobs.spuriousWakeups = false;
    }
  });

  test('three injected 500s are recovered from without a rebuild; later changes apply, as one rebuild', async () => {
    const knobs = target.double.knobs;
    const stats = target.double.stats;
    const failed = stats.injectedFailures;
    // Wake-ups make the node's watch ask again at once, so the node (not this test) meets the 500s;
    // a change ends the read parked before the knob was on.
    knobs.spuriousWakeups = true;
    let r0: number;
    try {
      await route('pre-500');
      await untilAll([node], 'pre-500.test', 200);
      r0 = await revision();
      knobs.failNext(3, 500);
      await until(() => stats.injectedFailures >= failed + 3, 'the node meeting three 500s');
    } finally {
      knobs.spuriousWakeups = false;
    }
    // Recovered: the watch is parked again, the store connected, and the re-list rebuilt nothing.
    await parked();
    const cluster = await apiJson<{ store: { state: string } }>(node, '/api/cluster');
    assert.equal(cluster.store.state, 'connected');
    assert.equal(await revision(), r0, 'the errors and the re-list rebuilt nothing');
    assert.equal((await fetchStatus(node, 'base.test')).status, 200);
    await target.put('traefik/http/routers/pre-500/rule', 'Host(`after-500.test`)');
    await untilAll([node], 'after-500.test', 200);
    assert.equal(await revision(), r0 + 1, 'one change, one rebuild');
  });

  test('a hung agent (paused 3 s) fails no request; what was written meanwhile applies once it answers', async () => {
    const knobs = target.double.knobs;
    const load = runLoad([node], 'base.test');
    try {
      knobs.pause();
      // Parked by the double until it resumes, as a write to another agent would be invisible here.
      const written = route('during-pause');
      await sleep(3_000);
      knobs.resume();
      await written;
      await untilAll([node], 'during-pause.test', 200);
    } finally {
      knobs.resume();
      const result = await load.stop();
      assert.ok(result.sent > 100, `load ran (${result.sent} requests)`);
      assert.deepEqual(result.failures.slice(0, 3), [], `${result.failures.length} of ${result.sent} failed`);
    }
  });
});
