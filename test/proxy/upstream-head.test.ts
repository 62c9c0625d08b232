/**
 * The fast path's upstream header lines (kept per connection for the usual request) are exactly
 * what upstreamHeaders gives for the same headers, trusted peer or not, Host kept or replaced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamHeaders, type ForwardedTrust } from '../../src/proxy/forwarded-headers.ts';
import { UpstreamHeadLines } from '../../src/proxy/fast-path/upstream-head.ts';

const HEADER_LISTS: ReadonlyArray<readonly string[]> = [
  [],
  ['Host', 'bench.local'],
  ['Host', 'a.test:8080', 'User-Agent', 'x', 'Accept', '*/*'],
  ['host', ''],
  ['Accept', '*/*'],
  ['Host', 'a', 'Host', 'b'],
  ['Host', 'a', 'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-Proto', 'https'],
  ['Host', 'a', 'x-real-ip', '10.0.0.9'],
  ['Host', 'a', 'X-Forwarded-Host', 'b', 'X-Forwarded-Port', '81', 'X-Forwarded-Server', 's', 'X-Forwarded-Prefix', '/p'],
  ['Host', 'a', 'Connection', 'close, X-Drop', 'X-Drop', '1', 'X-Keep', '2'],
  ['Host', 'a', 'Keep-Alive', '5', 'TE', 'trailers', 'Trailer', 'x', 'Proxy-Connection', 'k', 'Proxy-Authorization', 'b', 'Proxy-Authenticate', 'c'],
  ['Host', 'a', 'Expect', '100-continue', 'Upgrade', 'h2c', 'Transfer-Encoding', 'chunked'],
  ['Host', '[::1]:9000', 'X-Forwardedfor', 'not special', 'X-Real-IPs', 'not special either'],
];

const TRUSTS: ReadonlyArray<ForwardedTrust> = [
  { insecure: false, trustedIPs: undefined },
  { insecure: true, trustedIPs: undefined },
];

test('upstream header lines equal upstreamHeaders, request after request on one connection', () => {
  for (const trust of TRUSTS) {
    for (const proto of ['http', 'https'] as const) {
      const facts = { clientIp: '::ffff:127.0.0.1', proto, localPort: 8000, keepUpgrade: false };
      const lines = new UpstreamHeadLines(facts, trust);
      // Twice over, in both orders: what is kept from one request must not leak into the next.
      for (const list of [...HEADER_LISTS, ...[...HEADER_LISTS].reverse(), ...HEADER_LISTS]) {
        for (const hostOverride of [undefined, 'origin.internal:9001']) {
          const flat = upstreamHeaders(list, { ...facts, hostOverride }, trust);
          let expected = '';
          for (let i = 0; i < flat.length; i += 2) expected += `${flat[i]}: ${flat[i + 1]}\r\n`;
          assert.equal(lines.build(list, hostOverride), `${expected}\r\n`, `${JSON.stringify(list)} ${hostOverride} ${JSON.stringify(trust)} ${proto}`);
        }
      }
    }
  }
});
