/**
 * @module A node on a three-member etcd cluster (`--providers.etcd.endpoints=a,b,c`) loses one member
 * at a time: the first endpoint, the member serving the node's watch (read off etcd's own
 * `etcd_debugging_mvcc_watcher_total` gauge), and the Raft leader (killed). Each time no request
 * fails, a key written through a surviving member is applied, i.e. the node moved to another endpoint
 * and kept watching, and `switchyard status` given every endpoint still answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { runCli } from '../support/cli-run.ts';
import { runLoad, startNodes, stopNodes, untilAll } from '../support/cluster.ts';
import { startEtcdCluster, type EtcdCluster, type EtcdServer } from '../support/etcd/index.ts';
import type { NodeProcess } from '../support/node-process.ts';

interface StatusJson {
  nodes: { id: string }[];
}

/** Watchers a member serves right now (etcd's gauge; the node holds one for the route prefix). */
async function watchers(member: EtcdServer): Promise<number> {
  const text = await (await fetch(`${member.clientUrls[0]}/metrics`)).text();
  return Number(/^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Puts through one member, retrying while the cluster elects a leader (bounded). */
async function putVia(member: EtcdServer, key: string, value: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    // A put stuck on a lost leader would wait etcdctl's default 5 s; give up sooner and retry.
    const result = await member.etcdctl(['--command-timeout=1s', 'put', key, value], { timeoutMs: 5_000 });
    if (result.code === 0) return;
    if (Date.now() > deadline) assert.fail(`etcdctl put ${key} via ${member.name} kept failing: ${result.stderr}`);
    await sleep(100);
  }
}

describe('a node on a three-member etcd cluster', { timeout: 180_000 }, () => {
  let cluster: EtcdCluster;
  let upstream: TestUpstream;
  let nodes: NodeProcess[] = [];
  const flags = () => [`--providers.etcd.endpoints=${cluster.endpoints.join(',')}`];

  const putRoute = async (via: EtcdServer, name: string) => {
    await putVia(via, `traefik/http/services/${name}/loadBalancer/servers/0/url`, upstream.url);
    await putVia(via, `traefik/http/routers/${name}/service`, name);
    await putVia(via, `traefik/http/routers/${name}/rule`, `Host(\`${name}.test\`)`);
  };

  before(async () => {
    cluster = await startEtcdCluster(3);
    upstream = await startUpstream('up');
    await putRoute(cluster.members[0]!, 'base');
    nodes = await startNodes(1, flags());
    await untilAll(nodes, 'base.test', 200);
  });

  after(async () => {
    await stopNodes(nodes);
    await cluster?.close();
    await upstream?.close();
  });

  const rounds: { name: string; pick: () => Promise<EtcdServer>; down: (m: EtcdServer) => Promise<void> }[] = [
    { name: 'the first endpoint, stopped', pick: async () => cluster.members[0]!, down: (m) => m.stop() },
    {
      name: 'the member serving the node’s watch, stopped',
      pick: async () => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          for (const member of cluster.members) if ((await watchers(member)) > 0) return member;
          if (Date.now() > deadline) assert.fail('no member serves a watch');
          await sleep(50);
        }
      },
      down: (m) => m.stop(),
    },
    { name: 'the Raft leader, killed', pick: () => cluster.leader(), down: (m) => m.kill() },
  ];

  for (const [i, round] of rounds.entries()) {
    test(`${round.name}: zero failed requests, later keys apply, status answers`, async () => {
      const victim = await round.pick();
      const survivor = cluster.members.find((m) => m !== victim)!;
      const load = runLoad(nodes, 'base.test');
      await sleep(300);
      await round.down(victim);
      try {
        await putRoute(survivor, `after-${i}`);
        await untilAll(nodes, `after-${i}.test`, 200, 30_000);
        // Still applying: an edit of an existing router goes through too.
        await putVia(survivor, `traefik/http/routers/after-${i}/rule`, `Host(\`after-${i}-edited.test\`)`);
        await untilAll(nodes, `after-${i}-edited.test`, 200, 30_000);

        const result = await load.stop();
        assert.ok(result.sent > 50, `load ran (${result.sent} requests)`);
        assert.deepEqual(result.failures.slice(0, 3), [], `${result.failures.length} of ${result.sent} failed`);

        // The node's registry record may be re-written on another member first: poll, bounded.
        const deadline = Date.now() + 20_000;
        for (;;) {
          const status = await runCli(['status', ...flags(), '--json']);
          assert.equal(status.code, 0, status.stderr);
          const ids = (JSON.parse(status.stdout) as StatusJson).nodes.map((n) => n.id);
          if (ids.includes('node-1')) break;
          if (Date.now() > deadline) assert.fail(`status never listed node-1: ${status.stdout}`);
          await sleep(200);
        }
      } finally {
        await load.stop();
        await victim.restart();
        await cluster.waitHealthy();
      }
    });
  }
});
