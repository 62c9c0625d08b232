/**
 * @module One provider suite, run against a real etcd and against the Consul double: three node
 * processes converge on every change, a burst ends in one identical configuration everywhere, an
 * outage of the store under load fails no request and what is written meanwhile applies when it
 * returns, a cold start with the store down serves the snapshot file, and the registry shows every
 * node and forgets a dead one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { apiJson, fetchStatus, runLoad, startNodes, stopNodes, untilAll } from '../support/cluster.ts';
import type { NodeProcess } from '../support/node-process.ts';
import type { StoreTarget } from '../support/store-targets.ts';

interface RawData {
  routers: Record<string, { rule: string; status: string }>;
}

interface ClusterJson {
  nodes: { id: string; appliedRevision: string; lag: string }[];
  store: { source: string; state: string };
}

export function providerSuite(name: string, makeTarget: () => Promise<StoreTarget>): void {
  describe(`${name} provider`, () => {
    let target: StoreTarget;
    let upstream: TestUpstream;
    let nodes: NodeProcess[] = [];
    let dir: string;
    const kind = () => target.kind;

    const route = async (router: string, host: string) => {
      await target.put(`traefik/http/services/${router}/loadBalancer/servers/0/url`, upstream.url);
      await target.put(`traefik/http/routers/${router}/service`, router);
      await target.put(`traefik/http/routers/${router}/rule`, `Host(\`${host}\`)`);
    };

    before(async () => {
      target = await makeTarget();
      upstream = await startUpstream('up');
      dir = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
      await route('base', 'base.test');
      nodes = await startNodes(3, target.flags, (i) => [`--cluster.snapshotFile=${join(dir, `snap-${i}.json`)}`]);
      await untilAll(nodes, 'base.test', 200);
    });

    after(async () => {
      await stopNodes(nodes);
      await target.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('three nodes converge on every change: add, edit, delete', async () => {
      await route('conv', 'conv.test');
      await untilAll(nodes, 'conv.test', 200);
      await target.put('traefik/http/routers/conv/rule', 'Host(`conv2.test`)');
      await untilAll(nodes, 'conv2.test', 200);
      await untilAll(nodes, 'conv.test', 404);
      await target.del('traefik/http/routers/conv/rule');
      await target.del('traefik/http/routers/conv/service');
      await untilAll(nodes, 'conv2.test', 404);
    });

    test('a burst of 1,000 puts ends in one identical configuration on every node', async () => {
      const puts: Promise<void>[] = [];
      for (let i = 0; i < 500; i++) {
        puts.push(target.put(`traefik/http/routers/burst-${i}/rule`, `Host(\`burst-${i}.test\`)`));
        puts.push(target.put(`traefik/http/routers/burst-${i}/service`, 'base'));
        if (puts.length >= 50) await Promise.all(puts.splice(0));
      }
      await Promise.all(puts);
      await untilAll(nodes, 'burst-499.test', 200, 20_000);
      const views: string[] = [];
      for (const node of nodes) {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const raw = await apiJson<RawData>(node, '/api/rawdata');
          const burst = Object.entries(raw.routers).filter(([n]) => n.startsWith('burst-')).map(([n, r]) => `${n} ${r.rule} ${r.status}`).sort();
          if (burst.length === 500 || Date.now() > deadline) {
            views.push(burst.join('\n'));
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      assert.equal(views[0]!.split('\n').length, 500);
      assert.equal(views[1], views[0]);
      assert.equal(views[2], views[0]);
      const cluster = await apiJson<ClusterJson>(nodes[0]!, '/api/cluster');
      assert.equal(cluster.nodes.length, 3);
    });

    test('the store stopped for 10 s under load: zero failed requests, and keys written after it returns apply everywhere', async () => {
      const load = runLoad(nodes, 'base.test');
      await target.stop();
      await new Promise((r) => setTimeout(r, 10_000));
      await target.start();
      await route('after-outage', 'after-outage.test');
      await untilAll(nodes, 'after-outage.test', 200, 30_000);
      const result = await load.stop();
      assert.ok(result.sent > 100, `load ran (${result.sent} requests)`);
      assert.deepEqual(result.failures.slice(0, 3), [], `${result.failures.length} of ${result.sent} failed`);
    });

    test('the registry lists every node with its applied revision, and forgets a killed node', async () => {
      // Right after the outage above, nodes whose sessions expired register again: on Consul that
      // takes up to a renewal interval (TTL/2, TTL at least 10 s) plus a retry and the lock-delay.
      const deadline = Date.now() + 30_000;
      let cluster = await apiJson<ClusterJson>(nodes[1]!, '/api/cluster');
      while ((cluster.nodes.length !== 3 || cluster.nodes.some((n) => n.lag !== '0')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        cluster = await apiJson<ClusterJson>(nodes[1]!, '/api/cluster');
      }
      assert.deepEqual(cluster.nodes.map((n) => n.id), ['node-1', 'node-2', 'node-3']);
      assert.ok(cluster.nodes.every((n) => n.lag === '0'), JSON.stringify(cluster.nodes));
      const extra = (await startNodes(1, target.flags, () => ['--cluster.nodeId=node-doomed']))[0]!;
      const seen = async (present: boolean) => {
        // Consul sessions live at least 10 s (its minimum TTL) and may take up to twice that to expire.
        const end = Date.now() + 40_000;
        while (Date.now() < end) {
          const ids = (await apiJson<ClusterJson>(nodes[0]!, '/api/cluster')).nodes.map((n) => n.id);
          if (ids.includes('node-doomed') === present) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.fail(`node-doomed ${present ? 'never appeared' : 'never disappeared'}`);
      };
      await seen(true);
      extra.child.kill('SIGKILL');
      await seen(false);
    });

    test('cold start with the store down serves the snapshot file', async () => {
      const node = nodes.pop()!;
      assert.equal(await node.stop(), 0);
      await target.stop();
      try {
        const [restarted] = await startNodes(1, target.flags, () => [`--cluster.snapshotFile=${join(dir, 'snap-2.json')}`, '--cluster.nodeId=node-3']);
        try {
          assert.equal((await fetchStatus(restarted!, 'base.test')).status, 200);
          assert.equal((await fetchStatus(restarted!, 'after-outage.test')).status, 200);
          const cluster = await apiJson<ClusterJson>(restarted!, '/api/cluster');
          assert.equal(cluster.store.source, 'snapshot');
          assert.ok(restarted!.logs.some((l) => String(l.msg).includes('snapshot file')), `${kind()}: the log says it serves the snapshot`);
        } finally {
          await restarted!.stop();
        }
      } finally {
        await target.start();
      }
    });
  });
}
