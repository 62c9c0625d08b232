/**
 * Lock conformance: `?acquire`/`?release` outcomes and LockIndex, advisory plain writes, and
 * lock-delay — armed by invalidation (destroy, TTL), never by an explicit release, and blocking
 * only acquisitions (PUT ?acquire and txn `lock`), not plain writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { b64, unb64 } from './consul-http.ts';
import { describeTargets } from './targets.ts';

describeTargets('consul locks', (target) => {
  test('acquire, refuse, re-acquire, release, hand over: LockIndex counts acquisitions', async () => {
    const { http, prefix } = target();
    const [s1, s2] = [await target().session(), await target().session()];
    const key = `${prefix}lock`;
    assert.equal((await http.put(key, 'one', `acquire=${s1}`)).text, 'true');
    let entry = await http.entry(key);
    assert.equal(entry.LockIndex, 1);
    assert.equal(entry.Session, s1);
    assert.equal((await http.put(key, 'two', `acquire=${s2}`)).text, 'false');
    // The holder may update the contents; that is not a new acquisition.
    assert.equal((await http.put(key, 'one-b', `acquire=${s1}`)).text, 'true');
    entry = await http.entry(key);
    assert.equal(entry.LockIndex, 1);
    assert.equal(unb64(entry.Value), 'one-b');
    assert.equal((await http.put(key, '', `release=${s2}`)).text, 'false');
    // Release writes the body as the new value: an empty body leaves null.
    assert.equal((await http.put(key, '', `release=${s1}`)).text, 'true');
    entry = await http.entry(key);
    assert.equal(entry.Session, undefined);
    assert.equal(entry.Value, null);
    assert.equal(entry.LockIndex, 1);
    assert.equal((await http.put(key, 'two', `acquire=${s2}`)).text, 'true');
    assert.equal((await http.entry(key)).LockIndex, 2);
  });

  test('acquire with an unknown session is a 500 invalid session; with none, missing session', async () => {
    const { http, prefix } = target();
    const unknown = await http.put(`${prefix}bad-lock`, 'x', 'acquire=00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 500);
    assert.match(unknown.text, /invalid session/);
    const missing = await http.put(`${prefix}bad-lock`, 'x', 'acquire=');
    assert.equal(missing.status, 500);
    assert.match(missing.text, /missing session/);
  });

  test('a plain PUT on a locked key succeeds and keeps the holder (locks are advisory)', async () => {
    const { http, prefix } = target();
    const id = await target().session();
    const key = `${prefix}advisory`;
    await http.put(key, 'mine', `acquire=${id}&flags=7`);
    assert.equal((await http.put(key, 'yours')).text, 'true');
    const entry = await http.entry(key);
    assert.equal(entry.Session, id);
    assert.equal(unb64(entry.Value), 'yours');
    assert.equal(entry.Flags, 0);
    // kvsSetTxn does not carry LockIndex over: a plain write stores the request's zero.
    assert.equal(entry.LockIndex, 0);
  });

  test('after destroy, lock-delay refuses other acquisitions for a while, then lets them through', { timeout: 30_000 }, async () => {
    const { http, prefix } = target();
    const holder = await target().session({ NodeChecks: [], LockDelay: '2s' });
    const next = await target().session();
    const key = `${prefix}delayed`;
    await http.put(key, 'x', `acquire=${holder}`);
    await http.call('PUT', `/v1/session/destroy/${holder}`);
    assert.equal((await http.put(key, 'y', `acquire=${next}`)).text, 'false', 'refused during lock-delay');
    // Lock-delay only blocks acquisitions: a plain write and a txn lock behave accordingly.
    assert.equal((await http.put(key, 'plain')).text, 'true');
    const txn = await http.txn([{ KV: { Verb: 'lock', Key: key, Value: b64('t'), Session: next } }]);
    assert.equal(txn.status, 409);
    assert.match(txn.text, /due to lock delay/);
    let acquired = false;
    for (let attempt = 0; attempt < 40 && !acquired; attempt++) {
      await sleep(250);
      acquired = (await http.put(key, 'y', `acquire=${next}`)).text === 'true';
    }
    assert.ok(acquired, 'acquired once the delay passed');
  });

  test('an explicit release arms no lock-delay', async () => {
    const { http, prefix } = target();
    const holder = await target().session({ NodeChecks: [], LockDelay: '15s' });
    const next = await target().session();
    const key = `${prefix}released`;
    await http.put(key, 'x', `acquire=${holder}`);
    await http.put(key, 'x', `release=${holder}`);
    await http.call('PUT', `/v1/session/destroy/${holder}`);
    assert.equal((await http.put(key, 'y', `acquire=${next}`)).text, 'true');
  });

  test('LockDelay 0s: the key can be taken as soon as the holder is destroyed', async () => {
    const { http, prefix } = target();
    const holder = await target().session();
    const next = await target().session();
    const key = `${prefix}no-delay`;
    await http.put(key, 'x', `acquire=${holder}`);
    await http.call('PUT', `/v1/session/destroy/${holder}`);
    assert.equal((await http.put(key, 'y', `acquire=${next}`)).text, 'true');
  });

  test('a TTL expiry arms lock-delay too', { timeout: 60_000 }, async () => {
    const { http, prefix, ttlSeconds, ttlMultiplier } = target();
    const holder = await target().session({ TTL: `${ttlSeconds}s`, NodeChecks: [], LockDelay: '5s' });
    const next = await target().session();
    const key = `${prefix}expired-delay`;
    await http.put(key, 'x', `acquire=${holder}`);
    const held = await http.get(key);
    await http.get(key, `index=${held.index}&wait=${ttlSeconds * ttlMultiplier + 5}s`);
    assert.equal((await http.entry(key)).Session, undefined, 'released by expiry');
    assert.equal((await http.put(key, 'y', `acquire=${next}`)).text, 'false');
  });
});
