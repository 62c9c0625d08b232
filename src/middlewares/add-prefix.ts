/** @module addPrefix: prepends `prefix` (given a leading slash if it lacks one) to the path. */
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';

export const addPrefix = defineMiddleware<MiddlewareOptions<'addPrefix'>>({
  compile(options, key) {
    const raw = options.prefix ?? '';
    if (raw === '') throw new MiddlewareConfigError('prefix cannot be empty', key('prefix'));
    const prefix = raw.startsWith('/') ? raw : `/${raw}`;
    return (next) => (ctx) => {
      ctx.path = prefix + ctx.path;
      next(ctx);
    };
  },
});
