/**
 * @module etcd compaction is survived. End to end, a node keeps applying changes across a
 * compaction of the history it watches, and one frozen while megabytes of changes and a compaction
 * go by converges on the final state. In process, a watch started from a revision that has been
 * compacted makes the etcd adapter emit `resync` (not a crash, not silence); and when keys change
 * and the store compacts between StoreProvider's list and its watch, the provider re-lists and
 * delivers exactly the key set the store holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { StoreProvider } from '../../src/providers/store-provider.ts';
import type { ProviderUpdate } from '../../src/providers/provider.ts';
import { EtcdStore } from '../../src/stores/etcd-store.ts';
import type { KvStore, WatchEvent, WatchHandle } from '../../src/stores/store.ts';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { apiJson, startNodes, stopNodes, untilAll } from '../support/cluster.ts';
import { startEtcd, type EtcdServer } from '../support/etcd/index.ts';
import type { NodeProcess } from '../support/node-process.ts';

/** Waits (bounded) until `condition` holds; the message says what never happened. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('etcd compaction', { timeout: 120_000 }, () => {
  let etcd: EtcdServer;
  let store: EtcdStore;

  before(async () => {
    etcd = await startEtcd();
    store = new EtcdStore({ endpoints: etcd.endpoints, flagPrefix: '--providers.etcd' });
  });

  after(async () => {
    await store?.close();
    await etcd?.close();
  });

  describe('a node watching', () => {
    let upstream: TestUpstream;
    let nodes: NodeProcess[] = [];

    const route = async (name: string) => {
      await store.put(`traefik/http/services/${name}/loadBalancer/servers/0/url`, upstream.url);
      await store.put(`traefik/http/routers/${name}/service`, name);
      await store.put(`traefik/http/routers/${name}/rule`, `Host(\`${name}.test\`)`);
    };

    before(async () => {
      upstream = await startUpstream('up');
      await route('base');
      nodes = await startNodes(2, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`]);
      await untilAll(nodes, 'base.test', 200);
    });

    after(async () => {
      await stopNodes(nodes);
      await upstream?.close();
    });

    test('keeps applying changes after the history it watches is compacted', async () => {
      for (let i = 0; i < 20; i++) await store.put(`traefik/http/routers/base/rule`, `Host(\`base.test\`) || Host(\`v${i}.test\`)`);
      await untilAll(nodes, 'v19.test', 200);
      await store.delete('traefik/http/routers/base/rule');
      await untilAll(nodes, 'base.test', 404);
      await etcd.compact();
      await route('after-compaction');
      await untilAll(nodes, 'after-compaction.test', 200);
      await store.put('traefik/http/routers/base/rule', 'Host(`base.test`)');
      await untilAll(nodes, 'base.test', 200);
      await etcd.compact();
      await store.delete('traefik/http/routers/after-compaction/rule');
      await untilAll(nodes, 'after-compaction.test', 404);
    });

    test('a node frozen (SIGSTOP) while ~8 MB of changes and a compaction go by converges on the final state', async () => {
      const frozen = nodes[0]!;
      const pad = 'x'.repeat(8 * 1024);
      const header = (m: number) => `traefik/http/middlewares/pad-${m}/headers/customRequestHeaders/X-Pad`;
      frozen.child.kill('SIGSTOP');
      try {
        // More than the socket and HTTP/2 windows hold, so etcd has to keep the backlog itself.
        for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 100 }, (_, m) => store.put(header(m), `${round}${pad}`)));
        await route('while-frozen');
        await store.put('traefik/http/routers/base/rule', 'Host(`base-final.test`)');
        await etcd.compact();
      } finally {
        frozen.child.kill('SIGCONT');
      }
      await untilAll(nodes, 'while-frozen.test', 200, 30_000);
      await untilAll(nodes, 'base-final.test', 200, 30_000);
      for (const node of nodes) {
        const raw = await apiJson<{ middlewares: Record<string, { headers?: { customRequestHeaders?: Record<string, string> } }> }>(node, '/api/rawdata');
        const pads = Object.entries(raw.middlewares).filter(([name]) => name.startsWith('pad-'));
        assert.equal(pads.length, 100);
        assert.ok(pads.every(([, m]) => m.headers?.customRequestHeaders?.['X-Pad']?.startsWith('9x')), 'every middleware has its last value');
      }
    });
  });

  describe('in process', () => {
    test('a watch from a compacted revision emits resync, and no events', async () => {
      await store.put('compacted/a', '1');
      const { revision: listed } = await store.list('compacted/');
      await store.put('compacted/b', '2');
      await store.delete('compacted/a');
      await etcd.compact();
      const events: WatchEvent[] = [];
      const handle = store.watch('compacted/', listed, (event) => events.push(event));
      try {
        await until(() => events.some((e) => e.type === 'resync'), 'a resync event');
        assert.deepEqual(events.filter((e) => e.type === 'put' || e.type === 'delete'), []);
      } finally {
        handle.close();
      }
    });

    test('keys changed and history compacted between the list and the watch: StoreProvider re-lists and delivers the right key set', async () => {
      const root = 'racing';
      await store.put(`${root}/http/routers/kept/rule`, 'Host(`kept.test`)');
      await store.put(`${root}/http/routers/edited/rule`, 'Host(`old.test`)');
      await store.put(`${root}/http/routers/deleted/rule`, 'Host(`deleted.test`)');
      // The first watch starts only after these writes and a compaction past the listed revision.
      let watches = 0;
      let lists = 0;
      const racing: KvStore = Object.create(store, {
        list: { value: (prefix: string) => ((lists += prefix === `${root}/` ? 1 : 0), store.list(prefix)) },
        watch: {
          value: (prefix: string, after: bigint, onEvent: (event: WatchEvent) => void): WatchHandle => {
            watches++;
            if (watches > 1) return store.watch(prefix, after, onEvent);
            let inner: WatchHandle | undefined;
            let closed = false;
            void (async () => {
              await store.put(`${root}/http/routers/edited/rule`, 'Host(`new.test`)');
              await store.delete(`${root}/http/routers/deleted/rule`);
              await store.put(`${root}/http/routers/added/rule`, 'Host(`added.test`)');
              await etcd.compact();
              if (!closed) inner = store.watch(prefix, after, onEvent);
            })();
            return {
              close: () => {
                closed = true;
                inner?.close();
              },
            };
          },
        },
      });
      const updates: ProviderUpdate[] = [];
      const provider = new StoreProvider({ name: 'etcd', store: racing, rootKey: root, logger: pino({ level: 'silent' }), explain: (e) => store.explain(e) });
      await provider.start((update) => updates.push(update));
      try {
        const expected = [
          [`${root}/http/routers/added/rule`, 'Host(`added.test`)'],
          [`${root}/http/routers/edited/rule`, 'Host(`new.test`)'],
          [`${root}/http/routers/kept/rule`, 'Host(`kept.test`)'],
        ];
        const delivered = () => [...(updates.at(-1)?.entries ?? [])].sort(([a], [b]) => (a < b ? -1 : 1));
        await until(() => JSON.stringify(delivered()) === JSON.stringify(expected), 'the re-listed key set');
        assert.ok(watches >= 2 && lists >= 2, `re-listed and watched again (lists ${lists}, watches ${watches})`);
        assert.equal(provider.status.state, 'connected');
        // And it keeps watching from the re-listed revision.
        await store.put(`${root}/http/routers/later/rule`, 'Host(`later.test`)');
        await until(() => delivered().some(([k]) => k === `${root}/http/routers/later/rule`), 'a change after the resync');
      } finally {
        await provider.stop();
      }
    });
  });
});
