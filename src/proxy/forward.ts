/**
 * @module Sends one request to one upstream server through its undici Pool and streams the answer
 * back, both ways without buffering: the request body is piped in, response chunks are written as
 * they come with backpressure (the upstream is paused while the client socket is full).
 *
 * The answer goes to the context's writer (`ctx.out`, a middleware's interceptor, else the client's
 * response); the request headers are the middlewares' edited list when there is one, and the body a
 * replayable buffer when a middleware read it ahead (retry, buffering, mirroring).
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { connectionListed, isHopByHop } from './hop-by-hop.ts';
import { sendError, statusForUpstreamError } from './error-responses.ts';
import { upstreamHeaders, type ForwardedTrust } from './forwarded-headers.ts';
import { writerOf, type RequestContext, type ResponseWriter } from './request-context.ts';
import type { UpstreamServer } from './upstream-server.ts';
import { wirePath } from './wire-path.ts';

/** Edited header lists were already cleared of untrusted X-Forwarded-*: what is left is ours. */
const TRUST_EDITED: ForwardedTrust = { insecure: true, trustedIPs: undefined };

/** Called when the exchange failed before the upstream answered (passive health checks count it). */
export type ForwardFailure = (server: UpstreamServer, error: unknown) => void;

export function forward(ctx: RequestContext, server: UpstreamServer, passHostHeader: boolean, onFailure?: ForwardFailure): void {
  const { req } = ctx;
  ctx.serverUrl = server.url;
  const edited = ctx.editedHeaders;
  const headers = upstreamHeaders(edited ?? req.rawHeaders, {
    clientIp: ctx.clientIp,
    proto: ctx.tls ? 'https' : 'http',
    localPort: ctx.settings.localPort,
    hostOverride: passHostHeader ? undefined : server.host,
    keepUpgrade: false,
  }, edited === undefined ? ctx.settings.trust : TRUST_EDITED);
  let body: Dispatcher.DispatchOptions['body'];
  if (ctx.body !== undefined) body = ctx.body === null || Buffer.isBuffer(ctx.body) ? ctx.body : Readable.from(ctx.body);
  else body = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') ? req : null;
  const handler = new ForwardHandler(ctx, server, onFailure);
  server.pool.dispatch(
    {
      path: server.pathPrefix + wirePath(ctx.path) + ctx.search,
      method: ctx.method,
      headers,
      body,
      // A client request must never be replayed by the pool on another connection on its own.
      idempotent: false,
      upgrade: null,
    },
    handler,
  );
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  readonly #ctx: RequestContext;
  readonly #server: UpstreamServer;
  readonly #onFailure: ForwardFailure | undefined;
  /** Taken once: a retry may give the context a new writer while this exchange still drains. */
  readonly #out: ResponseWriter;
  #controller: Dispatcher.DispatchController | undefined;
  /** Headers written but not sent: they leave with the first body chunk, or alone (see onResponseStart). */
  #headersPending = false;
  #answered = false;

  constructor(ctx: RequestContext, server: UpstreamServer, onFailure: ForwardFailure | undefined) {
    this.#ctx = ctx;
    this.#server = server;
    this.#onFailure = onFailure;
    this.#out = writerOf(ctx);
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
    this.#answered = true;
    const out = this.#out;
    this.#ctx.originStatus = statusCode;
    const raw = controller.rawHeaders as unknown as readonly (Buffer | string)[] | null;
    const received: string[] = [];
    if (raw !== null && raw !== undefined) for (const item of raw) received.push(typeof item === 'string' ? item : item.toString('latin1'));
    const listed = connectionListed(received);
    const kept: string[] = [];
    for (let i = 0; i < received.length; i += 2) {
      const lower = received[i]!.toLowerCase();
      if (isHopByHop(lower) || listed?.has(lower) === true) continue;
      kept.push(received[i]!, received[i + 1]!);
    }
    out.writeHead(statusCode, statusMessage === '' ? undefined : statusMessage, kept);
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
    this.#out.flushHeaders();
  };

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const out = this.#out;
    this.#headersPending = false;
    if (!out.write(chunk)) {
      controller.pause();
      out.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#headersPending = false;
    this.#out.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const { res, req } = this.#ctx;
    if (res.destroyed || req.destroyed && !res.headersSent) {
      this.#ctx.originStatus = this.#ctx.originStatus || 499;
      return;
    }
    if (!this.#answered) {
      this.#ctx.upstreamError = error;
      this.#onFailure?.(this.#server, error);
    }
    sendError(this.#out, statusForUpstreamError(error));
  }
}
