/**
 * @module inFlightReq: at most `amount` requests per source (`sourceCriterion`, the peer's address
 * by default) being served at once; one more gets 429. A request counts until its answer is
 * finished or its connection closes.
 *
 * Scope: per worker thread, with the amount split evenly (rounded up) across the node's threads.
 * Connections are handed to the least busy thread, so the node-wide ceiling stays close to
 * `amount`; counts cannot live in shared memory safely, since a thread that dies would leave its
 * requests counted for ever. With `--workers=1` the limit is Traefik's exactly.
 */
import { writerOf } from '../proxy/request-context.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { sourceCriterion } from './source-criterion.ts';

export const inFlightReq = defineMiddleware<MiddlewareOptions<'inFlightReq'>>({
  compile(options, key) {
    const amount = options.amount ?? 0;
    if (amount <= 0) throw new MiddlewareConfigError(`amount must be at least 1, got ${amount}`, key('amount'));
    const sourceOf = sourceCriterion(options.sourceCriterion, key('sourceCriterion'));
    return (next, context) => {
      const limit = Math.max(1, Math.ceil(amount / context.threads));
      const counts = context.keep('counts', () => new Map<string, number>());
      return (ctx) => {
        const source = sourceOf(ctx);
        const current = counts.get(source) ?? 0;
        if (current >= limit) {
          const body = 'Too Many Requests';
          writerOf(ctx).writeHead(429, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]);
          writerOf(ctx).end(body);
          return;
        }
        counts.set(source, current + 1);
        ctx.res.once('close', () => {
          const left = (counts.get(source) ?? 1) - 1;
          if (left <= 0) counts.delete(source);
          else counts.set(source, left);
        });
        next(ctx);
      };
    };
  },
});
