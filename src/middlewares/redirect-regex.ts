/**
 * @module redirectRegex: when `regex` matches the request URL (`scheme://host[:port]/path?query`),
 * the client is sent to the URL `replacement` makes of it (Go template: `$1`, `${name}`). A
 * replacement that yields the same URL passes the request through.
 */
import { regexpOption } from './go-regexp.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { clientUrl, sendRedirect } from './redirect.ts';

export const redirectRegex = defineMiddleware<MiddlewareOptions<'redirectRegex'>>({
  compile(options, key) {
    if (options.regex === undefined) throw new MiddlewareConfigError('regex is required', key('regex'));
    const re = regexpOption(options.regex, key('regex'), MiddlewareConfigError);
    const replacement = options.replacement ?? '';
    const permanent = options.permanent ?? false;
    return (next) => (ctx) => {
      const url = clientUrl(ctx);
      const before = `${url.scheme}://${url.host}${url.port}${url.uri}`;
      if (!re.test(before)) {
        next(ctx);
        return;
      }
      const after = re.replaceAll(before, replacement);
      if (after === before) next(ctx);
      else sendRedirect(ctx, after, permanent);
    };
  },
});
