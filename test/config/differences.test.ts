/**
 * Each deliberate difference from Traefik's KV decoding, as listed in docs/traefik-differences.md.
 * Traefik's behaviour is quoted from the compatibility digest (verified against v3.7's decoder).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codesAndKeys, decodePairs, pick, valid } from './kv-fixture.ts';

const route = { 'traefik/http/routers/r/rule': 'Host(`a`)', 'traefik/http/routers/r/service': 's' };

describe('deliberate differences from Traefik', () => {
  it('scalar-list indexes sort numerically (Traefik: 0, 1, 10, 11, 2, …)', () => {
    const pairs: Record<string, string> = { ...route };
    for (let index = 0; index < 12; index++) pairs[`traefik/http/routers/r/middlewares/${index}`] = `m${index}`;
    assert.deepEqual(valid(decodePairs(pairs).routers, 'r').middlewares, Array.from({ length: 12 }, (_, index) => `m${index}`));
  });

  it('struct-list labels that are all integers sort numerically (Traefik: byte order)', () => {
    const result = decodePairs({
      'traefik/http/services/s/loadBalancer/servers/10/url': 'http://ten',
      'traefik/http/services/s/loadBalancer/servers/9/url': 'http://nine',
    });
    assert.deepEqual(valid(result.services, 's').loadBalancer?.servers?.map((server) => server.url), ['http://nine', 'http://ten']);
  });

  it('an indexed list element is not split on commas (Traefik splits ^/x/[0-9]{1,3} in two)', () => {
    const result = decodePairs({ 'traefik/http/middlewares/m/stripPrefixRegex/regex/0': '^/x/[0-9]{1,3}' });
    assert.deepEqual(valid(result.middlewares, 'm').stripPrefixRegex?.regex, ['^/x/[0-9]{1,3}']);
  });

  it('Consul folder keys do not clobber lists (traefik/traefik#12746)', () => {
    const result = decodePairs({
      'traefik/tls/options/mtls/clientAuth/caFiles/': '',
      'traefik/tls/options/mtls/clientAuth/caFiles/0': '/ca.pem',
      'traefik/tls/options/mtls/clientAuth/clientAuthType': 'RequireAndVerifyClientCert',
    });
    assert.deepEqual(valid(result.tls.options, 'mtls').clientAuth, {
      caFiles: ['/ca.pem'],
      clientAuthType: 'RequireAndVerifyClientCert',
    });
    assert.deepEqual(result.problems, []);
  });

  it('validation is per object: a bad key disables its router only (Traefik rejects the whole config)', () => {
    const result = decodePairs({
      ...route,
      'traefik/http/routers/bad/rule': 'Host(`b`)',
      'traefik/http/routers/bad/service': 's',
      'traefik/http/routers/bad/unknownField': 'x',
      'traefik/http/middlewares/typo/stripPrefx/prefixes/0': '/a',
    });
    assert.ok(valid(result.routers, 'r'));
    assert.equal(pick(result.routers, 'bad').value, undefined);
    assert.equal(pick(result.middlewares, 'typo').value, undefined);
  });

  it('an emptied prefix decodes to an empty configuration (Traefik: ErrKeyNotFound path)', () => {
    const result = decodePairs([]);
    assert.equal(result.routers.size + result.services.size + result.middlewares.size, 0);
    assert.equal(result.tls.certificates.size + result.tls.options.size + result.tls.stores.size, 0);
    assert.deepEqual(result.problems, []);
  });

  it('only non-config keys left is still an empty configuration, not "keep the old one" (traefik/traefik#8092)', () => {
    const result = decodePairs({ 'traefik/acme/account': 'x' });
    assert.equal(result.routers.size, 0);
    assert.deepEqual(codesAndKeys(result.problems), ['SY_KEY_IGNORED traefik/acme']);
  });

  it('keys under the root but outside http/tcp/udp/tls are reported, not silently ignored', () => {
    assert.deepEqual(codesAndKeys(decodePairs({ 'traefik/foo': 'x' }).problems), ['SY_KEY_IGNORED traefik/foo']);
  });

  it('keys with a leading "/" are reported (Traefik never sees them: traefik/traefik#11416)', () => {
    const result = decodePairs({ '/traefik/http/routers/r/rule': 'x' });
    assert.deepEqual(codesAndKeys(result.problems), ['SY_KEY_LEADING_SLASH /traefik/http/routers/r/rule']);
    assert.equal(result.routers.size, 0);
  });

  it('keys with an empty segment are reported and skipped (Traefik drops the empty segment)', () => {
    const result = decodePairs({ ...route, 'traefik/http/routers/r//priority': '5' });
    assert.deepEqual(codesAndKeys(result.problems), ['SY_KEY_EMPTY_SEGMENT traefik/http/routers/r//priority']);
    assert.equal(valid(result.routers, 'r').priority, undefined);
  });

  it('a non-index label in a scalar list is an error (Traefik drops the element silently)', () => {
    const result = decodePairs({ ...route, 'traefik/http/routers/r/entryPoints/first': 'web' });
    assert.deepEqual(codesAndKeys(pick(result.routers, 'r').errors), ['SY_KEY_BAD_INDEX traefik/http/routers/r/entryPoints/first']);
  });

  it('an empty comma-list value is an empty list (Traefik: one empty element)', () => {
    const result = decodePairs({ ...route, 'traefik/http/routers/r/entryPoints': '' });
    assert.deepEqual(valid(result.routers, 'r').entryPoints, []);
  });

  it('integers beyond 2^53 are refused rather than rounded (Traefik reads int64)', () => {
    const result = decodePairs({ ...route, 'traefik/http/routers/r/priority': '9223372036854774807' });
    assert.deepEqual(codesAndKeys(pick(result.routers, 'r').errors), ['SY_KEY_BAD_INT traefik/http/routers/r/priority']);
  });
});
