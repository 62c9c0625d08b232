/**
 * The dashboard's cluster view in headless Chromium, for two node processes on one real etcd: both
 * nodes listed with the revision each applied against the store's, and the ACME leader named.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNodes, stopNodes, untilAll, apiJson } from '../support/cluster.ts';
import { startEtcd, type EtcdServer } from '../support/etcd/index.ts';
import type { NodeProcess } from '../support/node-process.ts';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { waitFor } from '../../test/support/test-node.ts';
import { browserAvailable, browserTestOptions, openPage, type BrowserPage } from './browser.ts';

interface ClusterJson {
  routesRevision: string;
  leader: string | null;
  nodes: { id: string; appliedRevision: string; lag: string }[];
}

let etcd: EtcdServer | undefined;
let upstream: TestUpstream | undefined;
let nodes: NodeProcess[] = [];
let browser: BrowserPage | undefined;

before(async () => {
  if (!browserAvailable()) return;
  etcd = await startEtcd();
  upstream = await startUpstream('up');
  for (const [key, value] of [
    ['traefik/http/services/app/loadBalancer/servers/0/url', upstream.url],
    ['traefik/http/routers/app/service', 'app'],
    ['traefik/http/routers/app/rule', 'Host(`app.test`)'],
  ]) {
    const put = await etcd.etcdctl(['put', key!, value!]);
    assert.equal(put.code, 0, put.stderr);
  }
  nodes = await startNodes(2, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`, '--workers=1']);
  await untilAll(nodes, 'app.test', 200);
  // Both registered, current, and one of them leading, before the page looks.
  await waitFor(async () => {
    const c = await apiJson<ClusterJson>(nodes[0]!, '/api/cluster');
    return c.leader !== null && c.nodes.length === 2 && c.nodes.every((n) => n.lag === '0');
  }, 20_000, 'both nodes registered and a leader');
  browser = await openPage();
});

after(async () => {
  await browser?.browser.close();
  await stopNodes(nodes);
  await etcd?.close();
  await upstream?.close();
});

test('the cluster view lists every node with its applied revision against the store\'s, and the ACME leader', browserTestOptions(), async () => {
  browser ??= await openPage();
  const { page } = browser;
  const cluster = await apiJson<ClusterJson>(nodes[0]!, '/api/cluster');
  await page.goto(`http://127.0.0.1:${nodes[0]!.ports.traefik}/dashboard/#/cluster`);
  await page.locator('tr[data-node="node-2"]').waitFor();
  for (const { id, appliedRevision } of cluster.nodes) {
    const cells = await page.locator(`tr[data-node="${id}"] td`).allInnerTexts();
    // Revisions are the store's: a node's counts every write it saw, the routes' only the latest route change.
    assert.equal(cells[3], appliedRevision, `${id} applied revision`);
    assert.equal(cells[4], cluster.routesRevision, `${id} store revision`);
    assert.equal(cells[5], 'current', `${id} lag`);
  }
  assert.match(await page.locator('tr[data-node="node-1"] td.name').innerText(), /this node/);
  assert.match(await page.locator(`tr[data-node="${cluster.leader}"] td.name`).innerText(), /ACME leader/);
  assert.match(await page.locator('#view-cluster dl.facts').innerText(), new RegExp(`ACME leader\\s+${cluster.leader}`));

  // No certificate was asked for: the certificates view says so rather than failing.
  await page.goto(`http://127.0.0.1:${nodes[0]!.ports.traefik}/dashboard/#/certificates`);
  await page.getByText('No certificate has been issued yet.').waitFor();
  assert.deepEqual(browser.errors, []);
});
