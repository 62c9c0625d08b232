import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteDefinition } from '../../src/rules/compile-routes.ts';
import { compileRouteTable } from '../../src/rules/route-table.ts';
import { request } from './request-fixture.ts';
import { pick, random } from '../support/random.ts';

const hosts = ['a.test', 'b.test', 'c.test', 'x.a.test', 'y.a.test', 'a.test.', 'z.b.test', ''];
const paths = ['/', '/api', '/api/v1', '/web', '/x'];

function rule(r: () => number): string {
  const host = () => `Host(\`${pick(r, ['a.test', 'b.test', 'c.test', 'a.test.', '*.a.test', '*.b.test', 'x.a.test'])}\`)`;
  const path = () => `${pick(r, ['PathPrefix', 'Path'])}(\`${pick(r, paths)}\`)`;
  const roll = r();
  if (roll < 0.4) return `${host()} && ${path()}`;
  if (roll < 0.55) return `${host()} || ${host()}`;
  if (roll < 0.65) return `!${host()} && ${path()}`;
  if (roll < 0.7) return 'Host(`a.test`) && Host(`a.test`)'; // the same host twice
  if (roll < 0.75) return 'Hots(`a.test`)'; // does not compile
  return path();
}

describe('an edited route table routes as one built from scratch', () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    it(`seed ${seed}: 60 routes, 300 edits, compared every 10 edits`, () => {
      const r = random(seed);
      const current = new Map<string, RouteDefinition<number>>();
      const route = (name: string, i: number): RouteDefinition<number> => ({ name, rule: rule(r), syntax: 'v3', priority: r() < 0.3 ? Math.floor(r() * 5) - 2 : undefined, target: i });
      for (let i = 0; i < 60; i++) {
        const name = `r${Math.floor(r() * 40)}`;
        current.set(name, route(name, i));
      }
      const { table } = compileRouteTable([...current.values()]);
      for (let edit = 1; edit <= 300; edit++) {
        const name = `r${Math.floor(r() * 40)}`;
        if (r() < 0.3) {
          current.delete(name);
          table.delete(name);
        } else {
          const next = route(name, edit);
          current.set(name, next);
          const error = table.set(next);
          assert.equal(error !== undefined, next.rule.startsWith('Hots'), next.rule);
        }
        if (edit % 10 !== 0) continue;
        const fresh = compileRouteTable([...current.values()]).table;
        assert.equal(table.size, fresh.size);
        for (const host of hosts) {
          for (const path of paths) {
            const req = request({ host, path });
            assert.deepEqual(table.match(req), fresh.match(req), `edit ${edit}: ${host}${path}`);
          }
        }
      }
    });
  }

  it('a replaced route takes its new place in precedence order', () => {
    const { table } = compileRouteTable<string>([
      { name: 'a', rule: 'PathPrefix(`/`)', syntax: 'v3', priority: 10, target: 'a' },
      { name: 'b', rule: 'PathPrefix(`/`)', syntax: 'v3', priority: 5, target: 'b' },
    ]);
    assert.equal(table.match(request())?.target, 'a');
    table.set({ name: 'a', rule: 'PathPrefix(`/`)', syntax: 'v3', priority: 1, target: 'a2' });
    assert.equal(table.match(request())?.target, 'b');
    table.delete('b');
    assert.equal(table.match(request())?.target, 'a2');
    table.set({ name: 'c', rule: 'Host(`example.com`)', syntax: 'v3', priority: 2, target: 'c' });
    assert.equal(table.match(request())?.target, 'c');
    assert.equal(table.match(request({ host: 'other.test' }))?.target, 'a2');
  });
});
