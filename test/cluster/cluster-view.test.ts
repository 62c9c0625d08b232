/**
 * The cluster's ACME certificates as `switchyard status` and /api/cluster show them: issued ones, and
 * wanted ones whose orders have only failed so far, with the CA's error and the next attempt (the
 * status key is all there is for those). The store is the Consul double.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StoredCertificate, StoredStatus } from '../../src/acme/state-keys.ts';
import { readCluster } from '../../src/cluster/cluster-view.ts';
import { ConsulStore } from '../../src/stores/consul-store.ts';
import { startConsulDouble, type ConsulDouble } from '../support/consul-double/consul-double.ts';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));
const FAILED: StoredStatus = {
  certId: 'fails.test',
  resolver: 'le',
  domains: ['fails.test'],
  lastError: 'urn:ietf:params:acme:error:connection: the CA could not reach fails.test',
  failures: 3,
  nextAttempt: '2026-11-22T23:00:00.000Z',
  updatedAt: '2026-11-22T22:00:00.000Z',
};
const ISSUED: StoredCertificate = { resolver: 'le', domains: ['ok.test'], certPem: 'x', keyPem: 'x', notAfter: '2027-02-20T00:00:00.000Z', issuer: 'Pebble Intermediate CA', obtainedAt: '2026-11-22T21:00:00.000Z', token: '1' };

let double: ConsulDouble;
let store: ConsulStore;

before(async () => {
  double = await startConsulDouble();
  store = new ConsulStore({ endpoints: [double.address], flagPrefix: '--providers.consul' });
  await store.put('switchyard/certificates/ok.test', JSON.stringify(ISSUED));
  await store.put('switchyard/acme/status/ok.test', JSON.stringify({ ...FAILED, certId: 'ok.test', domains: ['ok.test'], lastError: null, failures: 0, nextAttempt: null }));
  await store.put('switchyard/acme/status/fails.test', JSON.stringify(FAILED));
});

after(async () => {
  await store.close();
  await double.close();
});

test('a certificate that was never issued is listed with its last ACME error and next attempt', async () => {
  const view = await readCluster(store, 'switchyard', 'traefik');
  assert.deepEqual(view.certificates.map((c) => [c.id, c.issued, c.notAfter, c.lastError, c.nextAttempt]), [
    ['ok.test', true, ISSUED.notAfter, null, null],
    ['fails.test', false, null, FAILED.lastError, FAILED.nextAttempt],
  ]);
  assert.equal(view.certificates[1]!.failures, 3);
  assert.equal(view.certificates[1]!.resolver, 'le');
});

async function status(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(BIN, ['status', `--providers.consul.endpoints=${double.address}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout };
}

test('switchyard status and status --json show the failing certificate', async () => {
  const text = await status([]);
  assert.equal(text.code, 0);
  const row = text.stdout.split('\n').find((line) => line.startsWith('fails.test'));
  assert.ok(row, text.stdout);
  assert.match(row, /never issued/);
  assert.ok(row.includes(FAILED.lastError!) && row.includes(FAILED.nextAttempt!), row);
  const json = await status(['--json']);
  const listed = (JSON.parse(json.stdout) as { certificates: { id: string; lastError: string | null }[] }).certificates;
  assert.deepEqual(listed.find((c) => c.id === 'fails.test')?.lastError, FAILED.lastError);
});
