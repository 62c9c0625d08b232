/**
 * @module What one request carries through the pipeline: the view the rules match against, the
 * routing decision, and what the access log needs. One object per request, shared by every stage,
 * so no stage allocates its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardedTrust } from './forwarded-headers.ts';

/**
 * Where an answer is written: the client's ServerResponse itself, or a middleware's interceptor in
 * front of it (headers, compress, errors…). Headers travel as a flat `[name, value, …]` list.
 */
export interface ResponseWriter {
  /** This writer passed a status line on (the client may not have it yet: an interceptor can hold it). */
  readonly headersSent: boolean;
  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown;
  flushHeaders(): void;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  /** Cuts the answer short (an upstream failed mid-body). */
  destroy(error?: Error): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** Per entry point, fixed at start-up. */
export interface EntryPointSettings {
  readonly trust: ForwardedTrust;
  readonly localPort: number;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly entryPoint: string;
  readonly settings: EntryPointSettings;
  /** Arrived over TLS. */
  readonly tls: boolean;
  // The RoutingRequest fields (src/rules/request.ts):
  readonly host: string;
  /** Sanitized path, matched and sent upstream, without the query. */
  path: string;
  readonly method: string;
  /** Query text without its '?', or ''. */
  rawQuery: string;
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
  /** '?' + rawQuery, or ''. */
  search: string;
  readonly startedAt: number;
  routerName: string | undefined;
  serviceName: string | undefined;
  /** Upstream server URL, once one was picked. */
  serverUrl: string | undefined;
  /** Status the upstream answered with, 0 when it never did. */
  originStatus: number;
  // Set only by middlewares and services that need them (absent on a router without middlewares):
  /** Where the service writes its answer; absent means `res`. */
  out?: ResponseWriter | undefined;
  /** The request headers as middlewares edited them, untrusted X-Forwarded-* already removed; absent means `req.rawHeaders`. */
  editedHeaders?: string[] | undefined;
  /** The request body to send upstream instead of streaming `req`: bytes read ahead, a replay, or null for none. */
  body?: Buffer | AsyncIterable<Buffer> | null | undefined;
  /** Attempts the retry middleware made after the first (the access log's RetryAttempts). */
  retryAttempts?: number | undefined;
  /** Set by the forwarder when the upstream exchange failed before any answer (retry and passive health use it). */
  upstreamError?: unknown;
}

/** The writer a service answers through. */
export function writerOf(ctx: RequestContext): ResponseWriter {
  return ctx.out ?? ctx.res;
}
