/** @module A RoutingRequest builder for rule tests: a plain GET / from 10.0.0.1 unless told otherwise. */
import type { RoutingRequest } from '../../src/rules/request.ts';

export function request(overrides: Partial<RoutingRequest> = {}): RoutingRequest {
  return {
    host: 'example.com',
    path: '/',
    method: 'GET',
    rawQuery: '',
    rawHeaders: [],
    clientIp: '10.0.0.1',
    ...overrides,
  };
}
