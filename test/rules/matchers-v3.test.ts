import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../src/rules/compile.ts';
import type { RoutingRequest } from '../../src/rules/request.ts';
import { request } from './request-fixture.ts';

type Case = [rule: string, req: Partial<RoutingRequest>, expected: boolean];

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const [rule, overrides, expected] of cases) {
      it(`${rule} ${JSON.stringify(overrides)} → ${expected}`, () => {
        assert.equal(compileRule(rule, 'v3').match(request(overrides)), expected);
      });
    }
  });
}

table('v3 Host', [
  ['Host(`example.com`)', { host: 'example.com' }, true],
  ['Host(`EXAMPLE.com`)', { host: 'example.com' }, true],
  ['Host(`example.com`)', { host: 'www.example.com' }, false],
  ['Host(`example.com.`)', { host: 'example.com' }, true],
  ['Host(`example.com`)', { host: 'example.com.' }, true],
  ['Host(`example.com`)', { host: 'example.com..' }, false],
  ['Host(`example.com`)', { host: '' }, false],
  ['Host(`*.example.com`)', { host: 'a.example.com' }, true],
  ['Host(`*.example.com`)', { host: 'a.example.com.' }, true],
  ['Host(`*.example.com`)', { host: 'a.b.example.com' }, false],
  ['Host(`*.example.com`)', { host: 'example.com' }, false],
  ['Host(`*.example.com`)', { host: '.example.com' }, false],
  ['Host(`*.example.com`)', { host: 'aexample.com' }, false],
  ['Host(`*`)', { host: 'anything.test' }, true],
  ['Host(`*`)', { host: '' }, false],
  ['Host(`::1`)', { host: '::1' }, true],
]);

table('v3 HostRegexp (unanchored, on the lowercased host)', [
  ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'api.example.com' }, true],
  ['HostRegexp(`example`)', { host: 'www.example.com' }, true],
  ['HostRegexp(`EXAMPLE`)', { host: 'example.com' }, false],
  ['HostRegexp(`(?i)EXAMPLE`)', { host: 'example.com' }, true],
  ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'a.b.example.com' }, false],
]);

table('v3 Path, PathPrefix, PathRegexp', [
  ['Path(`/foo`)', { path: '/foo' }, true],
  ['Path(`/foo`)', { path: '/foo/' }, false],
  ['Path(`/Foo`)', { path: '/foo' }, false],
  ['Path(`/foo bar`)', { path: '/foo bar' }, true],
  ['PathPrefix(`/products`)', { path: '/products-for-sale' }, true],
  ['PathPrefix(`/products/`)', { path: '/products' }, false],
  ['PathPrefix(`/`)', { path: '/anything' }, true],
  ['PathRegexp(`\\.(css|js)$`)', { path: '/static/app.js' }, true],
  ['PathRegexp(`^/api/v[0-9]+/`)', { path: '/api/v12/users' }, true],
  ['PathRegexp(`^/api/v[0-9]+/`)', { path: '/web/api/v1/' }, false],
  ['PathRegexp(`users`)', { path: '/api/users/1' }, true],
]);

table('v3 Method (rule value uppercased, request method exact)', [
  ['Method(`GET`)', { method: 'GET' }, true],
  ['Method(`get`)', { method: 'GET' }, true],
  ['Method(`GET`)', { method: 'get' }, false],
  ['Method(`POST`)', { method: 'GET' }, false],
]);

table('v3 Header and HeaderRegexp (any value line, names case-insensitive)', [
  ['Header(`X-Env`, `prod`)', { rawHeaders: ['X-Env', 'prod'] }, true],
  ['Header(`x-env`, `prod`)', { rawHeaders: ['X-ENV', 'prod'] }, true],
  ['Header(`X-Env`, `prod`)', { rawHeaders: ['X-Env', 'staging', 'x-env', 'prod'] }, true],
  ['Header(`X-Env`, `prod`)', { rawHeaders: ['X-Env', 'Prod'] }, false],
  ['Header(`X-Env`, `prod`)', { rawHeaders: ['X-Env', 'prod, staging'] }, false],
  ['Header(`X-Env`, `prod`)', { rawHeaders: ['X-Other', 'prod'] }, false],
  ['Header(`X-Env`, `café`)', { rawHeaders: ['X-Env', Buffer.from('café').toString('latin1')] }, true],
  ['Header(`Host`, `example.com`)', { rawHeaders: ['Host', 'example.com'] }, false],
  ['Header(`:authority`, `example.com`)', { rawHeaders: [':authority', 'example.com'] }, false],
  ['HeaderRegexp(`User-Agent`, `(?i)curl/`)', { rawHeaders: ['user-agent', 'CURL/8.0'] }, true],
  ['HeaderRegexp(`User-Agent`, `^curl/`)', { rawHeaders: ['user-agent', 'Mozilla curl/8'] }, false],
  ['HeaderRegexp(`X-Name`, `^é$`)', { rawHeaders: ['x-name', Buffer.from('é').toString('latin1')] }, true],
  ['!Header(`X-Env`, `prod`)', { rawHeaders: [] }, true],
]);

table('v3 Query and QueryRegexp (Go url.ParseQuery semantics)', [
  ['Query(`mobile`)', { rawQuery: 'mobile' }, true],
  ['Query(`mobile`)', { rawQuery: 'mobile=' }, true],
  ['Query(`mobile`)', { rawQuery: 'mobile=1' }, false],
  ['Query(`mobile`)', { rawQuery: 'mobile=1&mobile' }, true],
  ['Query(`q`, `a b`)', { rawQuery: 'q=a+b' }, true],
  ['Query(`q`, `a b`)', { rawQuery: 'q=a%20b' }, true],
  ['Query(`my key`, `v`)', { rawQuery: 'my+key=v' }, true],
  ['Query(`k`, `v`)', { rawQuery: 'x=1&k=w&k=v' }, true],
  ['Query(`k`, `v`)', { rawQuery: 'k=v;x=1' }, false],
  ['Query(`k`, `v`)', { rawQuery: 'x=1;y=2&k=v' }, true],
  ['Query(`k`, `v`)', { rawQuery: 'k=v%zz' }, false],
  ['Query(`k`, `é`)', { rawQuery: 'k=%C3%A9' }, true],
  ['Query(`k`, `v`)', { rawQuery: '' }, false],
  ['Query(`k`, `v=w`)', { rawQuery: 'k=v=w' }, true],
  ['QueryRegexp(`id`, `^[0-9]+$`)', { rawQuery: 'id=abc&id=42' }, true],
  ['QueryRegexp(`id`, `^[0-9]+$`)', { rawQuery: 'id=abc' }, false],
  ['QueryRegexp(`flag`)', { rawQuery: 'flag' }, true],
]);

table('v3 ClientIP (remote address only)', [
  ['ClientIP(`10.0.0.1`)', { clientIp: '10.0.0.1' }, true],
  ['ClientIP(`10.0.0.0/8`)', { clientIp: '10.200.3.4' }, true],
  ['ClientIP(`10.0.0.0/8`)', { clientIp: '11.0.0.1' }, false],
  ['ClientIP(`10.0.0.0/8`)', { clientIp: '::ffff:10.1.2.3' }, true],
  ['ClientIP(`10.0.0.1`)', { clientIp: '::ffff:10.0.0.1' }, true],
  ['ClientIP(`::ffff:10.0.0.1`)', { clientIp: '10.0.0.1' }, true],
  ['ClientIP(`2001:db8::/32`)', { clientIp: '2001:db8::1' }, true],
  ['ClientIP(`2001:db8::/32`)', { clientIp: '2001:db9::1' }, false],
  ['ClientIP(`::1`)', { clientIp: '::1' }, true],
  ['ClientIP(`::/0`)', { clientIp: '10.0.0.1' }, false],
  ['ClientIP(`0.0.0.0/0`)', { clientIp: '2001:db8::1' }, false],
  ['ClientIP(`10.0.0.1`)', { clientIp: '' }, false],
  ['ClientIP(`fe80::1`)', { clientIp: 'fe80::1%eth0' }, false],
  ['ClientIP(`10.0.0.1`)', { clientIp: '010.0.0.1' }, false],
]);
