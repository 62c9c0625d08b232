/** IP sets for trustedIPs and ipAllowList: Go's parsing, v4-mapped clients, errors naming the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpMatcher } from '../../src/proxy/ip-matcher.ts';

test('addresses and ranges, IPv4 and IPv6, v4-mapped clients as IPv4', () => {
  const set = new IpMatcher(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);
  assert.equal(set.contains('10.1.2.3'), true);
  assert.equal(set.contains('::ffff:10.1.2.3'), true);
  assert.equal(set.contains('192.168.1.7'), true);
  assert.equal(set.contains('192.168.1.8'), false);
  assert.equal(set.contains('2001:db8::1'), true);
  assert.equal(set.contains('2001:db9::1'), false);
  assert.equal(set.contains('not an ip'), false);
});

test('a bad entry is an error naming the key', () => {
  assert.throws(() => new IpMatcher(['10.0.0.0/33'], 'traefik/http/middlewares/a/ipAllowList/sourceRange/0'), {
    code: 'SY_BAD_IP_RANGE',
    key: 'traefik/http/middlewares/a/ipAllowList/sourceRange/0',
  });
  assert.throws(() => new IpMatcher(['010.0.0.1']), { code: 'SY_BAD_IP_RANGE' });
});
