/**
 * ACL conformance. With ACLs on, a token Consul does not know is refused everywhere with 403; the
 * right token works from any of its three places. No token at all is the anonymous token: with a
 * deny-all default, single reads and writes are 403 while listings come back silently filtered —
 * run against a real Consul only when CONSUL_HTTP_TOKEN is set (and, for the anonymous cases,
 * CONSUL_TEST_ACL_DEFAULT_DENY=1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTargets, targetKinds, type TargetKind } from './targets.ts';

const kinds: TargetKind[] = targetKinds().filter((kind) => kind === 'double' || process.env['CONSUL_HTTP_TOKEN']);
const anonymousDenied = (kind: TargetKind): { skip?: string } =>
  kind === 'double' || process.env['CONSUL_TEST_ACL_DEFAULT_DENY'] === '1' ? {} : { skip: 'needs a deny-by-default ACL policy' };

describeTargets(
  'consul ACL',
  (target, kind) => {
    test('an unknown token is refused with 403', async () => {
      const { http, prefix } = target();
      const bogus = { token: 'not-a-real-token-7f3a' };
      for (const answer of [await http.get(`${prefix}x`, undefined, bogus), await http.put(`${prefix}x`, 'v', undefined, bogus), await http.txn([], bogus)]) {
        assert.equal(answer.status, 403);
      }
    });

    test('the right token works as X-Consul-Token, as a Bearer token and as ?token=', async () => {
      const { http, prefix, token } = target();
      assert.ok(token);
      assert.equal((await http.put(`${prefix}acl`, 'v')).status, 200);
      assert.equal((await http.get(`${prefix}acl`, undefined, { token: null, headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await http.get(`${prefix}acl`, `token=${encodeURIComponent(token)}`, { token: null })).status, 200);
    });

    test('without a token, single reads and writes are 403 Permission denied', anonymousDenied(kind), async () => {
      const { http, prefix } = target();
      const none = { token: null };
      await http.put(`${prefix}secret`, 'v');
      for (const answer of [await http.get(`${prefix}secret`, undefined, none), await http.put(`${prefix}secret`, 'w', undefined, none), await http.del(`${prefix}secret`, undefined, none)]) {
        assert.equal(answer.status, 403);
        assert.match(answer.text, /Permission denied/);
      }
      assert.equal((await http.call('PUT', '/v1/session/create', { token: null, body: '{}' })).status, 403);
    });

    test('without a token, listings are filtered to nothing rather than refused', anonymousDenied(kind), async () => {
      const { http, prefix } = target();
      await http.put(`${prefix}listed/a`, 'v');
      const listing = await http.get(`${prefix}listed/`, 'recurse', { token: null });
      assert.equal(listing.status, 404);
      assert.equal(listing.headers['x-consul-results-filtered-by-acls'], 'true');
    });

    test('status/leader needs no token', async () => {
      const answer = await target().http.call('GET', '/v1/status/leader', { token: null });
      assert.equal(answer.status, 200);
      assert.match(answer.json<string>(), /:8300$/);
    });
  },
  { doubleOptions: { token: 'secret' }, kinds },
);
