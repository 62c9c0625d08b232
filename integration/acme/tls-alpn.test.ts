/**
 * TLS-ALPN-01 (RFC 8737) against Pebble: the CA's validation reaches a node that is not the leader
 * on the TLS port; that node presents the challenge certificate from the store for `acme-tls/1`, and
 * every node then serves the issued certificate.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { clusterJson, presented, startAcmeCluster, until, type AcmeCluster } from './support.ts';

let cluster: AcmeCluster;
let upstream: TestUpstream;

before(async () => {
  cluster = await startAcmeCluster({ challenge: 'tls-alpn-01' });
  upstream = await startUpstream('alpn');
});

after(async () => {
  await cluster.close();
  await upstream.close();
});

test('a non-leader answers the TLS-ALPN-01 validation; all nodes serve the certificate', async () => {
  const leader = await until('a leader', async () => (await clusterJson(cluster.nodes[0]!)).leader ?? undefined);
  const validator = (Number(/node-(\d)/.exec(leader)![1]) - 1 + 1) % 3;
  await cluster.pebble.setA('alpn.test', cluster.ips[validator]!);
  const put = (k: string, v: string) => cluster.client.put(k).value(v).exec();
  await put('traefik/http/services/s/loadBalancer/servers/0/url', upstream.url);
  await put('traefik/http/routers/r/service', 's');
  await put('traefik/http/routers/r/tls/certResolver', 'le');
  await put('traefik/http/routers/r/rule', 'Host(`alpn.test`)');
  const certs = await until('every node to present the issued certificate', async () => {
    const seen = await Promise.all(cluster.ips.map((ip) => presented(ip, cluster.tlsPort, 'alpn.test')));
    return seen.every((c) => c.subjectaltname?.includes('DNS:alpn.test') && /Pebble/i.test(String(c.issuer?.CN ?? ''))) ? seen : undefined;
  });
  assert.equal(new Set(certs.map((c) => c.fingerprint256)).size, 1);
  assert.deepEqual(Object.keys(await cluster.client.getAll().prefix('switchyard/challenges/').strings()), [], 'the challenge certificate is removed afterwards');
});
