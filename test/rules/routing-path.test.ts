import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../src/rules/compile.ts';
import { routingPath } from '../../src/rules/routing-path.ts';
import { request } from './request-fixture.ts';

describe('routingPath', () => {
  const cases: Array<[raw: string, expected: string | null]> = [
    ['/', '/'],
    ['/admin', '/admin'],
    ['/admin/', '/admin/'],
    // dot segments and repeated slashes
    ['/./admin', '/admin'],
    ['//admin', '/admin'],
    ['/x/../admin', '/admin'],
    ['/../admin', '/admin'],
    ['/a/b/../../admin', '/admin'],
    ['/a/.', '/a'],
    ['/a/./', '/a/'],
    ['/a/..', '/'],
    ['/a//b///c', '/a/b/c'],
    ['/a..b/.c', '/a..b/.c'],
    // unreserved escapes are decoded first, so encoded dots are dot segments
    ['/%61dmin', '/admin'],
    ['/%2e/admin', '/admin'],
    ['/%2E%2E/admin', '/admin'],
    ['/x/%2e%2e/admin', '/admin'],
    ['/%7e%5F%2D', '/~_-'],
    // reserved escapes stay encoded, hex uppercased
    ['/a%2Fb', '/a%2Fb'],
    ['/a%2fb', '/a%2Fb'],
    ['/x/..%2Fadmin', '/x/..%2Fadmin'],
    ['/%25', '/%25'],
    ['/%3f%23%3A%40', '/%3F%23%3A%40'],
    // other escapes are decoded for routing
    ['/foo%20bar', '/foo bar'],
    ['/caf%C3%A9', '/café'],
    ['/%FF', '/%FF'], // not UTF-8: kept escaped, so no rule literal can equal it
    ['/%C3%A9%FF', '/é%FF'],
    // Go re-encodes the decoded path when the raw one holds a char it would escape
    ['/a%2Fb{', '/a/b{'],
    ['/a(b){', '/a%28b%29{'],
    // 400s
    ['/%zz', null],
    ['/%4', null],
    ['/%', null],
    ['/a#b', null],
    ['admin', null],
    ['', null],
    ['*', null],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => assert.equal(routingPath(raw), expected));
  }
});

describe('a PathPrefix(`/admin`) router cannot be bypassed', () => {
  const admin = compileRule('PathPrefix(`/admin`)', 'v3');
  for (const raw of ['/./admin', '//admin', '/x/../admin', '/%61dmin', '/%2e%2e/admin', '/admin/../admin/x', '/ADMIN/../admin']) {
    it(`${raw} is routed to /admin`, () => assert.equal(admin.match(request({ path: routingPath(raw)! })), true));
  }
  for (const raw of ['/admin/../public', '/x%2F..%2Fadmin', '/%2561dmin']) {
    it(`${raw} is not`, () => assert.equal(admin.match(request({ path: routingPath(raw)! })), false));
  }
});
