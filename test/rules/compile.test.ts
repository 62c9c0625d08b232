import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule, type RuleSyntax } from '../../src/rules/compile.ts';
import { request } from './request-fixture.ts';

function compileError(rule: string, syntax: RuleSyntax = 'v3'): { code: string; position: number | undefined } {
  try {
    compileRule(rule, syntax);
  } catch (error) {
    const { code, position } = error as { code: string; position: number | undefined };
    return { code, position };
  }
  assert.fail(`expected ${rule} to be rejected`);
}

describe('matcher names: exactly four spellings', () => {
  for (const name of ['PathPrefix', 'pathprefix', 'PATHPREFIX', 'Pathprefix']) {
    it(`accepts ${name}`, () => assert.equal(compileRule(`${name}(\`/a\`)`, 'v3').match(request({ path: '/ab' })), true));
  }
  for (const name of ['pathPrefix', 'PathPREFIX', 'path_prefix']) {
    it(`rejects ${name}`, () => assert.deepEqual(compileError(`Host(\`a\`) && ${name}(\`/a\`)`), { code: 'SY_RULE_MATCHER', position: 14 }));
  }
  it('accepts the spellings of ClientIP and v2 HostHeader', () => {
    assert.equal(compileRule('Clientip(`10.0.0.1`)', 'v3').match(request()), true);
    assert.equal(compileRule('HOSTHEADER(`example.com`)', 'v2').match(request()), true);
  });
});

describe('matcher resolution errors carry SY_RULE_MATCHER and the column', () => {
  const cases: Array<[string, RuleSyntax, number]> = [
    ['Unknown(`a`)', 'v3', 1],
    ['Host(`a`) || Headers(`k`, `v`)', 'v3', 14], // a v2 name in a v3 rule
    ['PathRegexp(`/a`)', 'v2', 1], // a v3 name in a v2 rule
    ['Host(`a`, `b`)', 'v3', 1],
    ['Host()', 'v3', 1],
    ['Header(`k`)', 'v3', 1],
    ['Query(`a`, `b`, `c`)', 'v3', 1],
    ['Headers(`k`, `v`, `k2`)', 'v2', 1],
    ['Method(`GET`, `POST`)', 'v3', 1],
    ['Path(`no-slash`)', 'v3', 6],
    ['PathPrefix(`no-slash`)', 'v3', 12],
    ['Host(`a.com`) && Path(`/a`, `b`)', 'v2', 29],
    ['Host(`bücher.de`)', 'v3', 6],
    ['HostRegexp(`bücher`)', 'v3', 12],
    ['ClientIP(`10.0.0.256`)', 'v3', 10],
    ['ClientIP(`10.0.0.0/33`)', 'v3', 10],
    ['ClientIP(`1.2.3.4`, `nope`)', 'v2', 21],
    ['HostRegexp(`{sub:[a-z]+.example.com`)', 'v2', 12],
    ['Query(`a=1`, `b`)', 'v2', 7],
  ];
  for (const [rule, syntax, column] of cases) {
    it(`${syntax} ${rule}`, () => assert.deepEqual(compileError(rule, syntax), { code: 'SY_RULE_MATCHER', position: column }));
  }
});

describe('hosts a rule requires (index keys)', () => {
  const cases: Array<[string, RuleSyntax, string[] | undefined]> = [
    ['Host(`A.example.com`)', 'v3', ['a.example.com']],
    ['Host(`a.example.com.`)', 'v3', ['a.example.com']],
    ['Host(`*.example.com`)', 'v3', ['*.example.com']],
    ['Host(`*`)', 'v3', undefined],
    ['Host(`a.com`) && PathPrefix(`/api`)', 'v3', ['a.com']],
    ['PathPrefix(`/api`) && (Host(`a.com`) || Host(`b.com`))', 'v3', ['a.com', 'b.com']],
    ['Host(`a.com`) || Host(`b.com`)', 'v3', ['a.com', 'b.com']],
    ['Host(`a.com`) || Host(`a.com`)', 'v3', ['a.com']],
    ['Host(`a.com`) || PathPrefix(`/`)', 'v3', undefined],
    ['!Host(`a.com`)', 'v3', undefined],
    ['!(Host(`a.com`) || Path(`/x`))', 'v3', undefined],
    ['!(!Host(`a.com`) || Path(`/x`))', 'v3', ['a.com']],
    ['HostRegexp(`a.com`)', 'v3', undefined],
    ['Host(`a.com`, `b.com`)', 'v2', ['a.com', 'b.com']],
    ['HostHeader(`a.com`) && Path(`/`)', 'v2', ['a.com']],
    ['Host(`*.a.com`)', 'v2', undefined],
  ];
  for (const [rule, syntax, hosts] of cases) {
    it(`${syntax} ${rule}`, () => assert.deepEqual(compileRule(rule, syntax).hosts, hosts));
  }
});

describe('boolean structure', () => {
  const a = 'Path(`/a`)';
  const b = 'Method(`POST`)';
  const c = 'Header(`X-C`, `1`)';
  const requests = [false, true].flatMap((x) =>
    [false, true].flatMap((y) =>
      [false, true].map((z) => ({
        values: [x, y, z],
        req: request({ path: x ? '/a' : '/z', method: y ? 'POST' : 'GET', rawHeaders: z ? ['x-c', '1'] : [] }),
      })),
    ),
  );
  const cases: Array<[string, (x: boolean, y: boolean, z: boolean) => boolean]> = [
    [`${a} || ${b} && ${c}`, (x, y, z) => x || (y && z)],
    [`(${a} || ${b}) && ${c}`, (x, y, z) => (x || y) && z],
    [`!(${a} || ${b})`, (x, y) => !x && !y],
    [`!${a} && !${b}`, (x, y) => !x && !y],
    [`!(${a} && ${b}) || ${c}`, (x, y, z) => !x || !y || z],
    [`!!${a}`, (x) => x],
  ];
  for (const [rule, truth] of cases) {
    it(rule, () => {
      for (const { values, req } of requests) {
        const [x, y, z] = values as [boolean, boolean, boolean];
        assert.equal(compileRule(rule, 'v3').match(req), truth(x, y, z), `for ${values}`);
      }
    });
  }
});

describe('forHost: the rule for one known host, Host matchers settled', () => {
  // Requests deliberately carry another host: a settled rule must no longer look at it.
  const elsewhere = (path: string) => request({ host: 'unrelated.test', path });
  const cases: Array<[rule: string, host: string, expected: false | Array<[path: string, match: boolean]>]> = [
    ['Host(`a.com`) && PathPrefix(`/x`)', 'a.com', [['/x', true], ['/y', false]]],
    ['Host(`a.com`) || Host(`b.com`)', 'b.com', [['/any', true]]],
    ['Host(`a.com`) && Host(`*.com`)', 'a.com', [['/any', true]]],
    ['Host(`A.com.`) && Path(`/p`)', 'a.com', [['/p', true]]],
    ['Host(`a.com`) && !Host(`a.com`)', 'a.com', false],
    ['Host(`a.com`) && Host(`b.com`)', 'a.com', false],
    ['Host(`a.com`) && (Host(`b.com`) || Path(`/x`))', 'a.com', [['/x', true], ['/y', false]]],
    ['(Host(`a.com`) && Path(`/a`)) || (Host(`b.com`) && Path(`/b`))', 'a.com', [['/a', true], ['/b', false]]],
    ['!(!Host(`a.com`) || Path(`/no`))', 'a.com', [['/yes', true], ['/no', false]]],
  ];
  for (const [rule, host, expected] of cases) {
    it(`${rule} for ${host}`, () => {
      const settled = compileRule(rule, 'v3').forHost(host);
      if (expected === false) return assert.equal(settled, false);
      assert.notEqual(settled, false);
      for (const [path, match] of expected) assert.equal(settled !== false && settled(elsewhere(path)), match, path);
    });
  }
});
