/** @module Go's time.Duration.String() for headers Traefik fills with it (X-Retry-In). */

export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)}µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`;
  let rest = ns / 1e9;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(rest)}s`;
}

function trim(value: number): string {
  return String(Number(value.toFixed(9)));
}
