/**
 * @module Query lookups with Go's `url.ParseQuery` semantics, scanning the raw query for one key
 * instead of building a map per request: pairs split on `&` only (a pair holding `;` is dropped, as
 * Go ≥ 1.17 does), `+` and `%XX` decoded in keys and values, undecodable pairs skipped.
 */
import { byteStringToUnicode } from './byte-string.ts';

/** Calls `visit` with each decoded value of `key`, in order, until it returns true. */
export function someQueryValue(rawQuery: string, key: string, visit: (value: string) => boolean): boolean {
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    if (end > start && pairKeyIs(rawQuery, start, end, key)) {
      const equals = rawQuery.indexOf('=', start);
      const value = equals >= 0 && equals < end ? decodeComponent(rawQuery, equals + 1, end) : '';
      if (value !== undefined && visit(value)) return true;
    }
    start = end + 1;
  }
  return false;
}

/** The first decoded value of `key` (what gorilla/mux's query matcher looks at), if any. */
export function firstQueryValue(rawQuery: string, key: string): string | undefined {
  let first: string | undefined;
  someQueryValue(rawQuery, key, (value) => {
    first = value;
    return true;
  });
  return first;
}

function pairKeyIs(raw: string, start: number, end: number, key: string): boolean {
  const semicolon = raw.indexOf(';', start);
  if (semicolon >= 0 && semicolon < end) return false;
  let keyEnd = raw.indexOf('=', start);
  if (keyEnd < 0 || keyEnd > end) keyEnd = end;
  if (isPlain(raw, start, keyEnd)) return keyEnd - start === key.length && raw.startsWith(key, start);
  return decodeComponent(raw, start, keyEnd) === key;
}

function isPlain(raw: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 || c === 0x2b || c > 0x7f) return false;
  }
  return true;
}

/** Go's QueryUnescape on `raw[start, end)`; undefined when an escape is malformed. */
function decodeComponent(raw: string, start: number, end: number): string | undefined {
  if (start >= end) return '';
  if (isPlain(raw, start, end)) return raw.slice(start, end);
  let bytes = '';
  for (let i = start; i < end; i++) {
    const c = raw[i]!;
    if (c === '+') bytes += ' ';
    else if (c !== '%') bytes += c;
    else {
      const hex = raw.slice(i + 1, i + 3);
      if (i + 2 >= end || !/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    }
  }
  return byteStringToUnicode(bytes);
}
