/**
 * KV conformance: the wire shape of reads and writes, prefix and key listings, 404s that still carry
 * the index, CAS, deletes, flags, size limit, consistency modes — on the double, and on a real
 * Consul when CONSUL_HTTP_ADDR is set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, unb64, type KvEntry } from './consul-http.ts';
import { describeTargets } from './targets.ts';

describeTargets('consul KV', (target) => {
  test('a PUT answers true and a GET returns one entry in Consul’s shape', async () => {
    const { http, prefix } = target();
    const put = await http.put(`${prefix}shape`, 'v1');
    assert.equal(put.status, 200);
    assert.equal(put.text, 'true');
    const got = await http.get(`${prefix}shape`);
    assert.equal(got.status, 200);
    assert.match(String(got.headers['content-type']), /^application\/json/);
    const [entry, ...rest] = got.json<KvEntry[]>();
    assert.ok(entry);
    assert.equal(rest.length, 0);
    assert.equal(entry.Key, `${prefix}shape`);
    assert.equal(entry.Value, b64('v1'));
    assert.equal(entry.Flags, 0);
    assert.equal(entry.LockIndex, 0);
    assert.equal(entry.Session, undefined);
    assert.equal(entry.CreateIndex, entry.ModifyIndex);
    assert.equal(got.index, entry.ModifyIndex);
  });

  test('a rewrite keeps CreateIndex and raises ModifyIndex; an identical rewrite changes nothing', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}rewrite`, 'a');
    const first = await http.entry(`${prefix}rewrite`);
    await http.put(`${prefix}rewrite`, 'b');
    const second = await http.entry(`${prefix}rewrite`);
    assert.equal(second.CreateIndex, first.CreateIndex);
    assert.ok(second.ModifyIndex > first.ModifyIndex);
    await http.put(`${prefix}rewrite`, 'b');
    assert.equal((await http.entry(`${prefix}rewrite`)).ModifyIndex, second.ModifyIndex);
  });

  test('an empty body stores a null Value; ?raw returns the bytes as sandboxed text/plain', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}empty`, '');
    assert.equal((await http.entry(`${prefix}empty`)).Value, null);
    await http.put(`${prefix}raw`, '<b>x</b>');
    const raw = await http.get(`${prefix}raw`, 'raw');
    assert.equal(raw.status, 200);
    assert.equal(raw.text, '<b>x</b>');
    assert.match(String(raw.headers['content-type']), /^text\/plain/);
    assert.equal(raw.headers['x-content-type-options'], 'nosniff');
    assert.equal(raw.headers['content-security-policy'], 'sandbox');
  });

  test('flags default to 0 on every write, and a 64-bit flag survives exactly in the JSON text', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}flags`, 'x', 'flags=42');
    assert.equal((await http.entry(`${prefix}flags`)).Flags, 42);
    await http.put(`${prefix}flags`, 'x');
    assert.equal((await http.entry(`${prefix}flags`)).Flags, 0);
    await http.put(`${prefix}flags`, 'x', 'flags=3304740253564472344');
    assert.match((await http.get(`${prefix}flags`)).text, /"Flags":3304740253564472344[,}]/);
  });

  test('?recurse is a string-prefix match in byte order, its index the highest ModifyIndex', async () => {
    const { http, prefix } = target();
    for (const key of ['foo', 'food', 'foo/x', 'bar']) await http.put(`${prefix}p/${key}`, key);
    const loose = await http.get(`${prefix}p/foo`, 'recurse');
    const entries = loose.json<KvEntry[]>();
    assert.deepEqual(entries.map((entry) => entry.Key), [`${prefix}p/foo`, `${prefix}p/foo/x`, `${prefix}p/food`]);
    assert.equal(loose.index, Math.max(...entries.map((entry) => entry.ModifyIndex)));
    const tight = await http.get(`${prefix}p/foo/`, 'recurse');
    assert.deepEqual(tight.json<KvEntry[]>().map((entry) => entry.Key), [`${prefix}p/foo/x`]);
    // Presence, not value: recurse=false still recurses.
    assert.equal((await http.get(`${prefix}p/foo/`, 'recurse=false')).json<KvEntry[]>().length, 1);
  });

  test('?keys lists full key names, grouped up to the separator when one is given', async () => {
    const { http, prefix } = target();
    const base = `${prefix}k/`;
    for (const key of ['bar', 'baz', 'foo/sub1', 'foo/sub2', 'zip']) await http.put(`${base}${key}`);
    const grouped = await http.get(base, 'keys&separator=/');
    assert.deepEqual(grouped.json(), ['bar', 'baz', 'foo/', 'zip'].map((key) => `${base}${key}`));
    const all = await http.get(base, 'keys');
    assert.deepEqual(all.json(), ['bar', 'baz', 'foo/sub1', 'foo/sub2', 'zip'].map((key) => `${base}${key}`));
  });

  test('missing keys and prefixes answer 404 with an empty body and the meta headers', async () => {
    const { http, prefix } = target();
    for (const [key, query] of [[`${prefix}nope`, undefined], [`${prefix}nope/`, 'recurse'], [`${prefix}nope/`, 'keys']] as const) {
      const answer = await http.get(key, query);
      assert.equal(answer.status, 404, `${key} ${query}`);
      assert.equal(answer.text, '');
      assert.ok((answer.index ?? 0) >= 1, 'X-Consul-Index is never 0');
      assert.equal(answer.headers['x-consul-knownleader'], 'true');
      assert.ok(answer.headers['x-consul-lastcontact'] !== undefined);
    }
  });

  test('an empty key without ?recurse is 400 Missing key name', async () => {
    const { http } = target();
    const get = await http.call('GET', '/v1/kv/');
    assert.equal(get.status, 400);
    assert.match(get.text, /Missing key name/);
    assert.equal((await http.call('PUT', '/v1/kv/', { body: 'x' })).status, 400);
    assert.equal((await http.call('DELETE', '/v1/kv/')).status, 400);
  });

  test('%2F in the path is a slash in the key; a doubled slash is redirected, not stored', async () => {
    const { http, prefix } = target();
    await http.call('PUT', `/v1/kv/${prefix}enc/a%2Fb`, { body: 'nested' });
    assert.equal(unb64((await http.entry(`${prefix}enc/a/b`)).Value), 'nested');
    const doubled = await http.call('GET', `/v1/kv/${prefix}enc//a/b`);
    assert.equal(doubled.status, 301);
    assert.match(String(doubled.headers['location']), new RegExp(`/v1/kv/${prefix}enc/a/b$`));
  });

  test('DELETE answers true, also for a missing key; ?recurse deletes by string prefix', async () => {
    const { http, prefix } = target();
    for (const key of ['d/one', 'd/two', 'dx']) await http.put(`${prefix}${key}`);
    assert.equal((await http.del(`${prefix}d/one`)).text, 'true');
    assert.equal((await http.get(`${prefix}d/one`)).status, 404);
    assert.equal((await http.del(`${prefix}d/none`)).text, 'true');
    assert.equal((await http.del(`${prefix}d`, 'recurse')).text, 'true');
    assert.equal((await http.get(`${prefix}d`, 'recurse')).status, 404);
  });

  test('PUT ?cas: 0 creates only if absent, N writes only at ModifyIndex N', async () => {
    const { http, prefix } = target();
    const key = `${prefix}cas`;
    assert.equal((await http.put(key, 'a', 'cas=0')).text, 'true');
    assert.equal((await http.put(key, 'b', 'cas=0')).text, 'false');
    const { ModifyIndex } = await http.entry(key);
    assert.equal((await http.put(key, 'b', `cas=${ModifyIndex - 1}`)).text, 'false');
    assert.equal((await http.put(key, 'b', `cas=${ModifyIndex}`)).text, 'true');
    assert.equal(unb64((await http.entry(key)).Value), 'b');
    assert.equal((await http.put(`${prefix}cas-missing`, 'x', 'cas=5')).text, 'false');
  });

  test('DELETE ?cas: a mismatch is false, a match true, a missing key true', async () => {
    const { http, prefix } = target();
    const key = `${prefix}dcas`;
    await http.put(key, 'a');
    const { ModifyIndex } = await http.entry(key);
    assert.equal((await http.del(key, `cas=${ModifyIndex + 1000}`)).text, 'false');
    assert.equal((await http.del(key, `cas=${ModifyIndex}`)).text, 'true');
    assert.equal((await http.del(key, `cas=${ModifyIndex}`)).text, 'true');
  });

  test('conflicting flags are a 400', async () => {
    const { http, prefix } = target();
    const put = await http.put(`${prefix}conflict`, 'x', 'cas=0&acquire=abc');
    assert.equal(put.status, 400);
    assert.match(put.text, /^Conflicting flags: /);
    assert.equal((await http.del(`${prefix}conflict`, 'recurse&cas=1')).status, 400);
  });

  test('values up to 512 KiB are accepted, one byte more is 413', async () => {
    const { http, prefix } = target();
    assert.equal((await http.put(`${prefix}big`, Buffer.alloc(524_288, 0x61))).text, 'true');
    const tooBig = await http.put(`${prefix}big`, Buffer.alloc(524_289, 0x61));
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.text, /too large/);
  });

  test('?consistent and ?stale are accepted, together they are a 400', async () => {
    const { http, prefix } = target();
    await http.put(`${prefix}mode`, 'x');
    for (const query of ['consistent', 'stale']) {
      const answer = await http.get(`${prefix}mode`, query);
      assert.equal(answer.status, 200);
      assert.ok(answer.headers['x-consul-knownleader'] !== undefined);
      assert.ok(answer.headers['x-consul-lastcontact'] !== undefined);
    }
    const both = await http.get(`${prefix}mode`, 'stale&consistent');
    assert.equal(both.status, 400);
    assert.match(both.text, /Cannot specify \?stale with \?consistent/);
  });

  test('a method KV does not support is 405 with an Allow header', async () => {
    const { http, prefix } = target();
    const answer = await http.call('POST', `/v1/kv/${prefix}x`, { body: 'x' });
    assert.equal(answer.status, 405);
    assert.ok(answer.headers['allow'] !== undefined);
  });
});
