/**
 * @module The path as it goes upstream. Routing works on a decoded path (rules/routing-path.ts:
 * escapes of everything but reserved characters decoded, so `PathPrefix(`/foo bar`)` matches
 * `/foo%20bar`), and middlewares edit that form. On the wire it must be a valid request target
 * again: every byte a path may not hold raw is escaped, as Go's `URL.EscapedPath()` does when
 * Traefik forwards a rewritten path. Without this a `%0d%0a` in the client's path became a raw
 * CR LF in the upstream request line: header injection and request splitting.
 */
import { isRawPathByte } from '../rules/routing-path.ts';

const PERCENT = 0x25;
/** Bytes the wire path keeps raw: those a path may hold, and `%` (only reserved escapes survive decoding). */
const keepsRaw = (byte: number): boolean => byte === PERCENT || isRawPathByte(byte);

const HEX = '0123456789ABCDEF';

export function wirePath(path: string): string {
  let i = 0;
  // The usual path has nothing to escape: no copy.
  while (i < path.length && keepsRaw(path.charCodeAt(i))) i++;
  if (i === path.length) return path;
  let out = path.slice(0, i);
  for (const byte of Buffer.from(path.slice(i), 'utf8')) {
    out += keepsRaw(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}
