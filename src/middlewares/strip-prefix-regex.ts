/**
 * @module stripPrefixRegex: the first regex (list order) whose match starts the path removes that
 * match, which goes to X-Forwarded-Prefix.
 */
import { regexpOption } from './go-regexp.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { addRequestHeader } from './request-headers.ts';
import { leadingSlash } from './strip-prefix.ts';

export const stripPrefixRegex = defineMiddleware<MiddlewareOptions<'stripPrefixRegex'>>({
  compile(options, key) {
    const list = options.regex ?? [];
    if (list.length === 0) throw new MiddlewareConfigError('at least one regex is needed', key('regex'));
    const regexes = list.map((r, i) => regexpOption(r.trim(), key(`regex/${i}`), MiddlewareConfigError));
    return (next) => (ctx) => {
      const path = ctx.path;
      for (const re of regexes) {
        const m = re.exec(path);
        if (m === null || m[0] === '' || !path.startsWith(m[0])) continue;
        ctx.path = leadingSlash(path.slice(m[0].length));
        addRequestHeader(ctx, 'X-Forwarded-Prefix', m[0]);
        break;
      }
      next(ctx);
    };
  },
});
