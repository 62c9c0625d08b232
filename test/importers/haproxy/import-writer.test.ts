/**
 * Writing an import to a store, on the Consul double (64 operations per transaction): first write,
 * a re-import that writes nothing, one that writes only what changed and deletes only what the
 * previous import owned, refusal to overwrite hand-written objects, and a large import split into
 * transactions within the limit, after each of which every router's service and middlewares exist.
 * The same writer against a real etcd is in integration/haproxy-import.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeyValues } from '../../../src/config/decode.ts';
import { SwitchyardError } from '../../../src/errors.ts';
import { writeImport } from '../../../src/importers/haproxy/import-writer.ts';
import { buildRuntime } from '../../../src/runtime/build-runtime.ts';
import { ConsulStore } from '../../../src/stores/consul-store.ts';
import type { KvStore, TxnOp } from '../../../src/stores/store.ts';
import { startConsulDouble, type ConsulDouble } from '../../support/consul-double/consul-double.ts';
import { DEFAULTS, translate } from './translate-fixture.ts';

let double: ConsulDouble;
let store: ConsulStore;

before(async () => {
  double = await startConsulDouble();
  store = new ConsulStore({ endpoints: [double.address], flagPrefix: '--providers.consul' });
});

after(async () => {
  await store.close();
  await double.close();
});

/** A frontend routing `count` hosts to one backend each. */
function generated(count: number, options: { server?: (i: number) => string; skip?: number } = {}): string {
  const lines = [DEFAULTS, 'frontend edge', '  bind :80', '  http-request set-header X-Edge 1'];
  const backends: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === options.skip) continue;
    lines.push(`  use_backend app${i} if { hdr(host) -i app${i}.example.com }`);
    backends.push(`backend app${i}`, `  server s 10.9.${Math.floor(i / 250)}.${i % 250}:${options.server?.(i) ?? '8080'}`);
  }
  return [...lines, ...backends].join('\n');
}

/** `inner` with its `txn` replaced (private fields rule out Object.create, hence a Proxy). */
function withTxn(inner: KvStore, txn: (ops: readonly TxnOp[]) => Promise<void>): KvStore {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'txn') return txn;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Records every transaction the writer sends. */
function recording(inner: KvStore): { store: KvStore; txns: TxnOp[][] } {
  const txns: TxnOp[][] = [];
  const wrapped = withTxn(inner, async (ops) => {
    txns.push([...ops]);
    await inner.txn(ops);
  });
  return { store: wrapped, txns };
}

async function under(prefix: string): Promise<Map<string, string>> {
  return new Map((await store.list(prefix)).entries);
}

test('the first import writes every key and a manifest of them, in one transaction when it fits', async () => {
  const keys = translate(generated(2), { rootKey: 'first' }).keys;
  const { store: s, txns } = recording(store);
  const result = await writeImport({ store: s, rootKey: 'first', manifestKey: 'switchyard/import/haproxy/first', keys, source: 'haproxy.cfg' });
  assert.deepEqual(result, { written: keys.size, deleted: 0, unchanged: 0, transactions: 1 });
  assert.equal(txns.length, 1);
  assert.deepEqual(await under('first/'), keys);
  const manifest = JSON.parse((await under('switchyard/import/haproxy/first')).get('switchyard/import/haproxy/first')!) as { keys: number; parts: number };
  assert.deepEqual([manifest.keys, manifest.parts], [keys.size, 1]);
});

test('re-importing the same file writes nothing', async () => {
  const keys = translate(generated(3), { rootKey: 'same' }).keys;
  await writeImport({ store, rootKey: 'same', manifestKey: 'switchyard/import/haproxy/same', keys, source: 'haproxy.cfg' });
  const puts = double.stats.count('txn');
  const again = await writeImport({ store, rootKey: 'same', manifestKey: 'switchyard/import/haproxy/same', keys, source: 'haproxy.cfg' });
  assert.deepEqual(again, { written: 0, deleted: 0, unchanged: keys.size, transactions: 0 });
  assert.equal(double.stats.count('txn'), puts);
});

test('a re-import writes only what changed, deletes what the previous import owned, and leaves other keys alone', async () => {
  const manifestKey = 'switchyard/import/haproxy/diff';
  await store.put('diff/http/routers/manual/rule', 'Host(`manual.example.com`)');
  await store.put('diff/http/routers/manual/service', 'app1');
  const first = translate(generated(4), { rootKey: 'diff' }).keys;
  await writeImport({ store, rootKey: 'diff', manifestKey, keys: first, source: 'haproxy.cfg' });
  // app2 is gone, app1's server moved.
  const second = translate(generated(4, { skip: 2, server: (i) => (i === 1 ? '9090' : '8080') }), { rootKey: 'diff' }).keys;
  const { store: s, txns } = recording(store);
  const result = await writeImport({ store: s, rootKey: 'diff', manifestKey, keys: second, source: 'haproxy.cfg' });
  const ops = txns.flat().filter((op) => !op.key.startsWith('switchyard/'));
  const changed = [...second].filter(([k, v]) => first.get(k) !== v).map(([k]) => k);
  const removed = [...first.keys()].filter((k) => !second.has(k));
  assert.deepEqual(ops.filter((op) => op.type === 'put').map((op) => op.key).sort(), changed.sort());
  assert.deepEqual(ops.filter((op) => op.type === 'delete').map((op) => op.key).sort(), removed.sort());
  assert.ok(removed.some((k) => k.includes('/services/app2/')));
  assert.ok(changed.includes('diff/http/services/app1/loadBalancer/servers/s/url'));
  assert.equal(result.written, changed.length);
  assert.equal(result.deleted, removed.length);
  const now = await under('diff/');
  assert.equal(now.get('diff/http/routers/manual/rule'), 'Host(`manual.example.com`)', 'a hand-written router survives');
  for (const [k, v] of second) assert.equal(now.get(k), v);
  for (const k of removed) assert.equal(now.has(k), false);
});

test('an import that would change a hand-written object is refused before anything is written', async () => {
  await store.put('conflict/http/services/app0/loadBalancer/servers/0/url', 'http://10.0.0.99:80');
  const keys = translate(generated(1), { rootKey: 'conflict' }).keys;
  await assert.rejects(
    writeImport({ store, rootKey: 'conflict', manifestKey: 'switchyard/import/haproxy/conflict', keys, source: 'haproxy.cfg' }),
    (error: unknown) => error instanceof SwitchyardError && error.code === 'SY_IMPORT_CONFLICT' && error.key === 'conflict/http/services/app0/loadBalancer/servers/0/url',
  );
  assert.deepEqual([...(await under('conflict/')).keys()], ['conflict/http/services/app0/loadBalancer/servers/0/url']);
  assert.equal((await under('switchyard/import/haproxy/conflict')).size, 0);
});

test('a large import goes in transactions of at most 64 operations; after each, every router can serve', async () => {
  const rootKey = 'big';
  const manifestKey = 'switchyard/import/haproxy/big';
  const { store: s, txns } = recording(store);
  const state = new Map<string, string>();
  const check = () => {
    const decoded = decodeKeyValues(state, rootKey);
    const { view } = buildRuntime({ revision: 1, providers: new Map([['consul', { decoded, root: rootKey }]]), entryPoints: ['http-80'], defaultEntryPoints: ['http-80'], defaultRuleSyntax: 'v3' });
    for (const router of view.routers.values()) {
      const missing = router.errors.filter((e) => e.code === 'SY_ROUTER_SERVICE_MISSING' || e.code === 'SY_ROUTER_MIDDLEWARE_MISSING');
      assert.deepEqual(missing, [], `${router.name} after transaction ${txns.length}`);
    }
  };
  const apply = (ops: readonly TxnOp[]) => {
    for (const op of ops) if (op.type === 'put') state.set(op.key, op.value); else state.delete(op.key);
    check();
  };
  const replaying = withTxn(s, async (ops) => {
    await s.txn(ops);
    apply(ops.filter((op) => op.key.startsWith(`${rootKey}/`)));
  });

  const first = translate(generated(300), { rootKey }).keys;
  const written = await writeImport({ store: replaying, rootKey, manifestKey, keys: first, source: 'haproxy.cfg' });
  assert.ok(written.transactions > 10, `${written.transactions} transactions`);
  assert.ok(txns.every((ops) => ops.length <= 64));
  assert.deepEqual(await under(`${rootKey}/`), first);

  // Half the hosts go away: routers are deleted before the services they use.
  const second = translate(generated(150), { rootKey }).keys;
  await writeImport({ store: replaying, rootKey, manifestKey, keys: second, source: 'haproxy.cfg' });
  assert.deepEqual(await under(`${rootKey}/`), second);
  const manifest = JSON.parse((await under(manifestKey)).get(manifestKey)!) as { keys: number };
  assert.equal(manifest.keys, second.size);
});
