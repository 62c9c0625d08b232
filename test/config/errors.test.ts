import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodeResult } from '../../src/config/dynamic.ts';
import { codesAndKeys, decodePairs, pick, type Pairs } from './kv-fixture.ts';

interface Case {
  readonly description: string;
  readonly pairs: Pairs;
  /** Where the errors land: one object's errors, or the result's problems. */
  readonly errorsOf: (result: DecodeResult) => ReadonlyArray<{ code: string; key?: string | undefined }>;
  readonly expected: readonly string[];
}

const route = { 'traefik/http/routers/r/rule': 'Host(`a`)', 'traefik/http/routers/r/service': 's' };
const server = { 'traefik/http/services/s/loadBalancer/servers/0/url': 'http://a' };
const routerErrors = (result: DecodeResult) => pick(result.routers, 'r').errors;
const serviceErrors = (result: DecodeResult) => pick(result.services, 's').errors;
const middlewareErrors = (result: DecodeResult) => pick(result.middlewares, 'm').errors;
const problems = (result: DecodeResult) => result.problems;

const cases: Case[] = [
  {
    description: 'SY_KEY_UNSUPPORTED_TYPE: a highestRandomWeight service (Traefik v3.6) is disabled, not half-served',
    pairs: { 'traefik/http/services/s/highestRandomWeight/services/0/name': 'other' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_UNSUPPORTED_TYPE traefik/http/services/s/highestRandomWeight'],
  },
  {
    description: 'SY_KEY_UNKNOWN_FIELD: unknown router field',
    pairs: { ...route, 'traefik/http/routers/r/rulez': 'x' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_UNKNOWN_FIELD traefik/http/routers/r/rulez'],
  },
  {
    description: 'SY_KEY_UNKNOWN_FIELD: key below a scalar',
    pairs: { ...route, 'traefik/http/routers/r/service/name': 'x' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_UNKNOWN_FIELD traefik/http/routers/r/service/name'],
  },
  {
    description: 'SY_KEY_UNKNOWN_FIELD: unknown middleware type (and so no type)',
    pairs: { 'traefik/http/middlewares/m/stripPrefixes/prefixes/0': '/a' },
    errorsOf: middlewareErrors,
    expected: ['SY_KEY_UNKNOWN_FIELD traefik/http/middlewares/m/stripPrefixes', 'SY_KEY_MISSING traefik/http/middlewares/m'],
  },
  {
    description: 'SY_KEY_UNKNOWN_FIELD: unknown http section (a problem: no object owns it)',
    pairs: { 'traefik/http/routerz/r/rule': 'x' },
    errorsOf: problems,
    expected: ['SY_KEY_UNKNOWN_FIELD traefik/http/routerz'],
  },
  {
    description: 'SY_KEY_BAD_BOOL names the key',
    pairs: { ...server, 'traefik/http/services/s/loadBalancer/passHostHeader': 'yes' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_BAD_BOOL traefik/http/services/s/loadBalancer/passHostHeader'],
  },
  {
    description: 'SY_KEY_BAD_INT names the key',
    pairs: { ...route, 'traefik/http/routers/r/priority': 'high' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_BAD_INT traefik/http/routers/r/priority'],
  },
  {
    description: 'SY_KEY_BAD_INT inside a struct list keeps the original label',
    pairs: {
      'traefik/http/services/s/loadBalancer/servers/a/url': 'http://a',
      'traefik/http/services/s/loadBalancer/servers/b/url': 'http://b',
      'traefik/http/services/s/loadBalancer/servers/b/weight': 'heavy',
    },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_BAD_INT traefik/http/services/s/loadBalancer/servers/b/weight'],
  },
  {
    description: 'SY_KEY_BAD_INT in a map value',
    pairs: { 'traefik/http/middlewares/m/errors/statusRewrites/418': 'teapot' },
    errorsOf: middlewareErrors,
    expected: ['SY_KEY_BAD_INT traefik/http/middlewares/m/errors/statusRewrites/418'],
  },
  {
    description: 'SY_KEY_BAD_DURATION names the key',
    pairs: { ...server, 'traefik/http/services/s/loadBalancer/healthCheck/interval': '10 minutes' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_BAD_DURATION traefik/http/services/s/loadBalancer/healthCheck/interval'],
  },
  {
    description: 'SY_KEY_STANDALONE: a struct set as a leaf',
    pairs: { 'traefik/http/middlewares/m/stripPrefix': '/api' },
    errorsOf: middlewareErrors,
    expected: ['SY_KEY_STANDALONE traefik/http/middlewares/m/stripPrefix'],
  },
  {
    description: 'SY_KEY_STANDALONE: a router set as a leaf',
    pairs: { 'traefik/http/routers/r': 'Host(`a`)' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_STANDALONE traefik/http/routers/r'],
  },
  {
    description: 'SY_KEY_STANDALONE: failover/healthCheck is not a presence key (as in Traefik)',
    pairs: {
      'traefik/http/services/s/failover/service': 'a',
      'traefik/http/services/s/failover/fallback': 'b',
      'traefik/http/services/s/failover/healthCheck': '',
    },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_STANDALONE traefik/http/services/s/failover/healthCheck'],
  },
  {
    description: 'SY_KEY_STANDALONE: a collection set as a leaf is a problem',
    pairs: { 'traefik/http/routers': 'x' },
    errorsOf: problems,
    expected: ['SY_KEY_STANDALONE traefik/http/routers'],
  },
  {
    description: 'SY_KEY_MULTI_TYPE: a service with two types, reported on the service',
    pairs: { ...server, 'traefik/http/services/s/weighted/services/0/name': 'a' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_MULTI_TYPE traefik/http/services/s'],
  },
  {
    description: 'SY_KEY_MULTI_TYPE: a middleware with two types',
    pairs: { 'traefik/http/middlewares/m/stripPrefix/prefixes/0': '/a', 'traefik/http/middlewares/m/addPrefix/prefix': '/b' },
    errorsOf: middlewareErrors,
    expected: ['SY_KEY_MULTI_TYPE traefik/http/middlewares/m'],
  },
  {
    description: 'SY_KEY_MISSING: router without rule and service names the keys they would have',
    pairs: { 'traefik/http/routers/r/priority': '1' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_MISSING traefik/http/routers/r/rule', 'SY_KEY_MISSING traefik/http/routers/r/service'],
  },
  {
    description: 'SY_KEY_MISSING: LB server without url, under its label',
    pairs: { 'traefik/http/services/s/loadBalancer/servers/web1/weight': '2' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_MISSING traefik/http/services/s/loadBalancer/servers/web1/url'],
  },
  {
    description: 'SY_KEY_MISSING: a middleware whose only type is switched off',
    pairs: { 'traefik/http/middlewares/m/compress': 'false' },
    errorsOf: middlewareErrors,
    expected: ['SY_KEY_MISSING traefik/http/middlewares/m'],
  },
  {
    description: 'SY_KEY_MISSING: certificate without keyFile',
    pairs: { 'traefik/tls/certificates/0/certFile': '/c.pem' },
    errorsOf: (result) => pick(result.tls.certificates, '0').errors,
    expected: ['SY_KEY_MISSING traefik/tls/certificates/0/keyFile'],
  },
  {
    description: 'SY_KEY_INVALID: LB server url that is not http(s)',
    pairs: { 'traefik/http/services/s/loadBalancer/servers/web1/url': 'ftp://10.0.0.1' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_INVALID traefik/http/services/s/loadBalancer/servers/web1/url'],
  },
  {
    description: 'SY_KEY_INVALID: LB server url that does not parse',
    pairs: { 'traefik/http/services/s/loadBalancer/servers/0/url': '10.0.0.1:8080' },
    errorsOf: serviceErrors,
    expected: ['SY_KEY_INVALID traefik/http/services/s/loadBalancer/servers/0/url'],
  },
  {
    description: 'SY_KEY_INVALID: value outside an enum (the key as written, case included)',
    pairs: { ...route, 'traefik/http/routers/r/RuleSyntax': 'v4' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_INVALID traefik/http/routers/r/RuleSyntax'],
  },
  {
    description: 'SY_KEY_INVALID: TLS option version',
    pairs: { 'traefik/tls/options/o/minVersion': 'TLS1.2' },
    errorsOf: (result) => pick(result.tls.options, 'o').errors,
    expected: ['SY_KEY_INVALID traefik/tls/options/o/minVersion'],
  },
  {
    description: 'SY_KEY_BAD_INDEX: a scalar-list label that is not an index',
    pairs: { ...route, 'traefik/http/routers/r/entryPoints/first': 'web' },
    errorsOf: routerErrors,
    expected: ['SY_KEY_BAD_INDEX traefik/http/routers/r/entryPoints/first'],
  },
  {
    description: 'SY_KEY_LEADING_SLASH',
    pairs: { '/traefik/http/routers/r/rule': 'x' },
    errorsOf: problems,
    expected: ['SY_KEY_LEADING_SLASH /traefik/http/routers/r/rule'],
  },
  {
    description: 'SY_KEY_EMPTY_SEGMENT',
    pairs: { 'traefik/http/routers//rule': 'x' },
    errorsOf: problems,
    expected: ['SY_KEY_EMPTY_SEGMENT traefik/http/routers//rule'],
  },
  {
    description: 'SY_KEY_IGNORED: keys under the root outside http/tcp/udp/tls, once per section',
    pairs: { 'traefik/acme/account': 'x', 'traefik/acme/certs': 'y', 'traefik/foo': 'z' },
    errorsOf: problems,
    expected: ['SY_KEY_IGNORED traefik/acme', 'SY_KEY_IGNORED traefik/foo'],
  },
  {
    description: 'SY_KEY_UNSUPPORTED: tcp, udp and serversTransports, once each',
    pairs: {
      'traefik/tcp/routers/t/rule': 'HostSNI(`*`)',
      'traefik/tcp/services/t/loadBalancer/servers/0/address': '10.0.0.1:5432',
      'traefik/udp/routers/u/service': 'u',
      'traefik/http/serversTransports/st/insecureSkipVerify': 'true',
    },
    errorsOf: problems,
    expected: ['SY_KEY_UNSUPPORTED traefik/http/serversTransports', 'SY_KEY_UNSUPPORTED traefik/tcp', 'SY_KEY_UNSUPPORTED traefik/udp'],
  },
];

describe('decodeKeyValues: error codes and keys', () => {
  for (const { description, pairs, errorsOf, expected } of cases) {
    it(description, () => {
      const errors = errorsOf(decodePairs(pairs));
      assert.deepEqual(codesAndKeys(errors), expected);
      for (const error of errors) assert.ok('message' in error && typeof error.message === 'string' && error.message !== '');
    });
  }

  it('an object with errors has no value, but its raw keeps what was written', () => {
    const result = decodePairs({ ...server, 'traefik/http/services/s/loadBalancer/passHostHeader': 'yes' });
    const decoded = pick(result.services, 's');
    assert.equal(decoded.value, undefined);
    assert.deepEqual(decoded.raw, { loadBalancer: { servers: [{ url: 'http://a' }], passHostHeader: 'yes' } });
  });

  it('problems are sorted by key', () => {
    const result = decodePairs({ 'traefik/zz': 'x', 'traefik/aa': 'x', '/traefik/http/x': 'y' });
    assert.deepEqual(codesAndKeys(result.problems), ['SY_KEY_LEADING_SLASH /traefik/http/x', 'SY_KEY_IGNORED traefik/aa', 'SY_KEY_IGNORED traefik/zz']);
  });
});
