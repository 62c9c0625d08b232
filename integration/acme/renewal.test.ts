/**
 * Renewal: with short-lived certificates from Pebble, the leader renews before expiry and every node
 * switches to the new certificate, with zero failed TLS requests under bounded load meanwhile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { presented, routeWithCertificate, startAcmeCluster, until, type AcmeCluster } from './support.ts';

let cluster: AcmeCluster;
let upstream: TestUpstream;

before(async () => {
  // 30 s certificates: renewed at about two thirds of their life.
  cluster = await startAcmeCluster({ validitySeconds: 30 });
  upstream = await startUpstream('renewed');
  await cluster.pebble.setA('renew.test', cluster.ips[0]!);
});

after(async () => {
  await cluster.close();
  await upstream.close();
});

test('the leader renews; every node switches; no TLS request fails', async () => {
  await routeWithCertificate(cluster, 'site', 'renew.test', upstream.url);
  const first = await until('the first certificate on every node', async () => {
    const seen = await Promise.all(cluster.ips.map((ip) => presented(ip, cluster.tlsPort, 'renew.test')));
    return seen.every((c) => c.subjectaltname?.includes('DNS:renew.test')) && new Set(seen.map((c) => c.fingerprint256)).size === 1 ? seen[0]!.fingerprint256 : undefined;
  });

  // Bounded load: a new TLS connection per request (each handshake sees the current certificate).
  let stop = false;
  let sent = 0;
  const failures: string[] = [];
  const loops = cluster.ips.map(async (ip) => {
    while (!stop && sent < 20_000) {
      sent++;
      const agent = new Agent({ connect: { rejectUnauthorized: false, servername: 'renew.test' }, pipelining: 0 });
      try {
        const res = await request(`https://${ip}:${cluster.tlsPort}/`, { headers: { host: 'renew.test' }, dispatcher: agent });
        const body = await res.body.text();
        if (res.statusCode !== 200 || body !== 'renewed') failures.push(`${ip}: ${res.statusCode}`);
      } catch (error) {
        failures.push(`${ip}: ${(error as Error).message}`);
      } finally {
        await agent.close();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  const second = await until('a renewed certificate on every node', async () => {
    const seen = await Promise.all(cluster.ips.map((ip) => presented(ip, cluster.tlsPort, 'renew.test')));
    const prints = new Set(seen.map((c) => c.fingerprint256));
    return prints.size === 1 && !prints.has(first) ? [...prints][0] : undefined;
  }, 60_000);
  stop = true;
  await Promise.all(loops);
  assert.notEqual(second, first);
  assert.ok(sent > 50, `load ran (${sent} requests)`);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${sent} TLS requests failed`);
});
