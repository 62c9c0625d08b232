/** @module Shared by the config tests: decode a literal set of KV pairs and pick one object. */

import assert from 'node:assert/strict';
import { decodeKeyValues } from '../../src/config/decode.ts';
import type { Decoded, DecodeResult } from '../../src/config/dynamic.ts';

export type Pairs = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

export function decodePairs(pairs: Pairs, rootKey = 'traefik'): DecodeResult {
  return decodeKeyValues(Array.isArray(pairs) ? pairs : Object.entries(pairs), rootKey);
}

/** The object called `name`, failing the test when it was not decoded at all. */
export function pick<T>(objects: ReadonlyMap<string, Decoded<T>>, name: string): Decoded<T> {
  const decoded = objects.get(name);
  assert.ok(decoded !== undefined, `no object named ${name}; have ${[...objects.keys()].join(', ')}`);
  return decoded;
}

/** The object's validated value, failing the test with its errors when it has any. */
export function valid<T>(objects: ReadonlyMap<string, Decoded<T>>, name: string): T {
  const decoded = pick(objects, name);
  assert.deepEqual(decoded.errors, [], `${name} should decode without errors`);
  assert.ok(decoded.value !== undefined);
  return decoded.value;
}

/** Errors as `code key` pairs: tests assert on codes and keys, never on message wording. */
export function codesAndKeys(problems: ReadonlyArray<{ code: string; key?: string | undefined }>): string[] {
  return problems.map(({ code, key }) => `${code} ${key ?? ''}`);
}
