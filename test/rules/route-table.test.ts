import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteDefinition } from '../../src/rules/compile-routes.ts';
import { compileLinearRouteTable } from '../../src/rules/linear-route-table.ts';
import { rulePriority } from '../../src/rules/route-order.ts';
import { compileRouteTable } from '../../src/rules/route-table.ts';
import { request } from './request-fixture.ts';
import { pick, random } from '../support/random.ts';

const v3 = (name: string, rule: string, priority?: number): RouteDefinition<string> => ({
  name, rule, syntax: 'v3', priority, target: `target-${name}`,
});

describe('priority', () => {
  it('defaults to the rule length in UTF-8 bytes; 0 means default', () => {
    assert.equal(rulePriority('Host(`a.com`)'), 13);
    assert.equal(rulePriority('Path(`/é`)'), 11);
    assert.equal(rulePriority('Path(`/a`)', 0), 10);
    assert.equal(rulePriority('Path(`/a`)', -5), -5);
    assert.equal(rulePriority('Path(`/a`)', 1000), 1000);
  });

  it('longer rules win by default, as in Traefik (the HostRegexp example of the docs)', () => {
    const { table } = compileRouteTable([
      v3('exact', 'Host(`foobar.traefik.com`)'),
      v3('regexp', 'HostRegexp(`[a-z]+\\.traefik\\.com`)'),
    ]);
    assert.equal(table.match(request({ host: 'foobar.traefik.com' }))?.name, 'regexp');
  });

  it('an explicit priority overrides the length', () => {
    const { table } = compileRouteTable([
      v3('exact', 'Host(`foobar.traefik.com`)', 100),
      v3('regexp', 'HostRegexp(`[a-z]+\\.traefik\\.com`)'),
    ]);
    assert.equal(table.match(request({ host: 'foobar.traefik.com' }))?.name, 'exact');
  });

  it('breaks ties by name, smaller byte order first, whatever the input order', () => {
    const routes = [v3('b', 'PathPrefix(`/`)', 5), v3('a', 'Path(`/x`)', 5), v3('B', 'PathPrefix(`/x`)', 5)];
    for (const order of [routes, [...routes].reverse()]) {
      const { table } = compileRouteTable(order);
      assert.equal(table.match(request({ path: '/x' }))?.name, 'B', 'B (0x42) < a (0x61) < b (0x62)');
    }
  });

  it('orders names by code point (UTF-8 byte order), not UTF-16 units', () => {
    const { table } = compileRouteTable([v3('\u{1F600}', 'Path(`/`)', 1), v3('\uFF5E', 'Path(`/`)', 1)]);
    assert.equal(table.match(request())?.name, '\uFF5E');
  });

  it('returns the target given', () => {
    const { table } = compileRouteTable([v3('api', 'Host(`api.test`)')]);
    assert.deepEqual(table.match(request({ host: 'api.test' })), { name: 'api', target: 'target-api' });
    assert.equal(table.match(request({ host: 'other.test' })), undefined);
  });
});

describe('failing rules are left out and reported', () => {
  it('keeps every other route', () => {
    const { table, errors } = compileRouteTable([
      v3('good', 'PathPrefix(`/`)'),
      v3('syntax', 'Host(`a.com`))'),
      v3('matcher', 'Hots(`a.com`)'),
      v3('regexp', 'PathRegexp(`(?=x)`)'),
    ]);
    assert.deepEqual(errors.map((e) => [e.name, e.error.code, e.error.position]), [
      ['syntax', 'SY_RULE_SYNTAX', 14],
      ['matcher', 'SY_RULE_MATCHER', 1],
      ['regexp', 'SY_RULE_REGEXP', 12],
    ]);
    assert.equal(table.match(request({ path: '/x' }))?.name, 'good');
  });
});

describe('host index', () => {
  const routes = [
    v3('a-api', 'Host(`a.example.com`) && PathPrefix(`/api`)'),
    v3('a-root', 'Host(`a.example.com`)'),
    v3('b-or-c', 'Host(`b.example.com`) || Host(`c.example.com`)'),
    v3('wild', 'Host(`*.example.com`) && PathPrefix(`/w`)'),
    v3('not-a', '!Host(`a.example.com`) && PathPrefix(`/n`)'),
    v3('any-host-long-rule-wins', 'PathPrefix(`/api/very/long/prefix/for/priority`)'),
    v3('catch-all', 'PathPrefix(`/`)', -1),
  ];
  const { table } = compileRouteTable(routes);
  const cases: Array<[host: string, path: string, expected: string | undefined]> = [
    ['a.example.com', '/api/x', 'a-api'],
    ['a.example.com.', '/api/x', 'a-api'],
    ['a.example.com', '/other', 'a-root'],
    ['a.example.com', '/api/very/long/prefix/for/priority', 'any-host-long-rule-wins'],
    ['b.example.com', '/', 'b-or-c'],
    ['c.example.com', '/', 'b-or-c'],
    ['z.example.com', '/w', 'wild'],
    ['a.example.com', '/w', 'wild'], // a.example.com is one label under example.com, and the rule is longer
    ['x.y.example.com', '/w', 'catch-all'],
    ['z.example.com', '/n', 'not-a'],
    ['a.example.com', '/n', 'a-root'],
    ['elsewhere.test', '/', 'catch-all'],
    ['', '/', 'catch-all'],
  ];
  for (const [host, path, expected] of cases) {
    it(`${host || '(no host)'} ${path} → ${expected}`, () => assert.equal(table.match(request({ host, path }))?.name, expected));
  }
});

describe('indexed table agrees with the linear scan (differential)', () => {
  const hosts = ['a.test', 'b.test', 'c.test', 'x.a.test', 'y.a.test', 'a.test.', 'A.test', 'z.b.test', ''];
  const paths = ['/', '/api', '/api/v1', '/web', '/admin', '/x'];
  const methods = ['GET', 'POST'];
  const matchers = [
    (r: () => number) => `Host(\`${pick(r, ['a.test', 'b.test', 'c.test', 'a.test.', 'A.TEST', '*.a.test', '*.b.test', '*', 'x.a.test'])}\`)`,
    (r: () => number) => `PathPrefix(\`${pick(r, paths)}\`)`,
    (r: () => number) => `Path(\`${pick(r, paths)}\`)`,
    (r: () => number) => `Method(\`${pick(r, methods)}\`)`,
    (r: () => number) => `HostRegexp(\`^${pick(r, ['a', 'b', '[a-z]'])}\\.test$\`)`,
    (r: () => number) => `Header(\`X-Env\`, \`${pick(r, ['prod', 'dev'])}\`)`,
  ];
  const expression = (r: () => number, depth: number): string => {
    const roll = r();
    if (depth > 2 || roll < 0.45) return `${r() < 0.15 ? '!' : ''}${pick(r, matchers)(r)}`;
    const op = roll < 0.8 ? '&&' : '||';
    const inner = `${expression(r, depth + 1)} ${op} ${expression(r, depth + 1)}`;
    return r() < 0.15 ? `!(${inner})` : `(${inner})`;
  };

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: 150 routes, 400 requests`, () => {
      const r = random(seed);
      // Half the rules are pinned to a host (indexed); a few use the v2 syntax's multi-host Host.
      const rule = (): [string, 'v2' | 'v3'] => {
        const roll = r();
        if (roll < 0.1) return [`Host(\`${pick(r, hosts.slice(0, 4))}\`, \`${pick(r, hosts.slice(4, 8))}\`) && PathPrefix(\`${pick(r, paths)}\`)`, 'v2'];
        if (roll < 0.55) return [`${matchers[0]!(r)} && ${expression(r, 1)}`, 'v3'];
        return [expression(r, 0), 'v3'];
      };
      const routes = Array.from({ length: 150 }, (_, i) => {
        const [text, syntax] = rule();
        const priority = r() < 0.3 ? Math.floor(r() * 5) - 2 : undefined;
        return { name: `r${Math.floor(r() * 60)}-${i}`, rule: text, syntax, priority, target: i };
      });
      const indexed = compileRouteTable(routes);
      const linear = compileLinearRouteTable(routes);
      assert.deepEqual(indexed.errors.map((e) => e.name), linear.errors.map((e) => e.name));
      for (let n = 0; n < 400; n++) {
        const req = request({
          host: pick(r, hosts).toLowerCase(),
          path: pick(r, paths),
          method: pick(r, methods),
          rawHeaders: r() < 0.5 ? ['x-env', pick(r, ['prod', 'dev'])] : [],
        });
        assert.equal(indexed.table.match(req)?.name, linear.table.match(req)?.name, JSON.stringify(req));
      }
    });
  }
});
