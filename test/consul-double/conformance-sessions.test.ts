/**
 * Session conformance: defaults and validation at create, renew/info/destroy answers, TTL expiry
 * releasing (or deleting) held keys, and renewals keeping a session alive. TTLs are the shortest the
 * target allows (1 s on the double, `session_ttl_min` — 10 s by default — on a real Consul), and
 * waits are bounded by 2×TTL plus a margin, the most Consul promises.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { b64, type KvEntry } from './consul-http.ts';
import { describeTargets } from './targets.ts';

interface SessionJson {
  readonly ID: string;
  readonly Name: string;
  readonly LockDelay: number;
  readonly Behavior: string;
  readonly TTL: string;
  readonly NodeChecks: readonly string[] | null;
  readonly CreateIndex: number;
}

describeTargets('consul sessions', (target) => {
  const info = async (id: string): Promise<SessionJson[]> => (await target().http.call('GET', `/v1/session/info/${id}`)).json<SessionJson[]>();

  test('a session created with no body gets Consul’s defaults', async () => {
    const id = await target().session({});
    const [session] = await info(id);
    assert.ok(session);
    assert.equal(session.ID, id);
    assert.equal(session.LockDelay, 15_000_000_000);
    assert.equal(session.Behavior, 'release');
    assert.equal(session.TTL, '');
    assert.deepEqual(session.NodeChecks, ['serfHealth']);
  });

  test('NodeChecks: [] leaves a pure TTL session; a numeric LockDelay below 1000 means seconds', async () => {
    const { ttlSeconds } = target();
    const id = await target().session({ Name: 'pure', TTL: `${ttlSeconds}s`, NodeChecks: [], LockDelay: 15 });
    const [session] = await info(id);
    assert.equal(session?.Name, 'pure');
    assert.equal(session?.TTL, `${ttlSeconds}s`);
    assert.deepEqual(session?.NodeChecks ?? [], []);
    assert.equal(session?.LockDelay, 15_000_000_000);
  });

  test('a TTL below session_ttl_min or above 24h, or an unknown Behavior, is a 500', async () => {
    const { http } = target();
    for (const body of [{ TTL: '500ms' }, { TTL: '86401s' }, { Behavior: 'explode' }]) {
      const answer = await http.call('PUT', '/v1/session/create', { body: JSON.stringify({ NodeChecks: [], ...body }) });
      assert.equal(answer.status, 500, JSON.stringify(body));
      assert.match(answer.text, /Invalid (Session TTL|Behavior setting)/);
    }
  });

  test('renew answers [session]; after destroy it is 404; info on an unknown id is []; destroy is idempotent', async () => {
    const { http } = target();
    const id = await target().session();
    const renewed = await http.call('PUT', `/v1/session/renew/${id}`);
    assert.equal(renewed.status, 200);
    assert.equal(renewed.json<SessionJson[]>()[0]?.ID, id);
    assert.equal((await http.call('GET', '/v1/session/list')).json<SessionJson[]>().some((s) => s.ID === id), true);
    assert.equal((await http.call('PUT', `/v1/session/destroy/${id}`)).text, 'true');
    const gone = await http.call('PUT', `/v1/session/renew/${id}`);
    assert.equal(gone.status, 404);
    assert.match(gone.text, new RegExp(`Session id '${id}' not found`));
    assert.deepEqual(await info(id), []);
    assert.equal((await http.call('PUT', `/v1/session/destroy/${id}`)).text, 'true');
  });

  test('an expired TTL session releases its lock: value and LockIndex kept, Session cleared', { timeout: 60_000 }, async () => {
    const { http, prefix, ttlSeconds, ttlMultiplier } = target();
    const id = await target().session({ TTL: `${ttlSeconds}s`, NodeChecks: [] });
    const key = `${prefix}ttl-lock`;
    assert.equal((await http.put(key, 'held', `acquire=${id}`)).text, 'true');
    const held = await http.get(key);
    assert.equal(held.json<KvEntry[]>()[0]?.Session, id, 'held right after acquiring');
    // The release is a write to the key, so a long poll wakes for it.
    const waitSeconds = ttlSeconds * ttlMultiplier + 5;
    const released = await http.get(key, `index=${held.index}&wait=${waitSeconds}s`);
    const [entry] = released.json<KvEntry[]>();
    assert.equal(entry?.Session, undefined, 'released within 2×TTL');
    assert.equal(entry?.LockIndex, 1);
    assert.equal(entry?.Value, b64('held'));
    assert.ok((released.index ?? 0) > (held.index ?? 0));
    assert.deepEqual(await info(id), []);
    assert.equal((await http.call('PUT', `/v1/session/renew/${id}`)).status, 404);
  });

  test('invalidating a Behavior=delete session deletes the keys it holds', async () => {
    const { http, prefix } = target();
    const id = await target().session({ NodeChecks: [], Behavior: 'delete', LockDelay: '0s' });
    const key = `${prefix}ephemeral`;
    await http.put(key, 'x', `acquire=${id}`);
    await http.call('PUT', `/v1/session/destroy/${id}`);
    assert.equal((await http.get(key)).status, 404);
  });

  test('renewing at TTL/3 keeps a session and its lock past its TTL', { timeout: 60_000 }, async () => {
    const { http, prefix, ttlSeconds } = target();
    const id = await target().session({ TTL: `${ttlSeconds}s`, NodeChecks: [] });
    const key = `${prefix}renewed`;
    await http.put(key, 'x', `acquire=${id}`);
    const until = Date.now() + ttlSeconds * 1500;
    while (Date.now() < until) {
      await sleep((ttlSeconds * 1000) / 3);
      assert.equal((await http.call('PUT', `/v1/session/renew/${id}`)).status, 200);
    }
    assert.equal((await http.entry(key)).Session, id);
    assert.equal((await info(id)).length, 1);
  });
});
