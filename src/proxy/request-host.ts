/**
 * @module The routing host of a request: the Host header (or the authority of an absolute-form
 * target), lowercased, without port and without IPv6 brackets, as Traefik's Host matcher sees it.
 */

export function routingHost(hostHeader: string | undefined): string {
  if (hostHeader === undefined || hostHeader === '') return '';
  let host = hostHeader;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const end = host.indexOf(']');
    host = end === -1 ? host.slice(1) : host.slice(1, end);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  return host.toLowerCase();
}
