/** @module Scalar coercion: a store value (always text) to the JS value its field declares. */

import { parseDuration } from './duration.ts';
import { KeyCode } from './key-codes.ts';

export type ScalarKind = 'string' | 'bool' | 'int' | 'duration';

export type Coerced = { ok: true; value: unknown } | { ok: false; code: string; expected: string };

interface ScalarParser {
  readonly code: string;
  /** What the user should have written; goes into the error message. */
  readonly expected: string;
  readonly parse: (text: string) => unknown;
}

/** Go's `strconv.ParseBool` set, exactly: `yes`/`on` are errors in Traefik, so they are here. */
const booleans: ReadonlyMap<string, boolean> = new Map([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((text) => [text, true] as const),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((text) => [text, false] as const),
]);

const decimalInteger = /^[-+]?\d+$/;

function parseInteger(text: string): number | undefined {
  if (!decimalInteger.test(text)) return undefined;
  const value = Number(text);
  // int64 values past 2^53 would silently lose precision: refuse them instead.
  return Number.isSafeInteger(value) ? value : undefined;
}

const parsers: Readonly<Record<ScalarKind, ScalarParser>> = {
  string: { code: KeyCode.invalid, expected: 'a string', parse: (text) => text },
  bool: {
    code: KeyCode.badBool,
    expected: 'a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)',
    parse: (text) => booleans.get(text),
  },
  int: { code: KeyCode.badInt, expected: 'a base-10 integer', parse: parseInteger },
  duration: {
    code: KeyCode.badDuration,
    expected: 'a duration: whole seconds (10) or Go syntax (100ms, 1m30s, 1.5h, 300us)',
    parse: parseDuration,
  },
};

export function coerceScalar(kind: ScalarKind, text: string): Coerced {
  const parser = parsers[kind];
  const value = parser.parse(text);
  return value === undefined
    ? { ok: false, code: parser.code, expected: parser.expected }
    : { ok: true, value };
}
