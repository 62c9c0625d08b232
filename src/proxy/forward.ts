/**
 * @module Sends one request to one upstream server through its undici Pool and streams the answer
 * back, both ways without buffering: the request body is piped in, response chunks are written as
 * they come with backpressure (the upstream is paused while the client socket is full).
 */
import type { Dispatcher } from 'undici';
import { connectionListed, isHopByHop } from './hop-by-hop.ts';
import { sendError, statusForUpstreamError } from './error-responses.ts';
import { upstreamHeaders } from './forwarded-headers.ts';
import type { RequestContext } from './request-context.ts';
import type { UpstreamServer } from './upstream-server.ts';

export function forward(ctx: RequestContext, server: UpstreamServer, passHostHeader: boolean): void {
  const { req } = ctx;
  ctx.serverUrl = server.url;
  const headers = upstreamHeaders(req.rawHeaders, {
    clientIp: ctx.clientIp,
    proto: ctx.tls ? 'https' : 'http',
    localPort: ctx.settings.localPort,
    hostOverride: passHostHeader ? undefined : server.host,
    keepUpgrade: false,
  }, ctx.settings.trust);
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  const handler = new ForwardHandler(ctx);
  server.pool.dispatch(
    {
      path: server.pathPrefix + ctx.path + ctx.search,
      method: req.method ?? 'GET',
      headers,
      body: hasBody ? req : null,
      // A client request must never be replayed by the pool on another connection on its own.
      idempotent: false,
      upgrade: null,
    },
    handler,
  );
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  readonly #ctx: RequestContext;
  #controller: Dispatcher.DispatchController | undefined;
  /** Headers written but not sent: they leave with the first body chunk, or alone (see onResponseStart). */
  #headersPending = false;

  constructor(ctx: RequestContext) {
    this.#ctx = ctx;
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) this.#controller?.abort(new Error('client closed the connection'));
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#ctx.res.destroyed) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, _headers: unknown, statusMessage?: string): void {
    // 1xx interim answers (100-continue was already handled by Node on our side) are not relayed.
    if (statusCode < 200) return;
    const { res } = this.#ctx;
    this.#ctx.originStatus = statusCode;
    const raw = controller.rawHeaders as unknown as readonly (Buffer | string)[] | null;
    const received: string[] = [];
    if (raw !== null && raw !== undefined) for (const item of raw) received.push(typeof item === 'string' ? item : item.toString('latin1'));
    const listed = connectionListed(received);
    const out: string[] = [];
    for (let i = 0; i < received.length; i += 2) {
      const lower = received[i]!.toLowerCase();
      if (isHopByHop(lower) || listed?.has(lower) === true) continue;
      out.push(received[i]!, received[i + 1]!);
    }
    if (statusMessage !== undefined && statusMessage !== '') res.writeHead(statusCode, statusMessage, out);
    else res.writeHead(statusCode, out);
    // Body bytes that came in the same read as the headers are parsed before this microtask runs,
    // so the usual small answer leaves in one write (headers + body) instead of two; a body that is
    // not there yet does not hold the headers back (Traefik flushes them too, within 100 ms). One
    // syscall less per request: bench/results/throughput.txt.
    this.#headersPending = true;
    queueMicrotask(this.#flushHeaders);
  }

  readonly #flushHeaders = (): void => {
    if (!this.#headersPending) return;
    this.#headersPending = false;
    this.#ctx.res.flushHeaders();
  };

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const { res } = this.#ctx;
    this.#headersPending = false;
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#headersPending = false;
    this.#ctx.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const { res, req } = this.#ctx;
    if (res.destroyed || req.destroyed && !res.headersSent) {
      this.#ctx.originStatus = this.#ctx.originStatus || 499;
      return;
    }
    sendError(res, statusForUpstreamError(error));
  }
}
