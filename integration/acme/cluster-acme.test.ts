/**
 * Cluster ACME against Pebble: three nodes on 127.0.0.2–4 share the HTTP-01 port; the CA's
 * validation is aimed at a node that is not the leader; one order is placed, and every node presents
 * the same Pebble-issued certificate.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
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

test('one leader orders once; a non-leader answers the CA; all nodes serve the certificate', async () => {
  const leader = await until('a leader', async () => (await clusterJson(cluster.nodes[0]!)).leader ?? undefined);
  const leaderIndex = Number(/node-(\d)/.exec(leader)![1]) - 1;
  const validator = (leaderIndex + 1) % 3;
  // Pebble validates site.test at a node that does not lead: it must answer from the store.
  await cluster.pebble.setA('site.test', cluster.ips[validator]!);

  await routeWithCertificate(cluster, 'site', 'site.test', upstream.url);

  const certs = await until('every node to present a Pebble certificate', async () => {
    const seen = await Promise.all(cluster.ips.map((ip) => presented(ip, cluster.tlsPort, 'site.test')));
    return seen.every((c) => c.subject?.CN !== 'TRAEFIK DEFAULT CERT' && c.subjectaltname?.includes('DNS:site.test')) ? seen : undefined;
  });
  const fingerprints = new Set(certs.map((c) => c.fingerprint256));
  assert.equal(fingerprints.size, 1, 'all three nodes present the same certificate');
  assert.match(String(certs[0]!.issuer.CN ?? ''), /Pebble/i);

  const stored = (await cluster.client.getAll().prefix('switchyard/certificates/').strings());
  assert.deepEqual(Object.keys(stored), ['switchyard/certificates/site.test']);
  const record = JSON.parse(stored['switchyard/certificates/site.test']!) as { certPem: string; keyPem: string };
  assert.equal(new X509Certificate(record.certPem).fingerprint256, certs[0]!.fingerprint256);
  // No pending order or challenge is left behind.
  assert.deepEqual(Object.keys(await cluster.client.getAll().prefix('switchyard/acme/le/orders/').strings()), []);
  assert.deepEqual(Object.keys(await cluster.client.getAll().prefix('switchyard/challenges/').strings()), []);

  // The validation request reached the non-leader (its access to the challenge path came from the store).
  const view = await clusterJson(cluster.nodes[validator]!);
  assert.notEqual(view.leader, `node-${validator + 1}`);
  assert.deepEqual(view.certificates.map((c) => c.id), ['site.test']);
  const served = await until('every node to report serving it', async () => {
    const c = (await clusterJson(cluster.nodes[0]!)).certificates[0] as { servedBy?: string[] } | undefined;
    return c?.servedBy?.length === 3 ? c.servedBy : undefined;
  });
  assert.deepEqual(served, ['node-1', 'node-2', 'node-3']);

  // No router wants it any more: its status goes (the certificate stays, for a router that comes back).
  assert.deepEqual(Object.keys(await cluster.client.getAll().prefix('switchyard/acme/status/').strings()), ['switchyard/acme/status/site.test']);
  await cluster.client.delete().prefix('traefik/http/routers/site/').exec();
  await until('the status of the unwanted certificate to be deleted', async () =>
    Object.keys(await cluster.client.getAll().prefix('switchyard/acme/status/').strings()).length === 0 ? true : undefined, 20_000);
  assert.deepEqual(Object.keys(await cluster.client.getAll().prefix('switchyard/certificates/').strings()), ['switchyard/certificates/site.test']);
});
