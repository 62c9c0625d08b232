import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodeResult } from '../../src/config/dynamic.ts';
import { codesAndKeys, decodePairs, pick, valid, type Pairs } from './kv-fixture.ts';

interface Case {
  readonly description: string;
  readonly pairs: Pairs;
  readonly read: (result: DecodeResult) => unknown;
  readonly expected: unknown;
}

const router = (name: string) => (result: DecodeResult) => valid(result.routers, name);

/** Traefik's encoding rules (digest §1.1), in the style of pkg/config/kv/kv_test.go. */
const cases: Case[] = [
  {
    description: 'a minimal router',
    pairs: { 'traefik/http/routers/api/rule': 'Host(`a`)', 'traefik/http/routers/api/service': 'api' },
    read: router('api'),
    expected: { rule: 'Host(`a`)', service: 'api' },
  },
  {
    description: 'field names are case-insensitive',
    pairs: {
      'traefik/HTTP/Routers/api/RULE': 'r',
      'traefik/http/routers/api/SERVICE': 's',
      'traefik/http/routers/api/entrypoints/0': 'web',
      'traefik/http/routers/api/PRIORITY': '-5',
    },
    read: router('api'),
    expected: { rule: 'r', service: 's', entryPoints: ['web'], priority: -5 },
  },
  {
    description: 'user-chosen names keep their spelling',
    pairs: { 'traefik/http/routers/My-API/rule': 'r', 'traefik/http/routers/My-API/service': 'Svc-1' },
    read: (result) => [[...result.routers.keys()], valid(result.routers, 'My-API').service],
    expected: [['My-API'], 'Svc-1'],
  },
  {
    description: 'case-variant user names merge; the first spelling in byte order is kept',
    pairs: { 'traefik/http/routers/Api/rule': 'r', 'traefik/http/routers/api/service': 's' },
    read: (result) => [[...result.routers.keys()], valid(result.routers, 'Api')],
    expected: [['Api'], { rule: 'r', service: 's' }],
  },
  {
    description: 'scalar list from index segments',
    pairs: {
      'traefik/http/routers/r/rule': 'r',
      'traefik/http/routers/r/service': 's',
      'traefik/http/routers/r/entryPoints/1': 'websecure',
      'traefik/http/routers/r/entryPoints/0': 'web',
    },
    read: (result) => valid(result.routers, 'r').entryPoints,
    expected: ['web', 'websecure'],
  },
  {
    description: 'scalar list from one comma-joined value, trimmed',
    pairs: { 'traefik/http/routers/r/rule': 'r', 'traefik/http/routers/r/service': 's', 'traefik/http/routers/r/entryPoints': ' web ,websecure ' },
    read: (result) => valid(result.routers, 'r').entryPoints,
    expected: ['web', 'websecure'],
  },
  {
    description: 'indexed elements are trimmed; gaps are allowed',
    pairs: { 'traefik/http/middlewares/m/chain/middlewares/0': ' a ', 'traefik/http/middlewares/m/chain/middlewares/5': 'b' },
    read: (result) => valid(result.middlewares, 'm').chain?.middlewares,
    expected: ['a', 'b'],
  },
  {
    description: 'when both list forms exist the indexed one wins',
    pairs: {
      'traefik/http/routers/r/rule': 'r',
      'traefik/http/routers/r/service': 's',
      'traefik/http/routers/r/entryPoints': 'ignored,too',
      'traefik/http/routers/r/entryPoints/0': 'web',
    },
    read: (result) => valid(result.routers, 'r').entryPoints,
    expected: ['web'],
  },
  {
    description: 'struct list: numeric labels in numeric order',
    pairs: {
      'traefik/http/services/s/loadBalancer/servers/10/url': 'http://ten',
      'traefik/http/services/s/loadBalancer/servers/2/url': 'http://two',
      'traefik/http/services/s/loadBalancer/servers/0/url': 'http://zero',
    },
    read: (result) => valid(result.services, 's').loadBalancer?.servers?.map((server) => server.url),
    expected: ['http://zero', 'http://two', 'http://ten'],
  },
  {
    description: 'struct list: any label works; mixed labels go in byte order',
    pairs: {
      'traefik/http/services/s/loadBalancer/servers/b/url': 'http://b',
      'traefik/http/services/s/loadBalancer/servers/a/url': 'http://a',
      'traefik/http/services/s/loadBalancer/servers/10/url': 'http://10',
      'traefik/http/services/s/loadBalancer/servers/9/url': 'http://9',
    },
    read: (result) => valid(result.services, 's').loadBalancer?.servers?.map((server) => server.url),
    expected: ['http://10', 'http://9', 'http://a', 'http://b'],
  },
  {
    description: 'struct list labels may be domain names (tls/certificates/<label>)',
    pairs: {
      'traefik/tls/certificates/example.com/certFile': 'C',
      'traefik/tls/certificates/example.com/keyFile': 'K',
    },
    read: (result) => valid(result.tls.certificates, 'example.com'),
    expected: { certFile: 'C', keyFile: 'K' },
  },
  {
    description: 'maps: header names as keys, empty values allowed',
    pairs: {
      'traefik/http/middlewares/h/headers/customRequestHeaders/X-Foo': 'bar',
      'traefik/http/middlewares/h/headers/customRequestHeaders/X-Remove': '',
    },
    read: (result) => valid(result.middlewares, 'h').headers?.customRequestHeaders,
    expected: { 'X-Foo': 'bar', 'X-Remove': '' },
  },
  {
    description: 'booleans, integers and durations become JS values (durations in ms)',
    pairs: {
      'traefik/http/services/s/loadBalancer/servers/0/url': 'http://a',
      'traefik/http/services/s/loadBalancer/passHostHeader': 'F',
      'traefik/http/services/s/loadBalancer/healthCheck/port': '8081',
      'traefik/http/services/s/loadBalancer/healthCheck/interval': '10',
      'traefik/http/services/s/loadBalancer/healthCheck/timeout': '1m30s',
      'traefik/http/services/s/loadBalancer/healthCheck/unhealthyInterval': '1.5h',
    },
    read: (result) => {
      const balancer = valid(result.services, 's').loadBalancer;
      const check = balancer?.healthCheck;
      return [balancer?.passHostHeader, check?.port, check?.interval, check?.timeout, check?.unhealthyInterval];
    },
    expected: [false, 8081, 10_000, 90_000, 5_400_000],
  },
  {
    description: 'nested struct lists (tls/domains/N/sans/M)',
    pairs: {
      'traefik/http/routers/r/rule': 'r',
      'traefik/http/routers/r/service': 's',
      'traefik/http/routers/r/tls/domains/0/main': 'example.com',
      'traefik/http/routers/r/tls/domains/0/sans/0': 'a.example.com',
      'traefik/http/routers/r/tls/domains/0/sans/1': 'b.example.com',
    },
    read: (result) => valid(result.routers, 'r').tls,
    expected: { domains: [{ main: 'example.com', sans: ['a.example.com', 'b.example.com'] }] },
  },
  {
    description: 'plugin configuration is kept as a raw tree',
    pairs: { 'traefik/http/middlewares/p/plugin/demo/Headers/X-Demo': 'on', 'traefik/http/middlewares/p/plugin/demo/level': '3' },
    read: (result) => valid(result.middlewares, 'p').plugin,
    expected: { demo: { Headers: { 'X-Demo': 'on' }, level: '3' } },
  },
  {
    description: 'v3-deprecated keys still decode (headers sslRedirect, stripPrefix forceSlash, ipWhiteList)',
    pairs: {
      'traefik/http/middlewares/h/headers/sslRedirect': 'true',
      'traefik/http/middlewares/s/stripPrefix/forceSlash': 'false',
      'traefik/http/middlewares/s/stripPrefix/prefixes/0': '/api',
      'traefik/http/middlewares/w/ipWhiteList/sourceRange/0': '10.0.0.0/8',
    },
    read: (result) => [
      valid(result.middlewares, 'h').headers?.sslRedirect,
      valid(result.middlewares, 's').stripPrefix,
      valid(result.middlewares, 'w').ipWhiteList,
    ],
    expected: [true, { prefixes: ['/api'], forceSlash: false }, { sourceRange: ['10.0.0.0/8'] }],
  },
  {
    description: 'the root may be multi-level',
    pairs: { 'foo/bar/traefik/http/routers/r/rule': 'r', 'foo/bar/traefik/http/routers/r/service': 's' },
    read: (result) => result.routers.size,
    expected: 1,
  },
];

describe('decodeKeyValues: encoding rules', () => {
  for (const { description, pairs, read, expected } of cases) {
    it(description, () => {
      const rootKey = Object.keys(pairs).some((key) => key.startsWith('foo/')) ? 'foo/bar/traefik' : 'traefik';
      const result = decodePairs(pairs, rootKey);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(read(result), expected);
    });
  }
});

describe('decodeKeyValues: presence keys', () => {
  const presenceKeys: Array<[description: string, base: Pairs, key: string, read: (result: DecodeResult) => unknown]> = [
    ['router tls', { 'traefik/http/routers/r/rule': 'r', 'traefik/http/routers/r/service': 's' }, 'traefik/http/routers/r/tls', (result) => valid(result.routers, 'r').tls],
    ['LB sticky', { 'traefik/http/services/s/loadBalancer/servers/0/url': 'http://a' }, 'traefik/http/services/s/loadBalancer/sticky', (result) => valid(result.services, 's').loadBalancer?.sticky],
    ['LB sticky/cookie', { 'traefik/http/services/s/loadBalancer/servers/0/url': 'http://a' }, 'traefik/http/services/s/loadBalancer/sticky/cookie', (result) => valid(result.services, 's').loadBalancer?.sticky?.cookie],
    ['compress', {}, 'traefik/http/middlewares/m/compress', (result) => pick(result.middlewares, 'm').raw['compress']],
    ['contentType', {}, 'traefik/http/middlewares/m/contentType', (result) => pick(result.middlewares, 'm').raw['contentType']],
    ['ipAllowList/ipStrategy', { 'traefik/http/middlewares/m/ipAllowList/sourceRange/0': '10.0.0.0/8' }, 'traefik/http/middlewares/m/ipAllowList/ipStrategy', (result) => valid(result.middlewares, 'm').ipAllowList?.ipStrategy],
    ['ipWhiteList/ipStrategy', { 'traefik/http/middlewares/m/ipWhiteList/sourceRange/0': '10.0.0.0/8' }, 'traefik/http/middlewares/m/ipWhiteList/ipStrategy', (result) => valid(result.middlewares, 'm').ipWhiteList?.ipStrategy],
    ['weighted/healthCheck', { 'traefik/http/services/s/weighted/services/0/name': 'a' }, 'traefik/http/services/s/weighted/healthCheck', (result) => valid(result.services, 's').weighted?.healthCheck],
    ['mirroring/healthCheck', { 'traefik/http/services/s/mirroring/service': 'a' }, 'traefik/http/services/s/mirroring/healthCheck', (result) => valid(result.services, 's').mirroring?.healthCheck],
  ];

  for (const [description, base, key, read] of presenceKeys) {
    it(`${description}: "" and true (any case) enable it`, () => {
      for (const value of ['', 'true', 'TRUE', 'True']) {
        const found = read(decodePairs({ ...base, [key]: value }));
        assert.ok(found !== undefined && typeof found === 'object', `${key}=${JSON.stringify(value)}`);
      }
    });

    it(`${description}: any other value disables it`, () => {
      for (const value of ['false', '{}', '1']) {
        const result = decodePairs({ ...base, [key]: value });
        assert.equal(read(result) ?? undefined, undefined, `${key}=${value}`);
      }
    });
  }

  it('a disabling value wins over child keys (tls=false + tls/certResolver)', () => {
    const result = decodePairs({
      'traefik/http/routers/r/rule': 'r',
      'traefik/http/routers/r/service': 's',
      'traefik/http/routers/r/tls': 'false',
      'traefik/http/routers/r/tls/certResolver': 'le',
    });
    assert.equal(valid(result.routers, 'r').tls, undefined);
  });

  it('an enabling value keeps the child keys (tls=true + tls/certResolver)', () => {
    const result = decodePairs({
      'traefik/http/routers/r/rule': 'r',
      'traefik/http/routers/r/service': 's',
      'traefik/http/routers/r/tls': 'true',
      'traefik/http/routers/r/tls/certResolver': 'le',
    });
    assert.deepEqual(valid(result.routers, 'r').tls, { certResolver: 'le' });
  });
});

describe('decodeKeyValues: per-object validation', () => {
  it('one broken router does not stop a good one', () => {
    const result = decodePairs({
      'traefik/http/routers/good/rule': 'Host(`good`)',
      'traefik/http/routers/good/service': 'svc',
      'traefik/http/routers/broken/rule': 'Host(`broken`)',
      'traefik/http/routers/broken/service': 'svc',
      'traefik/http/routers/broken/priority': 'high',
      'traefik/http/services/svc/loadBalancer/servers/0/url': 'http://10.0.0.1',
    });
    assert.deepEqual(valid(result.routers, 'good'), { rule: 'Host(`good`)', service: 'svc' });
    assert.ok(valid(result.services, 'svc').loadBalancer);
    const broken = pick(result.routers, 'broken');
    assert.equal(broken.value, undefined);
    assert.deepEqual(codesAndKeys(broken.errors), ['SY_KEY_BAD_INT traefik/http/routers/broken/priority']);
    assert.deepEqual(broken.raw, { rule: 'Host(`broken`)', service: 'svc', priority: 'high' });
    assert.deepEqual(result.problems, []);
  });

  it('reports every bad key of an object at once', () => {
    const result = decodePairs({
      'traefik/http/routers/r/priority': 'high',
      'traefik/http/routers/r/tls/options': 'x',
      'traefik/http/routers/r/tls/bogus': 'x',
      'traefik/http/routers/r/observability/metrics': 'yes',
    });
    assert.deepEqual(codesAndKeys(pick(result.routers, 'r').errors).sort(), [
      'SY_KEY_BAD_BOOL traefik/http/routers/r/observability/metrics',
      'SY_KEY_BAD_INT traefik/http/routers/r/priority',
      'SY_KEY_MISSING traefik/http/routers/r/rule',
      'SY_KEY_MISSING traefik/http/routers/r/service',
      'SY_KEY_UNKNOWN_FIELD traefik/http/routers/r/tls/bogus',
    ]);
  });
});
