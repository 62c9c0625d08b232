/**
 * @module Header lookups straight on Node's flat `rawHeaders`, without building a header map per
 * request. Go canonicalises header names, so lookups ignore ASCII case; Go also moves `Host` out of
 * the header map and rejects requests whose header names are not tokens.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The lowercase name to scan for, or undefined when Go could never find it: a name that is not an
 * HTTP token, or `Host` (Go serves it as `req.Host`, never in `req.Header`).
 */
export function headerLookupName(name: string): string | undefined {
  if (!TOKEN.test(name)) return undefined;
  const lower = name.toLowerCase();
  return lower === 'host' ? undefined : lower;
}

/** True when some value line of header `lowerName` passes `test` (values as Node gives them). */
export function someHeaderValue(
  rawHeaders: readonly string[],
  lowerName: string,
  test: (value: string) => boolean,
): boolean {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (equalsLowercase(rawHeaders[i]!, lowerName) && test(rawHeaders[i + 1]!)) return true;
  }
  return false;
}

/** Compares without allocating: length first, then ASCII-case-folded code units. */
function equalsLowercase(candidate: string, lower: string): boolean {
  if (candidate.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = candidate.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
