/**
 * A CA that forgets the cluster's account (Pebble restarted; a staging database wiped) answers
 * `accountDoesNotExist` to the stored account: the leader registers a new account, stores it, and the
 * next certificate is issued, instead of backing off forever.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { clusterJson, presented, routeWithCertificate, startAcmeCluster, until, type AcmeCluster } from './support.ts';

let cluster: AcmeCluster;
let upstream: TestUpstream;

before(async () => {
  cluster = await startAcmeCluster();
  upstream = await startUpstream('site');
});

after(async () => {
  await cluster.close();
  await upstream.close();
});

const served = (host: string) => until(`every node to present a certificate for ${host}`, async () => {
  const seen = await Promise.all(cluster.ips.map((ip) => presented(ip, cluster.tlsPort, host)));
  return seen.every((c) => c.subjectaltname?.includes(`DNS:${host}`)) ? true : undefined;
});

test('after the CA forgets the account, the leader registers a new one and the next certificate is issued', async () => {
  await cluster.pebble.setA('before.test', cluster.ips[0]!);
  await cluster.pebble.setA('after.test', cluster.ips[1]!);
  await routeWithCertificate(cluster, 'before', 'before.test', upstream.url);
  await served('before.test');
  const accountKey = 'switchyard/acme/le/account';
  const firstAccount = JSON.parse(String(await cluster.client.get(accountKey).string())) as { url: string };

  await cluster.pebble.restart();
  await routeWithCertificate(cluster, 'after', 'after.test', upstream.url);
  await served('after.test');

  const secondAccount = JSON.parse(String(await cluster.client.get(accountKey).string())) as { url: string };
  assert.notEqual(secondAccount.url, firstAccount.url, 'a new account is stored for the next leaders');
  const leader = (await clusterJson(cluster.nodes[0]!)).leader;
  const leaderNode = cluster.nodes.find((n) => n.logs.some((l) => l['msg'] === 'the CA does not know the stored ACME account; registering a new one'));
  assert.ok(leaderNode !== undefined, `the leader (${leader}) logged the re-registration`);
});
