import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeKeyValues } from '../../src/config/decode.ts';
import type { DecodeResult } from '../../src/config/dynamic.ts';
import { IncrementalDecoder } from '../../src/config/incremental-decode.ts';
import { pick, random } from '../support/random.ts';

/** Keys of a few routers, services and middlewares, some bad (unknown fields, bad values, stray keys). */
function randomEntry(r: () => number): [string, string] {
  const name = pick(r, ['a', 'b', 'c', 'A', 'd']);
  return pick(r, [
    (): [string, string] => [`traefik/http/routers/${name}/rule`, pick(r, ['Host(`a.test`)', 'PathPrefix(`/`)'])],
    (): [string, string] => [`traefik/http/routers/${name}/service`, pick(r, ['s1', 's2'])],
    (): [string, string] => [`traefik/http/routers/${name}/priority`, pick(r, ['5', 'high'])],
    (): [string, string] => [`traefik/http/routers/${name}/bogus`, 'x'],
    (): [string, string] => [`traefik/http/services/s${name}/loadBalancer/servers/0/url`, pick(r, ['http://127.0.0.1:1', 'http://127.0.0.1:2'])],
    (): [string, string] => [`traefik/http/middlewares/m${name}/addPrefix/prefix`, pick(r, ['/p', '/q'])],
    (): [string, string] => [`traefik/tls/stores/default/defaultCertificate/certFile`, pick(r, ['/c1', '/c2'])],
    (): [string, string] => [`traefik/udp/routers/${name}/service`, 'x'],
    (): [string, string] => [`/traefik/http/routers/${name}/rule`, 'Path(`/`)'],
  ])();
}

function plain(result: DecodeResult): unknown {
  const sorted = <T>(map: Map<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    routers: sorted(result.routers),
    services: sorted(result.services),
    middlewares: sorted(result.middlewares),
    tls: { certificates: sorted(result.tls.certificates), options: sorted(result.tls.options), stores: sorted(result.tls.stores) },
    problems: result.problems,
  };
}

describe('incremental decoding', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 150 random key changes decode as the whole set does, unchanged objects kept as they were`, () => {
      const r = random(seed);
      const keys = new Map<string, string>();
      const decoder = new IncrementalDecoder('traefik');
      for (let step = 0; step < 150; step++) {
        const changes = 1 + Math.floor(r() * 3);
        for (let i = 0; i < changes; i++) {
          const [key, value] = randomEntry(r);
          if (r() < 0.3) keys.delete(key);
          else keys.set(key, value);
        }
        const before = new Map(decoder.decode([...keys]).routers);
        const changedRouterKeys = new Set<string>();
        if (r() < 0.5) {
          const [key, value] = randomEntry(r);
          keys.set(key, value);
          const match = /^traefik\/http\/routers\/([^/]+)\//.exec(key);
          if (match !== null) changedRouterKeys.add(match[1]!.toLowerCase());
        }
        const result = decoder.decode([...keys]);
        assert.deepEqual(plain(result), plain(decodeKeyValues([...keys], 'traefik')), `step ${step}`);
        for (const [name, decoded] of result.routers) {
          if (!changedRouterKeys.has(name.toLowerCase()) && before.has(name)) assert.equal(decoded, before.get(name), `router ${name} was decoded again`);
        }
      }
    });
  }

  it('many objects at once (a start) decode as the whole set does, with and without keys that have problems', () => {
    const keys = new Map<string, string>();
    for (let i = 0; i < 100; i++) {
      keys.set(`traefik/http/routers/R${i}/rule`, `Host(\`r${i}.test\`)`);
      keys.set(`traefik/http/routers/r${i}/service`, i % 7 === 0 ? '' : `s${i}`);
      keys.set(`traefik/http/services/s${i}/loadBalancer/servers/0/url`, i % 9 === 0 ? 'not a url' : 'http://127.0.0.1:1');
      keys.set(`traefik/HTTP/middlewares/m${i}/addPrefix/prefix`, '/p');
      keys.set(`traefik/tls/certificates/c${i}/certFile`, '/c');
    }
    const clean = new IncrementalDecoder('traefik');
    assert.deepEqual(plain(clean.decode([...keys])), plain(decodeKeyValues([...keys], 'traefik')));
    clean.takeChanges();
    // Each object went to its own group: changing or deleting one later touches only it.
    keys.set('traefik/http/routers/r5/rule', 'Path(`/five`)');
    keys.delete('traefik/http/services/s6/loadBalancer/servers/0/url');
    keys.delete('traefik/HTTP/middlewares/m7/addPrefix/prefix');
    assert.deepEqual(plain(clean.decode([...keys])), plain(decodeKeyValues([...keys], 'traefik')));
    assert.deepEqual(clean.takeChanges().routers, new Set(['R5']));
    keys.set('traefik/udp/routers/x/service', 'x');
    keys.set('/traefik/http/routers/slashed/rule', 'Path(`/`)');
    const withProblems = new IncrementalDecoder('traefik');
    const result = withProblems.decode([...keys]);
    assert.deepEqual(plain(result), plain(decodeKeyValues([...keys], 'traefik')));
    assert.equal(result.problems.length, 2);
  });
});
