/**
 * @module circuitBreaker: watches the answers of what it wraps and, once `expression` holds
 * (checked at most every `checkPeriod`), trips: for `fallbackDuration` every request gets
 * `responseCode` (default 503) without reaching the service. It then recovers over
 * `recoveryDuration`, letting a growing share of requests through (oxy's ratio: up to half by the
 * end); the condition holding again trips it at once, and a recovery that runs its course closes it.
 *
 * Scope: per worker thread — each thread watches its own traffic and trips on its own (a node of
 * N threads is N breakers seeing 1/N of the requests each). State is kept across configuration
 * changes that leave the middleware alone.
 */
import { STATUS_CODES } from 'node:http';
import { writerOf, type ResponseWriter } from '../proxy/request-context.ts';
import { parseCondition, type Condition } from './breaker-expression.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { ResponseInterceptor } from './response-interceptor.ts';
import { RollingMetrics } from './rolling-metrics.ts';

type State = 'standby' | 'tripped' | 'recovering';

export interface BreakerTimes {
  readonly checkPeriodMs: number;
  readonly fallbackMs: number;
  readonly recoveryMs: number;
}

/** The breaker's state machine, apart from HTTP (tests drive it with their own clock). */
export class Breaker {
  readonly metrics = new RollingMetrics();
  readonly #condition: Condition;
  readonly #times: BreakerTimes;
  #state: State = 'standby';
  #until = 0;
  #nextCheck = 0;
  #recoveryStart = 0;
  #allowed = 0;
  #denied = 0;

  constructor(condition: Condition, times: BreakerTimes) {
    this.#condition = condition;
    this.#times = times;
  }

  get state(): State {
    return this.#state;
  }

  /** True when this request must get the fallback answer. */
  fallback(now = performance.now()): boolean {
    if (this.#state === 'standby') return false;
    if (this.#state === 'tripped') {
      if (now < this.#until) return true;
      this.#state = 'recovering';
      this.#until = now + this.#times.recoveryMs;
      this.#recoveryStart = now;
      this.#allowed = 0;
      this.#denied = 0;
    }
    if (now > this.#until) {
      this.#state = 'standby';
      return false;
    }
    const target = (0.5 * (now - this.#recoveryStart)) / this.#times.recoveryMs;
    if ((this.#allowed + 1) / (this.#allowed + 1 + this.#denied) < target) {
      this.#allowed++;
      return false;
    }
    this.#denied++;
    return true;
  }

  /** One finished exchange; may trip the breaker. */
  record(status: number, latencyMs: number, now = performance.now()): void {
    this.metrics.record(status, latencyMs, now);
    if (now < this.#nextCheck) return;
    this.#nextCheck = now + this.#times.checkPeriodMs;
    if (this.#state === 'tripped' || !this.#condition(this.metrics)) return;
    this.#state = 'tripped';
    this.#until = now + this.#times.fallbackMs;
    this.metrics.reset();
  }
}

export const circuitBreaker = defineMiddleware<MiddlewareOptions<'circuitBreaker'>>({
  compile(options, key) {
    if (options.expression === undefined || options.expression.trim() === '') throw new MiddlewareConfigError('expression is required', key('expression'));
    let condition: Condition;
    try {
      condition = parseCondition(options.expression);
    } catch (error) {
      throw new MiddlewareConfigError((error as Error).message, key('expression'));
    }
    const code = options.responseCode;
    if (code < 100 || code > 599) throw new MiddlewareConfigError(`invalid HTTP status code ${code}`, key('responseCode'));
    const text = STATUS_CODES[code] ?? '';
    const times: BreakerTimes = { checkPeriodMs: options.checkPeriod, fallbackMs: options.fallbackDuration, recoveryMs: options.recoveryDuration };
    return (next, context) => {
      const breaker = context.keep('breaker', () => new Breaker(condition, times));
      return (ctx) => {
        if (breaker.fallback()) {
          writerOf(ctx).writeHead(code, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(text))]);
          writerOf(ctx).end(text);
          return;
        }
        ctx.out = new BreakerWriter(writerOf(ctx), breaker, performance.now());
        next(ctx);
      };
    };
  },
});

class BreakerWriter extends ResponseInterceptor {
  readonly #breaker: Breaker;
  readonly #started: number;
  #status = 0;
  #recorded = false;

  constructor(inner: ResponseWriter, breaker: Breaker, started: number) {
    super(inner);
    this.#breaker = breaker;
    this.#started = started;
  }

  override writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    this.#status = statusCode;
    return super.writeHead(statusCode, statusMessage, headers);
  }

  override end(chunk?: Buffer | string): unknown {
    this.#record();
    return super.end(chunk);
  }

  override destroy(error?: Error): unknown {
    this.#record();
    return super.destroy(error);
  }

  #record(): void {
    if (this.#recorded) return;
    this.#recorded = true;
    this.#breaker.record(this.#status === 0 ? 502 : this.#status, performance.now() - this.#started);
  }
}
