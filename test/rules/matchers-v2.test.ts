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
        assert.equal(compileRule(rule, 'v2').match(request(overrides)), expected);
      });
    }
  });
}

table('v2 Host and HostHeader (several hosts: OR, no wildcards)', [
  ['Host(`a.com`, `b.com`)', { host: 'b.com' }, true],
  ['Host(`a.com`, `b.com`)', { host: 'c.com' }, false],
  ['HostHeader(`A.com`)', { host: 'a.com.' }, true],
  ['Host(`*.a.com`)', { host: 'x.a.com' }, false],
]);

table('v2 HostRegexp (gorilla/mux templates, anchored)', [
  ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'api.example.com' }, true],
  ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'api.example.com.evil.net' }, false],
  ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'apiXexample.com' }, false],
  ['HostRegexp(`{sub}.example.com`)', { host: 'a.b.example.com' }, false],
  ['HostRegexp(`{sub}.example.com`)', { host: 'a-b.example.com' }, true],
  ['HostRegexp(`example.com`, `{x:.*}.example.org`)', { host: 'www.example.org' }, true],
  ['HostRegexp(`{id:[0-9]{2}}.example.com`)', { host: '42.example.com' }, true],
]);

table('v2 Path and PathPrefix (templates; several paths: OR)', [
  ['Path(`/articles/{cat:[a-z]+}/{id:[0-9]+}`)', { path: '/articles/news/42' }, true],
  ['Path(`/articles/{cat:[a-z]+}/{id:[0-9]+}`)', { path: '/articles/news/42/x' }, false],
  ['Path(`/a`, `/b`)', { path: '/b' }, true],
  ['Path(`/a.b`)', { path: '/aXb' }, false],
  ['Path(`/users/{id}`)', { path: '/users/7' }, true],
  ['Path(`/users/{id}`)', { path: '/users/7/edit' }, false],
  ['PathPrefix(`/api/{version:v[0-9]+}`)', { path: '/api/v2/users' }, true],
  ['PathPrefix(`/api`)', { path: '/apis' }, true],
  ['PathPrefix(`/api`, `/web`)', { path: '/web/x' }, true],
]);

table('v2 Method (several methods: OR)', [
  ['Method(`get`, `POST`)', { method: 'POST' }, true],
  ['Method(`GET`, `POST`)', { method: 'PUT' }, false],
]);

table('v2 Headers and HeadersRegexp (pairs: AND)', [
  ['Headers(`X-Env`, `prod`)', { rawHeaders: ['x-env', 'prod'] }, true],
  ['Headers(`X-Env`, `prod`, `X-Team`, `a`)', { rawHeaders: ['x-env', 'prod', 'X-Team', 'a'] }, true],
  ['Headers(`X-Env`, `prod`, `X-Team`, `a`)', { rawHeaders: ['x-env', 'prod'] }, false],
  ['Headers(`X-Env`, `dev`, `X-Env`, `prod`)', { rawHeaders: ['x-env', 'prod'] }, true],
  ['HeadersRegexp(`X-Env`, `^pro`)', { rawHeaders: ['x-env', 'production'] }, true],
  ['HeadersRegexp(`X-Env`, `^pro`)', { rawHeaders: ['x-env', 'preprod'] }, false],
]);

table('v2 Query (key=value pairs, all must match, first value only)', [
  ['Query(`a=1`)', { rawQuery: 'a=1' }, true],
  ['Query(`a=1`)', { rawQuery: 'a=2&a=1' }, false],
  ['Query(`a=1`, `b=2`)', { rawQuery: 'b=2&a=1' }, true],
  ['Query(`a=1`, `b=2`)', { rawQuery: 'a=1' }, false],
  ['Query(`a=`)', { rawQuery: 'a=anything' }, true],
  ['Query(`a=`)', { rawQuery: 'b=1' }, false],
  ['Query(`id={id:[0-9]+}`)', { rawQuery: 'id=42' }, true],
  ['Query(`id={id:[0-9]+}`)', { rawQuery: 'id=4x' }, false],
  ['Query(`q=a b`)', { rawQuery: 'q=a+b' }, true],
]);

table('v2 ClientIP (several: OR)', [
  ['ClientIP(`10.0.0.0/8`, `192.168.0.1`)', { clientIp: '192.168.0.1' }, true],
  ['ClientIP(`10.0.0.0/8`, `192.168.0.1`)', { clientIp: '192.168.0.2' }, false],
]);
