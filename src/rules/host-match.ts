/**
 * @module Host comparison shared by both syntaxes, and the host keys the route table indexes on.
 * Traefik lowercases the rule host, compares it with the lowercased, port-less request host and
 * tolerates one trailing dot on either side; v3.7 adds `*.parent` (exactly one more label) and `*`.
 */

/** The request host as an index key: trailing dots removed (see `hostIndexKey`). */
export function requestHostKey(host: string): string {
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 0x2e) end--;
  return end === host.length ? host : host.slice(0, end);
}

/**
 * The key a rule host is indexed under: `a.example.com`, or `*.example.com` for a wildcard.
 * Stripping every trailing dot on both sides is coarser than the matcher (one dot), so a request the
 * matcher accepts always finds the rule under its key; the matcher still decides.
 */
export function hostIndexKey(ruleHost: string): string {
  return ruleHost.startsWith('*.') ? `*.${requestHostKey(ruleHost.slice(2))}` : requestHostKey(ruleHost);
}

/** Traefik's exact comparison; `ruleHost` is already lowercase. */
export function hostEquals(requestHost: string, ruleHost: string): boolean {
  if (requestHost === ruleHost) return true;
  const r = requestHost.length;
  const h = ruleHost.length;
  if (h === r + 1 && ruleHost.charCodeAt(h - 1) === 0x2e) return ruleHost.startsWith(requestHost);
  if (r === h + 1 && requestHost.charCodeAt(r - 1) === 0x2e) return requestHost.startsWith(ruleHost);
  return false;
}

/** `*.parent`: the request host is one non-empty label followed by `.parent` (trailing dots ignored). */
export function hostMatchesWildcard(requestHost: string, parent: string): boolean {
  const host = requestHostKey(requestHost);
  const labelLength = host.length - parent.length - 1;
  if (labelLength < 1 || !host.endsWith(parent) || host.charCodeAt(labelLength) !== 0x2e) return false;
  return host.lastIndexOf('.', labelLength - 1) < 0;
}

/** Builds the predicate for one rule host (lowercased ASCII); `*` and `*.x` only when wildcards apply. */
export function hostPredicate(ruleHost: string, wildcards: boolean): (requestHost: string) => boolean {
  if (wildcards && ruleHost === '*') return (host) => host.length > 0;
  if (wildcards && ruleHost.startsWith('*.')) {
    const parent = requestHostKey(ruleHost.slice(2));
    return (host) => hostMatchesWildcard(host, parent);
  }
  return (host) => host.length > 0 && hostEquals(host, ruleHost);
}
