import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodeResult } from '../../src/config/dynamic.ts';
import { decodePairs, valid, type Pairs } from './kv-fixture.ts';

interface Case {
  readonly description: string;
  readonly pairs: Pairs;
  readonly read: (result: DecodeResult) => unknown;
  readonly expected: unknown;
}

const server = { 'traefik/http/services/s/loadBalancer/servers/0/url': 'http://a' };
const lb = (result: DecodeResult) => valid(result.services, 's').loadBalancer;
const mw = (result: DecodeResult) => valid(result.middlewares, 'm');

/** Traefik's SetDefaults values (pkg/config/dynamic/*.go, v3.7), applied when the struct exists. */
const cases: Case[] = [
  { description: 'LB passHostHeader = true', pairs: server, read: (r) => lb(r)?.passHostHeader, expected: true },
  { description: 'LB strategy = wrr', pairs: server, read: (r) => lb(r)?.strategy, expected: 'wrr' },
  { description: 'LB responseForwarding.flushInterval = 100ms', pairs: server, read: (r) => lb(r)?.responseForwarding, expected: { flushInterval: 100 } },
  { description: 'LB server weight = 1', pairs: server, read: (r) => lb(r)?.servers?.[0]?.weight, expected: 1 },
  {
    description: 'LB healthCheck: mode http, interval 30s, timeout 5s, followRedirects true',
    pairs: { ...server, 'traefik/http/services/s/loadBalancer/healthCheck/path': '/health' },
    read: (r) => lb(r)?.healthCheck,
    expected: { path: '/health', mode: 'http', interval: 30_000, timeout: 5_000, followRedirects: true },
  },
  { description: 'no healthCheck keys, no healthCheck', pairs: server, read: (r) => lb(r)?.healthCheck, expected: undefined },
  {
    description: 'sticky cookie path = /',
    pairs: { ...server, 'traefik/http/services/s/loadBalancer/sticky/cookie/name': 'sid' },
    read: (r) => lb(r)?.sticky?.cookie,
    expected: { name: 'sid', path: '/' },
  },
  {
    description: 'WRR service weight = 1',
    pairs: { 'traefik/http/services/s/weighted/services/0/name': 'a' },
    read: (r) => valid(r.services, 's').weighted?.services,
    expected: [{ name: 'a', weight: 1 }],
  },
  {
    description: 'mirroring mirrorBody = true, maxBodySize = -1',
    pairs: { 'traefik/http/services/s/mirroring/service': 'main' },
    read: (r) => valid(r.services, 's').mirroring,
    expected: { service: 'main', mirrorBody: true, maxBodySize: -1, mirrors: [] },
  },
  {
    description: 'lists a consumer iterates default to empty (LB servers, weighted services)',
    pairs: {
      'traefik/http/services/s/loadBalancer/passHostHeader': 'true',
      'traefik/http/services/w/weighted/healthCheck': '',
    },
    read: (r) => [valid(r.services, 's').loadBalancer?.servers, valid(r.services, 'w').weighted?.services],
    expected: [[], []],
  },
  {
    description: 'rateLimit burst = 1, period = 1s',
    pairs: { 'traefik/http/middlewares/m/rateLimit/average': '100' },
    read: (r) => mw(r).rateLimit,
    expected: { average: 100, burst: 1, period: 1_000 },
  },
  {
    description: 'circuitBreaker checkPeriod 100ms, fallbackDuration 10s, recoveryDuration 10s, responseCode 503',
    pairs: { 'traefik/http/middlewares/m/circuitBreaker/expression': 'NetworkErrorRatio() > 0.5' },
    read: (r) => mw(r).circuitBreaker,
    expected: {
      expression: 'NetworkErrorRatio() > 0.5',
      checkPeriod: 100,
      fallbackDuration: 10_000,
      recoveryDuration: 10_000,
      responseCode: 503,
    },
  },
  {
    description: 'compress encodings gzip,br,zstd and minResponseBodyBytes 1024',
    pairs: { 'traefik/http/middlewares/m/compress': '' },
    read: (r) => mw(r).compress,
    expected: { encodings: ['gzip', 'br', 'zstd'], minResponseBodyBytes: 1024 },
  },
  {
    description: 'retry maxRequestBodyBytes = 2MiB',
    pairs: { 'traefik/http/middlewares/m/retry/attempts': '3' },
    read: (r) => mw(r).retry,
    expected: { attempts: 3, maxRequestBodyBytes: 2 * 1024 * 1024 },
  },
  {
    description: 'basicAuth realm = traefik',
    pairs: { 'traefik/http/middlewares/m/basicAuth/users/0': 'u:$apr1$x' },
    read: (r) => mw(r).basicAuth,
    expected: { users: ['u:$apr1$x'], realm: 'traefik' },
  },
  {
    description: 'ipAllowList rejectStatusCode = 403',
    pairs: { 'traefik/http/middlewares/m/ipAllowList/sourceRange/0': '10.0.0.0/8' },
    read: (r) => mw(r).ipAllowList,
    expected: { sourceRange: ['10.0.0.0/8'], rejectStatusCode: 403 },
  },
  {
    description: 'explicit values override defaults',
    pairs: {
      ...server,
      'traefik/http/services/s/loadBalancer/passHostHeader': 'false',
      'traefik/http/services/s/loadBalancer/strategy': 'p2c',
      'traefik/http/services/s/loadBalancer/responseForwarding/flushInterval': '-1',
    },
    read: (r) => [lb(r)?.passHostHeader, lb(r)?.strategy, lb(r)?.responseForwarding.flushInterval],
    expected: [false, 'p2c', -1_000],
  },
];

describe('decodeKeyValues: defaults', () => {
  for (const { description, pairs, read, expected } of cases) {
    it(description, () => {
      assert.deepEqual(read(decodePairs(pairs)), expected);
    });
  }
});
