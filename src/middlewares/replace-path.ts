/** @module replacePath: the path becomes `path`; the original goes upstream in X-Replaced-Path. */
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { addRequestHeader } from './request-headers.ts';

export const replacePath = defineMiddleware<MiddlewareOptions<'replacePath'>>({
  compile(options, key) {
    const path = options.path;
    if (path === undefined) throw new MiddlewareConfigError('path is required', key('path'));
    return (next) => (ctx) => {
      addRequestHeader(ctx, 'X-Replaced-Path', ctx.path);
      ctx.path = path;
      next(ctx);
    };
  },
});
