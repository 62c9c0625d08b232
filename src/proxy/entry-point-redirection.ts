/**
 * @module Entry-point-wide redirection (`--entryPoints.web.http.redirections.entryPoint.to=websecure`):
 * every plain request is sent to the same host and path on the target scheme and port, with
 * Traefik's codes: permanent → 301 for GET/HEAD, 308 otherwise; temporary → 302 / 307.
 */
import type { RequestContext } from './request-context.ts';
import type { EntryPointRedirection } from './data-plane.ts';

export function redirectTo(ctx: RequestContext, redirection: EntryPointRedirection): void {
  const defaultPort = redirection.scheme === 'https' ? 443 : 80;
  const hostHeader = ctx.req.headers.host ?? ctx.host;
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  const port = redirection.port === defaultPort ? '' : `:${redirection.port}`;
  const location = `${redirection.scheme}://${host}${port}${ctx.path}${ctx.search}`;
  const safe = ctx.method === 'GET' || ctx.method === 'HEAD';
  const status = redirection.permanent ? (safe ? 301 : 308) : safe ? 302 : 307;
  ctx.res.writeHead(status, ['location', location, 'content-length', '0']);
  ctx.res.end();
}
