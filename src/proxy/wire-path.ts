/**
 * @module The path as it goes upstream. Routing works on a decoded path (rules/routing-path.ts:
 * escapes of everything but reserved characters decoded, so `PathPrefix(`/foo bar`)` matches
 * `/foo%20bar`), and middlewares edit that form. On the wire it must be a valid request target
 * again: every byte a path may not hold raw is escaped, as Go's `URL.EscapedPath()` does when
 * Traefik forwards a rewritten path. Without this a `%0d%0a` in the client's path became a raw
 * CR LF in the upstream request line: header injection and request splitting.
 */

/** Bytes a path may hold raw: unreserved, sub-delims, `:@/[]`, and `%` (only reserved escapes survive decoding). */
const RAW_OK = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (/[A-Za-z0-9\-._~!$&'()*+,;=:@/[\]%]/.test(String.fromCharCode(c))) RAW_OK[c] = 1;

const HEX = '0123456789ABCDEF';

export function wirePath(path: string): string {
  let i = 0;
  // The usual path has nothing to escape: no copy.
  while (i < path.length) {
    const c = path.charCodeAt(i);
    if (c >= 128 || RAW_OK[c] !== 1) break;
    i++;
  }
  if (i === path.length) return path;
  let out = path.slice(0, i);
  for (const byte of Buffer.from(path.slice(i), 'utf8')) {
    out += byte < 128 && RAW_OK[byte] === 1 ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}
