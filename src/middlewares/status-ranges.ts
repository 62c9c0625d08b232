/**
 * @module Traefik's HTTP status ranges (`500-599`, `404`, `400,500-599` as list entries): parsed
 * once, checked per answer with integer comparisons.
 */
import { MiddlewareConfigError } from './middleware.ts';

export type StatusRanges = readonly (readonly [number, number])[];

export function parseStatusRanges(entries: readonly string[], key: string): StatusRanges {
  const ranges: (readonly [number, number])[] = [];
  for (const [i, entry] of entries.entries()) {
    for (const part of entry.split(',')) {
      const text = part.trim();
      const range = parseStatusRange(text);
      if (range === undefined) throw new MiddlewareConfigError(`expected an HTTP status or range such as 500-599, got ${JSON.stringify(text)}`, `${key}/${i}`);
      ranges.push(range);
    }
  }
  return ranges;
}

/** One status (`404`) or range (`500-599`) of 100–599; undefined when it is neither. */
export function parseStatusRange(text: string): readonly [number, number] | undefined {
  const m = /^(\d{3})(?:-(\d{3}))?$/.exec(text);
  if (m === null) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from < 100 || to > 599 || to < from ? undefined : [from, to];
}

export function inRanges(ranges: StatusRanges, status: number): boolean {
  for (const [from, to] of ranges) if (status >= from && status <= to) return true;
  return false;
}
