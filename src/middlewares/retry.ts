/**
 * @module retry: sends a request again, up to `attempts` times in all, when the upstream could not
 * be reached or failed before answering (a network error), or when it answered with one of
 * `status`; the client gets the first answer that is not retried, or the last attempt's. Waits
 * between attempts grow exponentially from `initialInterval` (Traefik's curve: the last wait is
 * about twice the first); `timeout` stops retrying once that much time has passed.
 *
 * Only idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) are ever replayed unless
 * `retryNonIdempotentMethod` is set: a POST or PATCH goes upstream once, whatever happens. A body
 * is read ahead up to `maxRequestBodyBytes` (default 2 MiB) so it can be replayed; a larger one is
 * sent once, unretried.
 */
import { readAhead, rejoin } from '../proxy/request-body.ts';
import { writerOf, type RequestContext, type ResponseWriter } from '../proxy/request-context.ts';
import { defineMiddleware, MiddlewareConfigError, type Handler, type MiddlewareOptions } from './middleware.ts';
import { DiscardingWriter } from './response-interceptor.ts';
import { inRanges, parseStatusRanges, type StatusRanges } from './status-ranges.ts';

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

interface Policy {
  readonly attempts: number;
  readonly status: StatusRanges;
  readonly networkErrors: boolean;
  readonly initialMs: number;
  readonly multiplier: number;
  readonly timeoutMs: number;
}

export const retry = defineMiddleware<MiddlewareOptions<'retry'>>({
  compile(options, key) {
    const attempts = options.attempts ?? 0;
    if (attempts <= 0) throw new MiddlewareConfigError(`incorrect (or empty) value for attempts (${attempts})`, key('attempts'));
    const status = parseStatusRanges(options.status ?? [], key('status'));
    const networkErrors = options.disableRetryOnNetworkError !== true;
    if (status.length === 0 && !networkErrors) throw new MiddlewareConfigError('retry needs status codes when disableRetryOnNetworkError is set', key('status'));
    const policy: Policy = {
      attempts,
      status,
      networkErrors,
      initialMs: options.initialInterval ?? 0,
      multiplier: attempts > 1 ? 2 ** (1 / (attempts - 1)) : 1,
      timeoutMs: options.timeout ?? 0,
    };
    const anyMethod = options.retryNonIdempotentMethod === true;
    const maxBody = options.maxRequestBodyBytes;
    if (attempts === 1) return (next) => next;
    return (next) => (ctx) => {
      if (!anyMethod && !IDEMPOTENT.has(ctx.method)) {
        next(ctx);
        return;
      }
      readAhead(ctx, maxBody).then((read) => {
        if (!read.complete) {
          ctx.body = rejoin(read.head, read.stream);
          next(ctx);
          return;
        }
        ctx.body = read.body;
        attempt(ctx, next, policy, writerOf(ctx), 1, performance.now());
      }, () => ctx.res.destroy());
    };
  },
});

function attempt(ctx: RequestContext, next: Handler, policy: Policy, base: ResponseWriter, n: number, startedAt: number): void {
  if (ctx.res.destroyed) return;
  ctx.upstreamError = undefined;
  ctx.retryAttempts = n - 1;
  if (n === policy.attempts) {
    ctx.out = base;
    next(ctx);
    return;
  }
  ctx.out = new RetryWriter(base, ctx, policy, startedAt, () => {
    const wait = policy.initialMs <= 0 ? 0 : policy.initialMs * policy.multiplier ** (n - 1) * (0.5 + Math.random());
    setTimeout(() => attempt(ctx, next, policy, base, n + 1, startedAt), wait);
  });
  next(ctx);
}

/** One attempt's writer: passes the answer on, or swallows it and starts the next attempt. */
class RetryWriter implements ResponseWriter {
  readonly #inner: ResponseWriter;
  readonly #ctx: RequestContext;
  readonly #policy: Policy;
  readonly #startedAt: number;
  readonly #again: () => void;
  #target: ResponseWriter | undefined;

  constructor(inner: ResponseWriter, ctx: RequestContext, policy: Policy, startedAt: number, again: () => void) {
    this.#inner = inner;
    this.#ctx = ctx;
    this.#policy = policy;
    this.#startedAt = startedAt;
    this.#again = again;
  }

  get headersSent(): boolean {
    return this.#target?.headersSent ?? false;
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    if (this.#target !== undefined) return this.#target.writeHead(statusCode, statusMessage, headers);
    const timedOut = this.#policy.timeoutMs > 0 && performance.now() - this.#startedAt >= this.#policy.timeoutMs;
    const retry = !timedOut && ((this.#policy.networkErrors && this.#ctx.upstreamError !== undefined) || inRanges(this.#policy.status, statusCode));
    this.#target = retry ? new DiscardingWriter() : this.#inner;
    if (retry) this.#again();
    return this.#target.writeHead(statusCode, statusMessage, headers);
  }

  flushHeaders(): void {
    this.#target?.flushHeaders();
  }

  write(chunk: Buffer | string): boolean {
    return this.#target === undefined ? true : this.#target.write(chunk);
  }

  end(chunk?: Buffer | string): unknown {
    return this.#target?.end(chunk);
  }

  destroy(error?: Error): unknown {
    return (this.#target ?? this.#inner).destroy(error);
  }

  once(event: 'drain', listener: () => void): unknown {
    (this.#target ?? this.#inner).once(event, listener);
    return this;
  }
}
