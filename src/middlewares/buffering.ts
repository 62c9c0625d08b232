/**
 * @module buffering: reads the whole request body before it goes upstream, refusing one larger
 * than `maxRequestBodyBytes` with 413; holds the whole answer before it goes to the client,
 * replacing one larger than `maxResponseBodyBytes` with 500. Bodies are held in memory
 * (`mem*BodyBytes`, Traefik's threshold for spilling to disk, are accepted and ignored);
 * `retryExpression` is refused (use the retry middleware).
 */
import { sendError } from '../proxy/error-responses.ts';
import { headerValue, removeHeader } from '../proxy/header-list.ts';
import { readAhead } from '../proxy/request-body.ts';
import { writerOf, type ResponseWriter } from '../proxy/request-context.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';

export const buffering = defineMiddleware<MiddlewareOptions<'buffering'>>({
  compile(options, key) {
    if (options.retryExpression !== undefined && options.retryExpression !== '') {
      throw new MiddlewareConfigError('retryExpression is not supported; put a retry middleware before buffering instead', key('retryExpression'));
    }
    const maxRequest = options.maxRequestBodyBytes ?? 0;
    const maxResponse = options.maxResponseBodyBytes ?? 0;
    return (next) => (ctx) => {
      if (maxResponse > 0) ctx.out = new HoldingWriter(writerOf(ctx), maxResponse);
      if (maxRequest <= 0) {
        next(ctx);
        return;
      }
      const length = Number(ctx.req.headers['content-length'] ?? 0);
      if (length > maxRequest) {
        sendError(writerOf(ctx), 413);
        return;
      }
      readAhead(ctx, maxRequest).then((read) => {
        if (!read.complete) {
          sendError(writerOf(ctx), 413);
          return;
        }
        ctx.body = read.body;
        next(ctx);
      }, () => ctx.res.destroy());
    };
  },
});

/** Holds the whole answer; sends it with its length, or a 500 when it grew past the limit. */
class HoldingWriter implements ResponseWriter {
  readonly #inner: ResponseWriter;
  readonly #limit: number;
  #head: [number, string | undefined, string[]] | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  #overflow = false;

  constructor(inner: ResponseWriter, limit: number) {
    this.#inner = inner;
    this.#limit = limit;
  }

  get headersSent(): boolean {
    return this.#head !== undefined;
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    this.#head = [statusCode, statusMessage, headers];
    return this;
  }

  flushHeaders(): void {}

  write(chunk: Buffer | string): boolean {
    if (this.#overflow) return true;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#size += data.length;
    if (this.#size > this.#limit) {
      this.#overflow = true;
      this.#chunks = [];
    } else {
      this.#chunks.push(data);
    }
    return true;
  }

  end(chunk?: Buffer | string): unknown {
    if (chunk !== undefined) this.write(chunk);
    if (this.#overflow) {
      sendError(this.#inner, 500);
      return this;
    }
    const [status, message, headers] = this.#head ?? [200, undefined, []];
    const body = Buffer.concat(this.#chunks);
    if (headerValue(headers, 'transfer-encoding') !== undefined) removeHeader(headers, 'transfer-encoding');
    removeHeader(headers, 'content-length');
    headers.push('content-length', String(body.length));
    this.#inner.writeHead(status, message, headers);
    this.#inner.end(body);
    return this;
  }

  destroy(error?: Error): unknown {
    return this.#inner.destroy(error);
  }

  once(): unknown {
    return this;
  }
}
