/**
 * @module replacePathRegex: when `regex` matches the path, every match is replaced by `replacement`
 * (Go template: `$1`, `${name}`) and the original path goes upstream in X-Replaced-Path. An empty
 * replacement leaves requests alone, as in Traefik.
 */
import { regexpOption } from './go-regexp.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { addRequestHeader } from './request-headers.ts';

export const replacePathRegex = defineMiddleware<MiddlewareOptions<'replacePathRegex'>>({
  compile(options, key) {
    if (options.regex === undefined) throw new MiddlewareConfigError('regex is required', key('regex'));
    const re = regexpOption(options.regex.trim(), key('regex'), MiddlewareConfigError);
    const replacement = options.replacement?.trim() ?? '';
    if (replacement === '') return (next) => next;
    return (next) => (ctx) => {
      if (re.test(ctx.path)) {
        addRequestHeader(ctx, 'X-Replaced-Path', ctx.path);
        ctx.path = re.replaceAll(ctx.path, replacement);
      }
      next(ctx);
    };
  },
});
