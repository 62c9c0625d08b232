/**
 * @module redirectScheme: sends the client to the same host and path on `scheme` (and `port`, left
 * out when it is the scheme's default). A request already on that scheme and port passes through.
 * The current scheme comes from the connection or a trusted X-Forwarded-Proto, as in Traefik.
 */
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { clientUrl, sendRedirect } from './redirect.ts';
import { forwardedProto } from './request-headers.ts';

export const redirectScheme = defineMiddleware<MiddlewareOptions<'redirectScheme'>>({
  compile(options, key) {
    const scheme = options.scheme ?? '';
    if (scheme === '') throw new MiddlewareConfigError('you must provide a target scheme', key('scheme'));
    const wanted = options.port ?? '';
    if (wanted !== '' && !/^\d+$/.test(wanted)) throw new MiddlewareConfigError(`port must be a number, got ${JSON.stringify(wanted)}`, key('port'));
    const targetPort = wanted === '' || (scheme === 'http' && wanted === '80') || (scheme === 'https' && wanted === '443') ? '' : `:${wanted}`;
    const permanent = options.permanent ?? false;
    return (next) => (ctx) => {
      const url = clientUrl(ctx);
      url.scheme = forwardedProto(ctx);
      if ((url.scheme === 'http' && url.port === ':80') || (url.scheme === 'https' && url.port === ':443')) url.port = '';
      const before = `${url.scheme}://${url.host}${url.port}${url.uri}`;
      const after = `${scheme}://${url.host}${targetPort}${url.uri}`;
      if (before === after) next(ctx);
      else sendRedirect(ctx, after, permanent);
    };
  },
});
