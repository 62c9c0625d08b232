/**
 * @module ipAllowList (and its v2 name ipWhiteList): only clients whose address — chosen by
 * `ipStrategy` (peer address; or X-Forwarded-For `depth`; or right-most not in `excludedIPs`) — is
 * in `sourceRange` pass; the others get `rejectStatusCode` (default 403) with its status text.
 */
import { IpMatcher } from '../proxy/ip-matcher.ts';
import { STATUS_CODES } from 'node:http';
import { writerOf } from '../proxy/request-context.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { ipStrategy } from './source-criterion.ts';

type Options = MiddlewareOptions<'ipAllowList'> | MiddlewareOptions<'ipWhiteList'>;

export const ipAllowList = defineMiddleware<Options>({
  compile(options, key) {
    const ranges = options.sourceRange ?? [];
    if (ranges.length === 0) throw new MiddlewareConfigError('sourceRange is empty', key('sourceRange'));
    for (const [i, range] of ranges.entries()) {
      try {
        new IpMatcher([range]);
      } catch (error) {
        throw new MiddlewareConfigError((error as Error).message, key(`sourceRange/${i}`));
      }
    }
    const matcher = new IpMatcher(ranges);
    const status = 'rejectStatusCode' in options && options.rejectStatusCode !== 0 ? options.rejectStatusCode : 403;
    if (status < 100 || status > 599) throw new MiddlewareConfigError(`invalid HTTP status code ${status}`, key('rejectStatusCode'));
    const text = STATUS_CODES[status] ?? 'Forbidden';
    const body = Buffer.from(text);
    const sourceOf = ipStrategy(options.ipStrategy, key('ipStrategy'));
    return (next) => (ctx) => {
      const ip = sourceOf(ctx);
      if (ip !== '' && matcher.contains(ip)) {
        next(ctx);
        return;
      }
      const out = writerOf(ctx);
      out.writeHead(status, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]);
      out.end(body);
    };
  },
});

