/**
 * Transaction conformance: all-or-nothing with check-session and check-index guards, result shapes
 * (values only for get verbs, none for deletes), every failure reported with its op index, the op
 * limit and decoding errors, and read-only transactions carrying no index.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, unb64, type KvEntry } from './consul-http.ts';
import { describeTargets, doubleOnly } from './targets.ts';

interface TxnAnswer {
  readonly Results: { KV: KvEntry }[] | null;
  readonly Errors: { OpIndex: number; What: string }[] | null;
}

const set = (Key: string, value: string): unknown => ({ KV: { Verb: 'set', Key, Value: b64(value) } });

describeTargets('consul txn', (target, kind) => {
  test('check-session guards a write: the holder’s txn commits, anyone else’s is rolled back with 409', async () => {
    const { http, prefix } = target();
    const [holder, other] = [await target().session(), await target().session()];
    const lock = `${prefix}leader`;
    await http.put(lock, 'me', `acquire=${holder}`);
    const guarded = (session: string, value: string): unknown[] => [
      { KV: { Verb: 'check-session', Key: lock, Session: session } },
      set(`${prefix}cert`, value),
    ];
    const ok = await http.txn(guarded(holder, 'by-holder'));
    assert.equal(ok.status, 200);
    assert.equal(ok.json<TxnAnswer>().Errors, null);
    const refused = await http.txn(guarded(other, 'by-other'));
    assert.equal(refused.status, 409);
    const body = refused.json<TxnAnswer>();
    assert.equal(body.Results, null);
    assert.equal(body.Errors?.[0]?.OpIndex, 0);
    assert.match(body.Errors?.[0]?.What ?? '', /failed session check/);
    assert.equal(unb64((await http.entry(`${prefix}cert`)).Value), 'by-holder');
  });

  test('a failed check-index rolls back the writes before it', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}guard`, 'g');
    const { ModifyIndex } = await http.entry(`${prefix}guard`);
    const answer = await http.txn([set(`${prefix}first`, 'x'), { KV: { Verb: 'check-index', Key: `${prefix}guard`, Index: ModifyIndex + 1 } }]);
    assert.equal(answer.status, 409);
    assert.equal(answer.json<TxnAnswer>().Errors?.[0]?.OpIndex, 1);
    assert.equal((await http.get(`${prefix}first`)).status, 404);
    const passing = await http.txn([set(`${prefix}first`, 'x'), { KV: { Verb: 'check-index', Key: `${prefix}guard`, Index: ModifyIndex } }]);
    assert.equal(passing.status, 200);
  });

  test('every failing op is reported with its index', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}exists`, 'x');
    const answer = await http.txn([
      { KV: { Verb: 'check-not-exists', Key: `${prefix}exists` } },
      { KV: { Verb: 'get', Key: `${prefix}missing` } },
    ]);
    assert.equal(answer.status, 409);
    assert.deepEqual(answer.json<TxnAnswer>().Errors?.map((error) => error.OpIndex), [0, 1]);
  });

  test('results: lock reports LockIndex and ModifyIndex, get returns the value, set and lock do not, deletes add nothing', async () => {
    const { http, prefix } = target();
    const session = await target().session();
    const answer = await http.txn([
      { KV: { Verb: 'lock', Key: `${prefix}fence`, Value: b64('me'), Session: session } },
      set(`${prefix}plain`, 'p'),
      { KV: { Verb: 'get', Key: `${prefix}plain` } },
      { KV: { Verb: 'delete', Key: `${prefix}plain` } },
    ]);
    assert.equal(answer.status, 200, answer.text);
    const results = answer.json<TxnAnswer>().Results ?? [];
    assert.equal(results.length, 3);
    const [lock, written, read] = results.map((result) => result.KV);
    assert.equal(lock?.LockIndex, 1);
    assert.equal(lock?.Session, session);
    assert.ok((lock?.ModifyIndex ?? 0) > 0);
    assert.equal(lock?.Value, null);
    assert.equal(written?.Value, null);
    assert.equal(read?.Value, b64('p'));
    assert.equal((await http.get(`${prefix}plain`)).status, 404);
  });

  test('cas, delete-cas, unlock, get-tree and delete-tree behave as their KV counterparts', async () => {
    const { http, prefix } = target();
    const session = await target().session();
    const dir = `${prefix}verbs/`;
    await http.put(`${dir}a`, 'a');
    const { ModifyIndex } = await http.entry(`${dir}a`);
    const stale = await http.txn([{ KV: { Verb: 'cas', Key: `${dir}a`, Value: b64('z'), Index: ModifyIndex + 1 } }]);
    assert.match(stale.json<TxnAnswer>().Errors?.[0]?.What ?? '', /index is stale/);
    const staleDelete = await http.txn([{ KV: { Verb: 'delete-cas', Key: `${dir}a`, Index: ModifyIndex + 1 } }]);
    assert.equal(staleDelete.status, 409);
    await http.put(`${dir}b`, 'b', `acquire=${session}`);
    const ok = await http.txn([
      { KV: { Verb: 'cas', Key: `${dir}a`, Value: b64('a2'), Index: ModifyIndex } },
      { KV: { Verb: 'unlock', Key: `${dir}b`, Value: b64('b2'), Session: session } },
      { KV: { Verb: 'get-tree', Key: dir } },
    ]);
    assert.equal(ok.status, 200, ok.text);
    const tree = (ok.json<TxnAnswer>().Results ?? []).slice(2).map((result) => [result.KV.Key, unb64(result.KV.Value), result.KV.Session]);
    assert.deepEqual(tree, [
      [`${dir}a`, 'a2', undefined],
      [`${dir}b`, 'b2', undefined],
    ]);
    assert.equal((await http.txn([{ KV: { Verb: 'delete-tree', Key: dir } }])).status, 200);
    assert.equal((await http.get(dir, 'recurse')).status, 404);
  });

  test('a read-only txn carries KnownLeader and LastContact but no index', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}ro`, 'x');
    const answer = await http.txn([{ KV: { Verb: 'get', Key: `${prefix}ro` } }]);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-consul-knownleader'], 'true');
    assert.ok(answer.headers['x-consul-lastcontact'] !== undefined);
    assert.equal(answer.headers['x-consul-index'], undefined);
  });

  test('64 ops commit; 129 are refused with 413 before anything runs', async () => {
    const { http, prefix } = target();
    const ops = (count: number): unknown[] => Array.from({ length: count }, (_, i) => set(`${prefix}bulk/${i}`, String(i)));
    assert.equal((await http.txn(ops(64))).status, 200);
    const tooMany = await http.txn(ops(129));
    assert.equal(tooMany.status, 413);
    assert.match(tooMany.text, /too many operations/);
  });

  test('the double refuses op 65 by default, as Consul’s 64-op agents do', doubleOnly(kind), async () => {
    const { http, prefix } = target();
    const answer = await http.txn(Array.from({ length: 65 }, (_, i) => set(`${prefix}bulk65/${i}`, 'x')));
    assert.equal(answer.status, 413);
    assert.equal(answer.text, 'Transaction contains too many operations (65 > 64)');
  });

  test('a Value that is not base64 is a 400', async () => {
    const { http, prefix } = target();
    const answer = await http.txn([{ KV: { Verb: 'set', Key: `${prefix}bad`, Value: 'not base64!' } }]);
    assert.equal(answer.status, 400);
    assert.match(answer.text, /Failed to parse body/);
  });
});
