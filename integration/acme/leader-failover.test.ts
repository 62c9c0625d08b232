/**
 * The ACME leader is SIGKILLed in the middle of an order: another node takes over within 2× the
 * lock TTL, resumes the same order (no second order for the same names) and finishes; the
 * surviving nodes serve the certificate.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { clusterJson, presented, routeWithCertificate, startAcmeCluster, until, type AcmeCluster } from './support.ts';

let cluster: AcmeCluster;
let upstream: TestUpstream;

before(async () => {
  // Pebble waits up to 3 s before validating, so the order is still open when the leader dies.
  cluster = await startAcmeCluster({ validationSleepSeconds: 3 });
  upstream = await startUpstream('site');
});

after(async () => {
  await cluster.close();
  await upstream.close();
});

test('a new leader resumes the dead leader\'s order and finishes it', async () => {
  const leader = await until('a leader', async () => (await clusterJson(cluster.nodes[0]!)).leader ?? undefined);
  const leaderIndex = Number(/node-(\d)/.exec(leader)![1]) - 1;
  const survivors = [0, 1, 2].filter((i) => i !== leaderIndex);
  await cluster.pebble.setA('failover.test', cluster.ips[survivors[0]!]!);

  // Record every order URL the store ever holds for these names.
  const orderUrls = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const orders = await cluster.client.getAll().prefix('switchyard/acme/le/orders/').strings().catch(() => ({}));
      for (const value of Object.values(orders)) orderUrls.add((JSON.parse(value) as { url: string }).url);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  await routeWithCertificate(cluster, 'site', 'failover.test', upstream.url);

  await until('the order to be stored', async () => (orderUrls.size > 0 ? true : undefined), 30_000);
  cluster.nodes[leaderIndex]!.child.kill('SIGKILL');
  const killedAt = Date.now();

  const next = await until('a new leader', async () => {
    const l = (await clusterJson(cluster.nodes[survivors[0]!]!)).leader;
    return l !== null && l !== leader ? l : undefined;
  }, 20_000);
  const takeover = Date.now() - killedAt;
  assert.ok(takeover <= 2 * 2_000 + 1_000, `new leader ${next} after ${takeover} ms (lock TTL 2 s)`);

  await until('both survivors to present the Pebble certificate', async () => {
    const seen = await Promise.all(survivors.map((i) => presented(cluster.ips[i]!, cluster.tlsPort, 'failover.test')));
    return seen.every((c) => c.subjectaltname?.includes('DNS:failover.test')) && new Set(seen.map((c) => c.fingerprint256)).size === 1 ? true : undefined;
  }, 60_000);
  watching = false;
  await watcher;
  assert.equal(orderUrls.size, 1, `one order for the names, resumed by the new leader (${[...orderUrls].join(', ')})`);
  const certs = await cluster.client.getAll().prefix('switchyard/certificates/').keys();
  assert.deepEqual(certs, ['switchyard/certificates/failover.test']);
});
