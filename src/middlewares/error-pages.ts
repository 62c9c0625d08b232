/**
 * @module errors: when the answer's status is in `status` (`500-599`, `404`…), the client gets
 * instead the page `service` serves for `query` (`{status}` becomes the code, `{url}` the escaped
 * original URL), fetched with GET and the original request's headers, under the original status.
 */
import { STATUS_CODES } from 'node:http';
import { writerOf, type RequestContext, type ResponseWriter } from '../proxy/request-context.ts';
import type { ServiceHandler } from '../proxy/service-handlers.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { editableHeaders } from './request-headers.ts';
import { removeHeader } from '../proxy/header-list.ts';
import { inRanges, parseStatusRanges, type StatusRanges } from './status-ranges.ts';
import { ResponseInterceptor } from './response-interceptor.ts';

export const errorPages = defineMiddleware<MiddlewareOptions<'errors'>>({
  compile(options, key) {
    const ranges = parseStatusRanges(options.status ?? [], key('status'));
    if (ranges.length === 0) throw new MiddlewareConfigError('at least one status range is needed', key('status'));
    if (options.service === undefined || options.service === '') throw new MiddlewareConfigError('service is required', key('service'));
    const query = options.query ?? '/';
    const rewrites = new Map<number, number>();
    for (const [from, to] of Object.entries(options.statusRewrites ?? {})) {
      for (const [a, b] of parseStatusRanges([from], key(`statusRewrites/${from}`))) for (let s = a; s <= b; s++) rewrites.set(s, to);
    }
    const serviceName = options.service;
    return (next, context) => {
      const service = context.service(serviceName);
      return (ctx) => {
        ctx.out = new ErrorPageWriter(writerOf(ctx), ctx, ranges, service, query, rewrites);
        next(ctx);
      };
    };
  },
  references: (options) => ({ services: options.service === undefined ? [] : [options.service] }),
});

class ErrorPageWriter extends ResponseInterceptor {
  readonly #ctx: RequestContext;
  readonly #ranges: StatusRanges;
  readonly #service: ServiceHandler;
  readonly #query: string;
  readonly #rewrites: ReadonlyMap<number, number>;
  #swallowing = false;

  constructor(inner: ResponseWriter, ctx: RequestContext, ranges: StatusRanges, service: ServiceHandler, query: string, rewrites: ReadonlyMap<number, number>) {
    super(inner);
    this.#ctx = ctx;
    this.#ranges = ranges;
    this.#service = service;
    this.#query = query;
    this.#rewrites = rewrites;
  }

  override get headersSent(): boolean {
    return this.#swallowing || this.inner.headersSent;
  }

  override writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    if (!inRanges(this.#ranges, statusCode)) return super.writeHead(statusCode, statusMessage, headers);
    this.#swallowing = true;
    this.#fetchPage(statusCode);
    return this;
  }

  override flushHeaders(): void {
    if (!this.#swallowing) super.flushHeaders();
  }

  override write(chunk: Buffer | string): boolean {
    return this.#swallowing ? true : super.write(chunk);
  }

  override end(chunk?: Buffer | string): unknown {
    return this.#swallowing ? this : super.end(chunk);
  }

  override destroy(error?: Error): unknown {
    return this.#swallowing ? this : super.destroy(error);
  }

  #fetchPage(status: number): void {
    const ctx = this.#ctx;
    const original = `${ctx.tls ? 'https' : 'http'}://${ctx.req.headers.host ?? ctx.host}${ctx.path}${ctx.search}`;
    const target = this.#query.replaceAll('{status}', String(status)).replaceAll('{originalStatus}', String(status)).replaceAll('{url}', encodeURIComponent(original).replaceAll('%20', '+'));
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const rawQuery = q === -1 ? '' : target.slice(q + 1);
    const headers = [...editableHeaders(ctx)];
    removeHeader(headers, 'content-length');
    removeHeader(headers, 'transfer-encoding');
    const finalStatus = this.#rewrites.get(status) ?? status;
    const page: RequestContext = {
      ...ctx,
      method: 'GET',
      path: path.startsWith('/') ? path : `/${path}`,
      rawQuery,
      search: q === -1 ? '' : `?${rawQuery}`,
      editedHeaders: headers,
      body: null,
      out: new StatusOverride(this.inner, finalStatus),
      upstreamError: undefined,
    };
    this.#service.handle(page);
  }
}

/** Writes the error page under the original (or rewritten) status. */
class StatusOverride extends ResponseInterceptor {
  readonly #status: number;

  constructor(inner: ResponseWriter, status: number) {
    super(inner);
    this.#status = status;
  }

  override writeHead(_statusCode: number, _statusMessage: string | undefined, headers: string[]): unknown {
    return this.inner.writeHead(this.#status, STATUS_CODES[this.#status], headers);
  }
}

