/**
 * @module stripPrefix: removes the first listed prefix the path starts with (list order), keeps a
 * leading slash, and tells the upstream what was removed in X-Forwarded-Prefix (added, as Traefik).
 */
import { addRequestHeader } from './request-headers.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';

export const stripPrefix = defineMiddleware<MiddlewareOptions<'stripPrefix'>>({
  compile(options, key) {
    const prefixes = (options.prefixes ?? []).map((p) => p.trim());
    if (prefixes.length === 0) throw new MiddlewareConfigError('at least one prefix is needed', key('prefixes'));
    return (next) => (ctx) => {
      const path = ctx.path;
      for (const prefix of prefixes) {
        if (!path.startsWith(prefix)) continue;
        ctx.path = leadingSlash(path.slice(prefix.length));
        addRequestHeader(ctx, 'X-Forwarded-Prefix', prefix);
        break;
      }
      next(ctx);
    };
  },
});

/** The path sent upstream always starts with '/' (Go's RequestURI of an empty path is "/"). */
export function leadingSlash(path: string): string {
  return path === '' ? '/' : path.charCodeAt(0) === 47 ? path : `/${path}`;
}
