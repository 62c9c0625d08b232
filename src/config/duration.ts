/** @module Traefik's duration syntax (paerser `types.Duration`), read into milliseconds. */

/** Nanoseconds per unit, as Go's `time.ParseDuration` accepts them (both micro signs included). */
const unitNanoseconds: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['\u00b5s', 1e3],
  ['\u03bcs', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);

const integer = /^[-+]?\d+$/;
const term = /(\d+(?:\.\d*)?|\.\d+)([^\d.]*)/y;

/**
 * `10` → 10 000 (a bare integer is seconds, paerser's rule), `1m30s` → 90 000, `300us` → 0.3.
 * Returns undefined when the text is neither form.
 */
export function parseDuration(text: string): number | undefined {
  // `+ 0` turns the -0 of "-0" into 0, which strict equality and JSON treat alike anyway.
  if (integer.test(text)) return Number(text) * 1000 + 0;
  const nanoseconds = parseGoDuration(text);
  return nanoseconds === undefined ? undefined : nanoseconds / 1e6;
}

/** Go's `time.ParseDuration`, in nanoseconds (rounded: float sums would leave 1100.0000000000002). */
function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  term.lastIndex = 0;
  while (term.lastIndex < rest.length) {
    const match = term.exec(rest);
    if (match === null) return undefined;
    const perUnit = unitNanoseconds.get(match[2] ?? '');
    if (perUnit === undefined) return undefined;
    total += Number(match[1]) * perUnit;
  }
  return sign * Math.round(total) + 0;
}
