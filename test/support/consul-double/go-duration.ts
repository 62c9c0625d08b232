/**
 * @module Go's `time.ParseDuration`, in nanoseconds, so `?wait=`, a session's `TTL` and its
 * `LockDelay` are read exactly as Consul reads them (`1m30s`, `500ms`, `1.5h`; a bare `0` only).
 */

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

const term = /(\d+(?:\.\d*)?|\.\d+)([^\d.]+)/y;

/** Nanoseconds, or undefined where Go would return an error (a unit is required except for `0`). */
export function parseGoDuration(text: string): number | undefined {
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
    const unit = unitNanoseconds.get(match[2] ?? '');
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
  }
  // Rounded because float sums leave 1100.0000000000002; Go works in integers.
  return sign * Math.round(total);
}

/** Go's `Duration.String()` for whole seconds and up (`24h0m0s`, `10s`), used in error messages. */
export function formatGoDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  if (nanoseconds < 1e9) return `${nanoseconds / 1e6}ms`;
  const seconds = nanoseconds / 1e9;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
