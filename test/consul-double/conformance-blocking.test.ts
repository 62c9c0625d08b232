/**
 * Blocking-query conformance: a long poll returns on a relevant change with a higher index, returns
 * at the deadline with the same index when nothing changed, ignores writes elsewhere, and the index
 * of a prefix never goes backwards under ordinary writes, deletes, sessions and transactions.
 * "Did not return early" is checked by ordering (is it still pending when the write happens?).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, type Answer, type KvEntry } from './consul-http.ts';
import { describeTargets } from './targets.ts';

/** A request whose settlement can be checked without awaiting it. */
function track(promise: Promise<Answer>): { promise: Promise<Answer>; settled: () => boolean } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

describeTargets('consul blocking queries', (target) => {
  test('a long poll on a key returns when the key changes, with a higher index and the new value', async () => {
    const { http, prefix } = target();
    const key = `${prefix}watched`;
    await http.put(key, 'before');
    const first = await http.get(key);
    const poll = track(http.get(key, `index=${first.index}&wait=10s`));
    await target().parked();
    assert.equal(poll.settled(), false, 'returned before anything changed');
    await http.put(key, 'after');
    const answer = await poll.promise;
    assert.equal(answer.status, 200);
    assert.ok((answer.index ?? 0) > (first.index ?? 0));
    assert.equal(answer.json<KvEntry[]>()[0]?.Value, b64('after'));
  });

  test('with no change it returns at the deadline with the same index and body', async () => {
    const { http, prefix } = target();
    const key = `${prefix}quiet`;
    await http.put(key, 'same');
    const first = await http.get(key);
    const answer = await http.get(key, `index=${first.index}&wait=1s`);
    assert.equal(answer.status, 200);
    assert.equal(answer.index, first.index);
    assert.equal(answer.text, first.text);
  });

  test('a recurse poll wakes on a PUT under its prefix', async () => {
    const { http, prefix } = target();
    const dir = `${prefix}tree-put/`;
    await http.put(`${dir}a`, '1');
    const first = await http.get(dir, 'recurse');
    const poll = track(http.get(dir, `recurse&index=${first.index}&wait=10s`));
    await target().parked();
    assert.equal(poll.settled(), false);
    await http.put(`${dir}b`, '2');
    const answer = await poll.promise;
    assert.ok((answer.index ?? 0) > (first.index ?? 0));
    assert.equal(answer.json<KvEntry[]>().length, 2);
  });

  test('a DELETE under the prefix wakes it; the tombstone raises the index and an emptied prefix is 404', async () => {
    const { http, prefix } = target();
    const dir = `${prefix}tree-del/`;
    await http.put(`${dir}only`, '1');
    const first = await http.get(dir, 'recurse');
    const poll = track(http.get(dir, `recurse&index=${first.index}&wait=10s`));
    await target().parked();
    await http.del(`${dir}only`);
    const answer = await poll.promise;
    assert.equal(answer.status, 404);
    assert.ok((answer.index ?? 0) > (first.index ?? 0), 'the delete counts, so the index does not slide back');
  });

  test('a PUT outside the prefix does not change what the poll reports', async () => {
    const { http, prefix } = target();
    const dir = `${prefix}fenced/`;
    await http.put(`${dir}a`, '1');
    const first = await http.get(dir, 'recurse');
    const poll = track(http.get(dir, `recurse&index=${first.index}&wait=1s`));
    await target().parked();
    await http.put(`${prefix}fenced-neighbour`, 'x');
    await http.put(`${prefix}elsewhere/b`, 'y');
    const answer = await poll.promise;
    assert.equal(answer.index, first.index);
    assert.equal(answer.text, first.text);
  });

  test('a poll on a missing key answers 404 with an index ≥ 1 and never below the one given', async () => {
    const { http, prefix } = target();
    const first = await http.get(`${prefix}absent`);
    assert.equal(first.status, 404);
    const answer = await http.get(`${prefix}absent`, `index=${first.index}&wait=1s`);
    assert.equal(answer.status, 404);
    assert.ok((answer.index ?? 0) >= (first.index ?? 0));
  });

  test('an index ahead of the store blocks until the deadline, then reports the lower current index', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}ahead`, 'x');
    const first = await http.get(`${prefix}ahead`);
    const answer = await http.get(`${prefix}ahead`, `index=${(first.index ?? 0) + 1_000_000}&wait=1s`);
    assert.equal(answer.status, 200);
    assert.equal(answer.index, first.index);
  });

  test('?keys listings block and wake like ?recurse', async () => {
    const { http, prefix } = target();
    const dir = `${prefix}keys-poll/`;
    await http.put(`${dir}a`);
    const first = await http.get(dir, 'keys');
    const poll = track(http.get(dir, `keys&index=${first.index}&wait=10s`));
    await target().parked();
    await http.put(`${dir}b`);
    assert.deepEqual((await poll.promise).json(), [`${dir}a`, `${dir}b`]);
  });

  test('a prefix index never decreases across writes, deletes, sessions and transactions', async () => {
    const { http, prefix } = target();
    const dir = `${prefix}mono/`;
    const seen: number[] = [];
    const observe = async (): Promise<void> => {
      const answer = await http.get(dir, 'recurse');
      assert.ok((answer.index ?? 0) >= 1);
      seen.push(answer.index ?? 0);
    };
    const session = await target().session();
    const steps: (() => Promise<unknown>)[] = [
      () => http.put(`${dir}a`, '1'),
      () => http.put(`${dir}b`, '2'),
      () => http.put(`${dir}a`, '3'),
      () => http.del(`${dir}b`),
      () => http.put(`${dir}lock`, 'me', `acquire=${session}`),
      () => http.txn([{ KV: { Verb: 'set', Key: `${dir}c`, Value: b64('4') } }, { KV: { Verb: 'delete', Key: `${dir}a` } }]),
      () => http.put(`${dir}lock`, 'me', `release=${session}`),
      () => http.del(dir, 'recurse'),
      () => http.put(`${dir}d`, '5'),
    ];
    await observe();
    for (const step of steps) {
      await step();
      await observe();
    }
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i] ?? 0) >= (seen[i - 1] ?? 0), `index went back: ${seen.join(' → ')}`);
  });

  test('a malformed ?wait or ?index is a 400', async () => {
    const { http, prefix } = target();
    const wait = await http.get(`${prefix}x`, 'index=1&wait=soon');
    assert.equal(wait.status, 400);
    assert.match(wait.text, /Invalid wait time/);
    const index = await http.get(`${prefix}x`, 'index=-3');
    assert.equal(index.status, 400);
    assert.match(index.text, /Invalid index/);
  });
});
