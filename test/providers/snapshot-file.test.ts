/**
 * `--cluster.snapshotFile` holds every key under the rootKey, private keys of tls/certificates
 * included: it is written owner-only (0600), also over a file an older version left world-readable.
 * The store is the Consul double.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/logging/logger.ts';
import { StoreProvider } from '../../src/providers/store-provider.ts';
import { ConsulStore } from '../../src/stores/consul-store.ts';
import { startConsulDouble, type ConsulDouble } from '../support/consul-double/consul-double.ts';

let double: ConsulDouble;
let store: ConsulStore;
let dir: string;

before(async () => {
  double = await startConsulDouble();
  store = new ConsulStore({ endpoints: [double.address], flagPrefix: '--providers.consul' });
  await store.put('traefik/tls/certificates/a/keyFile', '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n');
  dir = await mkdtemp(join(tmpdir(), 'sy-snapshot-'));
});

after(async () => {
  await store.close();
  await double.close();
  await rm(dir, { recursive: true, force: true });
});

async function written(file: string): Promise<void> {
  const provider = new StoreProvider({ name: 'consul', store, rootKey: 'traefik', logger: createLogger('silent', 'test'), snapshotFile: file });
  await provider.start(() => {});
  try {
    for (let i = 0; i < 200; i++) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text.includes('secret')) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail('the snapshot file was not written');
  } finally {
    await provider.stop();
  }
}

test('the snapshot file is written readable by its owner only', async () => {
  const file = join(dir, 'new', 'snapshot.json');
  await written(file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('a world-readable snapshot file (and a stale .tmp) from an older version becomes 0600', async () => {
  const file = join(dir, 'old.json');
  await writeFile(file, '{}');
  await chmod(file, 0o644);
  await writeFile(`${file}.tmp`, '');
  await chmod(`${file}.tmp`, 0o644);
  await written(file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});
