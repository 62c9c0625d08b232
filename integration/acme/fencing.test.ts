/**
 * Fencing: a leader whose lease/session is gone cannot write, even if it has not noticed yet.
 * Run against a real etcd and against the Consul double, at the store interface the ACME leader uses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdStore } from '../../src/stores/etcd-store.ts';
import { ConsulStore } from '../../src/stores/consul-store.ts';
import type { KvStore } from '../../src/stores/store.ts';
import { startEtcd, type EtcdServer } from '../support/etcd/index.ts';
import { startConsulDouble, type ConsulDouble } from '../../test/support/consul-double/consul-double.ts';

function fencingSuite(name: string, open: () => Promise<{ store: () => KvStore; ttlMs: number; close(): Promise<void> }>) {
  describe(name, () => {
    let env: Awaited<ReturnType<typeof open>>;
    before(async () => (env = await open()));
    after(async () => env.close());

    test('a deposed leader\'s fenced write is refused; the new leader\'s succeeds', async () => {
      const a = env.store();
      const b = env.store();
      const never = new AbortController().signal;
      const sessionA = await a.createSession(env.ttlMs);
      const leaderA = await a.campaign('fence/leader', sessionA, 'node-a', never);
      assert.equal(await a.guardedPut(leaderA, 'fence/data', 'from-a'), true);

      // B waits for the lock while A holds it.
      const sessionB = await b.createSession(env.ttlMs);
      const electedB = b.campaign('fence/leader', sessionB, 'node-b', never);
      // A's session ends without A resigning, as when a leader is paused past its TTL.
      await sessionA.close();
      const leaderB = await electedB;
      assert.ok(leaderB.token > leaderA.token, 'the fencing token grows across terms');
      assert.equal(await b.readLeader('fence/leader'), 'node-b');

      // Pretend A has not noticed: call the store directly with its old leadership.
      const stale = { ...leaderA, lost: new AbortController().signal };
      assert.equal(await a.guardedPut(stale, 'fence/data', 'from-stale-a'), false);
      assert.equal(await a.guardedDelete(stale, 'fence/data'), false);
      assert.equal(await b.guardedPut(leaderB, 'fence/data', 'from-b'), true);
      assert.equal((await b.list('fence/data')).entries.get('fence/data'), 'from-b');
      await leaderB.resign();
      await sessionB.close();
      await a.close();
      await b.close();
    });
  });
}

fencingSuite('etcd', async () => {
  const etcd: EtcdServer = await startEtcd();
  return {
    store: () => new EtcdStore({ endpoints: etcd.endpoints, flagPrefix: '--providers.etcd' }),
    ttlMs: 2_000,
    close: () => etcd.close(),
  };
});

fencingSuite('consul', async () => {
  const double: ConsulDouble = await startConsulDouble({ sessionTtlMin: '1s' });
  return {
    store: () => new ConsulStore({ endpoints: [double.address], flagPrefix: '--providers.consul' }),
    ttlMs: 10_000,
    close: () => double.close(),
  };
});
