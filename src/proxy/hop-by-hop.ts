/**
 * @module Hop-by-hop headers (RFC 9110 §7.6.1 and Go's httputil list, which Traefik uses): they
 * describe one connection and are never forwarded, nor is any header the Connection header names.
 */

export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName);
}

/** Extra header names listed in a Connection header value (`Connection: close, X-Foo`), lowercased. */
export function connectionListed(rawHeaders: readonly string[]): ReadonlySet<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const token of rawHeaders[i + 1]!.split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '' && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (listed ??= new Set()).add(t);
    }
  }
  return listed;
}
