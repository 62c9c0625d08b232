/**
 * @module Request paths as Go's `net/http` treats them: percent-decoded to bytes (so `%2F` becomes
 * `/` and invalid UTF-8 survives as U+FFFD rather than failing), and cleaned the way `ServeMux`
 * cleans them before routing — a path that changes gets a 301 instead of reaching Consul.
 */

/** Go's URL.Path; undefined for a malformed escape (Go's server answers 400). */
export function decodePath(raw: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charCodeAt(i);
    if (char !== 0x25) {
      bytes.push(...Buffer.from(raw[i] ?? ''));
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** net/http's cleanPath: path.Clean, keeping a trailing slash. Keys with `//`, a leading `/`, `.` or `..` segments change. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/') ? path : `/${path}`;
  const out: string[] = [];
  for (const segment of rooted.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const cleaned = `/${out.join('/')}`;
  return rooted.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/** The Location Go's redirect sends: the cleaned path re-escaped, with the original query. */
export function redirectLocation(cleaned: string, search: string): string {
  const escaped = cleaned.split('/').map((segment) => encodeURIComponent(segment)).join('/');
  return `${escaped}${search}`;
}
