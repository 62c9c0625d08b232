/**
 * @module The routing path Path, PathPrefix and PathRegexp compare against, computed the way a
 * Traefik v3 entry point does with its default `sanitizePath: true`.
 *
 * What Traefik does (traefik/traefik `pkg/server/server_entrypoint_tcp.go`, v3.x; learnt from
 * the source, this is our own code), in order:
 *   1. Go's url parsing rejects malformed `%` escapes (400); `denyFragment` rejects a raw `#`.
 *   2. `normalizePath` decodes escapes of unreserved characters (ALPHA DIGIT `-._~`, RFC 3986 §2.3)
 *      and uppercases the others, so `/%61dmin` is `/admin` and `%2e` is a dot.
 *   3. `sanitizePath` calls `URL.JoinPath()`: Go's `path.Clean` on the escaped path (`.` and `..`
 *      resolved, repeated slashes collapsed) keeping a trailing slash.
 *   4. `routingPath` decodes every escape except the reserved ones (gen-delims, sub-delims and
 *      `%`), so `PathPrefix(`/foo bar`)` matches `/foo%20bar` but `/a/b` never matches `/a%2Fb`.
 * A Go quirk is kept: when the raw path holds a character Go's URL writer would escape (`{`, a
 * quote, a raw non-ASCII byte…), `EscapedPath()` re-encodes the *decoded* path, so reserved escapes
 * are decoded too (`/a%2Fb{` routes as `/a/b{`) while `!'()*[]` come out escaped.
 */
import { decodeUtf8Strictly } from './byte-string.ts';

/**
 * `rawPath` is the request target before `?`, one char per byte as Node gives it. Returns null
 * when Traefik would answer 400 (bad escape, raw `#`) or the path does not start with `/`.
 */
export function routingPath(rawPath: string): string | null {
  if (rawPath.charCodeAt(0) !== SLASH) return null;
  if (isAlreadyClean(rawPath)) return rawPath;
  if (rawPath.includes('#')) return null;
  let escaped: string | null;
  if (isValidEncoding(rawPath)) escaped = normalizeEscapes(rawPath);
  else {
    const decoded = decodeAll(rawPath);
    escaped = decoded === null ? null : goEscapePath(decoded);
  }
  if (escaped === null) return null;
  return decodeUnreserved(joinPathClean(escaped));
}

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;

/** Bytes a path may hold raw (Go's `validEncoded`): unreserved, sub-delims, `:@/[]`. */
const RAW_OK = charTable("-._~!$&'()*+,;=:@/[]");

/** Whether a byte may stand raw in an escaped path (Go's `validEncoded`, `%` aside). */
export function isRawPathByte(byte: number): boolean {
  return byte < 128 && RAW_OK[byte] === 1;
}
/** RFC 3986 §2.3: escapes of these are decoded before cleaning, so `%2e%2e` is a `..` segment. */
const UNRESERVED = charTable('-._~');
/** Bytes Go's path escaper leaves alone (`shouldEscape(c, encodePath)` is false). */
const ESCAPE_FREE = charTable("-._~$&+,/:;=@");
/** Escapes `routingPath` keeps encoded: RFC 3986 reserved characters plus `%`. */
const RESERVED = new Set([...":/?#[]@!$&'()*+,;="].map((c) => c.charCodeAt(0)).concat(PERCENT));

function charTable(extra: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if (/[A-Za-z0-9]/.test(ch) || extra.includes(ch)) table[c] = 1;
  }
  return table;
}

function isUnreserved(byte: number): boolean {
  return byte < 128 && UNRESERVED[byte] === 1;
}

/** The common case, answered without allocating: no escapes, no dot segment, no `//`. */
function isAlreadyClean(path: string): boolean {
  let previous = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || RAW_OK[c] !== 1) return false;
    if (previous === SLASH && (c === SLASH || c === DOT)) return false;
    previous = c;
  }
  return true;
}

function isValidEncoding(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c !== PERCENT && (c >= 128 || RAW_OK[c] !== 1)) return false;
  }
  return true;
}

function hexAt(path: string, i: number): number {
  const hex = path.slice(i + 1, i + 3);
  return /^[0-9A-Fa-f]{2}$/.test(hex) ? parseInt(hex, 16) : -1;
}

function percent(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Step 2: unreserved escapes decoded, the rest uppercased; null on a malformed escape. */
function normalizeEscapes(path: string): string | null {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) !== PERCENT) {
      out += path[i];
      continue;
    }
    const byte = hexAt(path, i);
    if (byte < 0) return null;
    out += isUnreserved(byte) ? String.fromCharCode(byte) : percent(byte);
    i += 2;
  }
  return out;
}

/** Go's `URL.Path`: every escape decoded, one char per byte; null on a malformed escape. */
function decodeAll(path: string): string | null {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0xff) out += Buffer.from(path[i]!, 'utf8').toString('latin1');
    else if (c !== PERCENT) out += path[i];
    else {
      const byte = hexAt(path, i);
      if (byte < 0) return null;
      out += String.fromCharCode(byte);
      i += 2;
    }
  }
  return out;
}

/** Go's `escape(path, encodePath)`. */
function goEscapePath(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    out += c < 128 && ESCAPE_FREE[c] === 1 ? bytes[i] : percent(c);
  }
  return out;
}

/** Step 3: `path.Clean` on a rooted path, then `JoinPath`'s trailing-slash rule. */
function joinPathClean(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const cleaned = `/${segments.join('/')}`;
  return path.endsWith('/') && !cleaned.endsWith('/') ? `${cleaned}/` : cleaned;
}

/** Step 4, with the decoded bytes read as UTF-8; bytes that are not valid UTF-8 stay escaped. */
function decodeUnreserved(path: string): string {
  let out = '';
  const pending: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const byte = path.charCodeAt(i) === PERCENT ? hexAt(path, i) : -1;
    if (byte >= 0 && !RESERVED.has(byte)) {
      pending.push(byte);
      i += 2;
      continue;
    }
    out += utf8OrEscaped(pending);
    pending.length = 0;
    if (byte < 0) {
      out += path[i];
    } else {
      out += path.slice(i, i + 3);
      i += 2;
    }
  }
  return out + utf8OrEscaped(pending);
}

function utf8OrEscaped(bytes: readonly number[]): string {
  if (bytes.length === 0) return '';
  const whole = decodeUtf8Strictly(Uint8Array.from(bytes));
  if (whole !== undefined) return whole;
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes[i]!);
    const char = length === 0 ? undefined : decodeUtf8Strictly(Uint8Array.from(bytes.slice(i, i + length)));
    if (char !== undefined && length > 0) {
      out += char;
      i += length;
    } else {
      out += percent(bytes[i]!);
      i++;
    }
  }
  return out;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
