/**
 * @module rateLimit: a token bucket per source (`sourceCriterion`; the peer's address by default)
 * refilled at `average` per `period` and holding `burst` tokens. A request that finds no token
 * waits for the next one when that is at most Traefik's maxDelay away (1/(2·rate), 500 ms below
 * 1 req/s), else gets 429 with Retry-After and X-Retry-In. `average: 0` turns the limit off.
 *
 * Scope: node-wide across every worker thread through the shared TokenTable (buckets keyed by
 * middleware name, options and source, so they also survive configuration changes that leave the
 * middleware alone); cluster-wide through Redis when `redis` is set (redis-limiter.ts).
 */
import { writerOf, type RequestContext } from '../proxy/request-context.ts';
import { sendError } from '../proxy/error-responses.ts';
import { goDuration } from './go-duration.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { RedisLimiter } from './redis-limiter.ts';
import { sourceCriterion } from './source-criterion.ts';

export const rateLimit = defineMiddleware<MiddlewareOptions<'rateLimit'>>({
  compile(options, key) {
    const average = options.average ?? 0;
    if (average < 0) throw new MiddlewareConfigError('average cannot be negative', key('average'));
    if (options.period < 0) throw new MiddlewareConfigError('period cannot be negative', key('period'));
    const periodMs = options.period === 0 ? 1_000 : options.period;
    const burst = Math.max(1, options.burst);
    const sourceOf = sourceCriterion(options.sourceCriterion, key('sourceCriterion'));
    if (average === 0) return (next) => next;
    const perSecond = (average * 1_000) / periodMs;
    const maxDelayMs = perSecond < 1 ? 500 : 1_000 / (Math.trunc(perSecond) * 2);
    const ttlSeconds = 1 + (perSecond >= 1 ? 1 : Math.trunc(1 / perSecond));
    const redis = options.redis;
    if (redis !== undefined) {
      for (const [i, endpoint] of (redis.endpoints ?? []).entries()) {
        if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d+$/.test(endpoint)) throw new MiddlewareConfigError(`expected host:port, got ${JSON.stringify(endpoint)}`, key(`redis/endpoints/${i}`));
      }
      return (next, context) => {
        const limiter = context.keep('redis', () => new RedisLimiter(redis, () => {}));
        return (ctx) => {
          limiter.allow(sourceOf(ctx), perSecond, burst, ttlSeconds, maxDelayMs).then(
            ({ ok, delayMs }) => admit(ctx, next, ok, delayMs),
            () => sendError(writerOf(ctx), 500, 'could not insert/update bucket'),
          );
        };
      };
    }
    const ratePerMs = perSecond / 1_000;
    return (next, context) => {
      const prefix = `${context.name}\n${context.fingerprint}\n`;
      const tokens = context.tokens;
      return (ctx) => {
        const { ok, delayMs } = tokens.take(prefix + sourceOf(ctx), ratePerMs, burst, maxDelayMs);
        admit(ctx, next, ok, delayMs);
      };
    };
  },
});

function admit(ctx: RequestContext, next: (ctx: RequestContext) => void, ok: boolean, delayMs: number): void {
  if (!ok) {
    const body = 'Too Many Requests';
    writerOf(ctx).writeHead(429, undefined, [
      'retry-after', String(Math.ceil(delayMs / 1_000)),
      'x-retry-in', goDuration(delayMs),
      'content-type', 'text/plain; charset=utf-8',
      'content-length', String(body.length),
    ]);
    writerOf(ctx).end(body);
  } else if (delayMs > 0) {
    setTimeout(() => {
      if (!ctx.res.destroyed) next(ctx);
    }, delayMs);
  } else {
    next(ctx);
  }
}
