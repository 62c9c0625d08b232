import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIpPredicate, parseAddress } from '../../src/rules/ip-match.ts';

describe('parseAddress follows Go net.ParseIP', () => {
  const valid = ['0.0.0.0', '255.255.255.255', '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1::8', 'fe80::1:2', '::ffff:1.2.3.4', '64:ff9b::1.2.3.4', 'ABCD::ef'];
  const invalid = ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '1:2:3:4:5:6:7::8', ':1::', '1::2:', '12345::', 'fe80::1%eth0', '1.2.3.4::', 'g::1', ' 1.2.3.4'];
  for (const text of valid) it(`accepts ${text}`, () => assert.notEqual(parseAddress(text), undefined));
  for (const text of invalid) it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseAddress(text), undefined));
  it('reads a v4-mapped address as IPv4', () => assert.deepEqual(parseAddress('::ffff:10.0.0.1'), parseAddress('10.0.0.1')));
});

describe('ClientIP networks follow Go net.ParseCIDR / IPNet.Contains', () => {
  const cases: Array<[network: string, client: string, expected: boolean]> = [
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.1/8', '10.9.9.9', true], // host bits may be set
    ['10.0.0.0/032', '10.0.0.0', true], // leading zeros in the prefix length are fine
    ['0.0.0.0/0', '203.0.113.9', true],
    ['::ffff:10.0.0.0/104', '10.1.1.1', true], // a v4-mapped network is an IPv4 /8
    ['::ffff:0:0/96', '198.51.100.1', true],
    ['::ffff:0:0/96', '2001:db8::1', false],
    ['::/0', '::ffff:1.2.3.4', false], // pure IPv6 networks never hold IPv4 clients
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/128', '2001:db8::1', false],
  ];
  for (const [network, client, expected] of cases) {
    it(`${network} ∋ ${client} is ${expected}`, () => {
      assert.equal(clientIpPredicate([{ value: network, column: 1 }])(client), expected);
    });
  }
  for (const network of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'fe80::1%eth0/64', 'example.com']) {
    it(`rejects ${network}`, () => {
      assert.throws(() => clientIpPredicate([{ value: network, column: 9 }]), { code: 'SY_RULE_MATCHER', position: 9 });
    });
  }
});
