/**
 * @module chain: a named list of middlewares applied in order, as if the router listed them. The
 * control plane checks that each exists and that no chain contains itself.
 */
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';

export const chain = defineMiddleware<MiddlewareOptions<'chain'>>({
  compile(options, key) {
    const names = options.middlewares ?? [];
    if (names.length === 0) throw new MiddlewareConfigError('a chain needs at least one middleware', key('middlewares'));
    return (next, context) => {
      let handler = next;
      for (let i = names.length - 1; i >= 0; i--) handler = context.middleware(names[i]!, handler);
      return handler;
    };
  },
  references: (options) => ({ middlewares: options.middlewares ?? [] }),
});
