/**
 * @module What redirectScheme and redirectRegex share: the URL the client asked for, rebuilt as
 * Traefik does (scheme, Host header or absolute-form authority, path and query), and the redirect
 * answer with Traefik's codes — GET gets 302 (301 when permanent), every other method 307 (308),
 * so the method and body are kept.
 */
import { writerOf, type RequestContext } from '../proxy/request-context.ts';
import { GoRegexp } from './go-regexp.ts';

/** Traefik's uriRegexp: scheme, host (or [v6]), :port, rest; applied to an absolute-form target. */
export const ABSOLUTE_URI = new GoRegexp('^(https?):\\/\\/(\\[[\\w:.]+\\]|[\\w\\._-]+)?(:\\d+)?(.*)$');

export interface ClientUrl {
  scheme: string;
  host: string;
  /** ':port' or ''. */
  port: string;
  uri: string;
}

/** The parts of the URL the client used; `hostWithPort` keeps the Host header whole (redirectRegex). */
export function clientUrl(ctx: RequestContext): ClientUrl {
  let scheme = 'http';
  const hostHeader = ctx.req.headers.host ?? '';
  let host = hostHeader;
  let port = '';
  const colon = hostHeader.lastIndexOf(':');
  if (colon !== -1 && hostHeader.indexOf(']', colon) === -1 && /^\d*$/.test(hostHeader.slice(colon + 1))) {
    host = hostHeader.slice(0, colon);
    port = hostHeader.slice(colon);
  }
  const uri = ctx.path + ctx.search;
  const target = ctx.req.url ?? '';
  if (target.charCodeAt(0) !== 47) {
    const m = ABSOLUTE_URI.exec(target);
    if (m !== null) {
      scheme = m[1]!;
      if (m[2] !== undefined && m[2] !== '') host = m[2];
      if (m[3] !== undefined && m[3] !== '') port = m[3];
    }
  }
  if (ctx.tls) scheme = 'https';
  return { scheme, host, port, uri };
}

export function sendRedirect(ctx: RequestContext, location: string, permanent: boolean): void {
  const get = ctx.method === 'GET';
  const status = permanent ? (get ? 301 : 308) : get ? 302 : 307;
  const text = STATUS_TEXT[status]!;
  writerOf(ctx).writeHead(status, undefined, ['location', location, 'content-type', 'text/plain; charset=utf-8', 'content-length', String(text.length)]);
  writerOf(ctx).end(ctx.method === 'HEAD' ? undefined : text);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
};
