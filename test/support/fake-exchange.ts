/**
 * @module A request context and response that live in memory: middlewares and chains driven
 * without sockets (unit tests, bench/middleware-chain.ts). The response records what was written.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { IpMatcher } from '../../src/proxy/ip-matcher.ts';
import type { RequestContext, ResponseWriter } from '../../src/proxy/request-context.ts';
import type { Handler, WrapContext } from '../../src/middlewares/middleware.ts';
import { UpstreamPools } from '../../src/proxy/upstream-pools.ts';
import { TokenTable } from '../../src/middlewares/token-table.ts';

export class FakeResponse extends EventEmitter implements ResponseWriter {
  status = 0;
  headers: string[] = [];
  chunks: Buffer[] = [];
  headersSent = false;
  finished = false;
  destroyed = false;
  writableFinished = false;
  readonly done: Promise<void>;
  #resolve!: () => void;

  constructor() {
    super();
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  writeHead(statusCode: number, _message: string | undefined, headers: string[]): this {
    this.status = statusCode;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {}

  write(chunk: Buffer | string): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.write(chunk);
    this.finished = true;
    this.writableFinished = true;
    this.#resolve();
    setImmediate(() => this.emit('close'));
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.#resolve();
    this.emit('close');
    return this;
  }

  header(name: string): string | undefined {
    for (let i = 0; i < this.headers.length; i += 2) if (this.headers[i]!.toLowerCase() === name.toLowerCase()) return this.headers[i + 1];
    return undefined;
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.body.toString();
  }
}

export interface FakeRequest {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string | string[]>;
  clientIp?: string;
  tls?: boolean;
  body?: Buffer | string;
  /** Trust X-Forwarded-* from every peer (the entry point's forwardedHeaders.insecure). */
  trustForwarded?: boolean;
  trustedIPs?: string[];
}

export function fakeContext(options: FakeRequest = {}): { ctx: RequestContext; res: FakeResponse } {
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) rawHeaders.push(name, v);
  }
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body !== undefined && !rawHeaders.some((h) => h.toLowerCase() === 'content-length')) rawHeaders.push('content-length', String(body.length));
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  const req = Readable.from(body === undefined ? [] : [body]) as unknown as IncomingMessage;
  Object.assign(req, { headers, rawHeaders, method: options.method ?? 'GET', url: (options.path ?? '/') + (options.query === undefined ? '' : `?${options.query}`), httpVersion: '1.1', socket: { remoteAddress: options.clientIp ?? '10.0.0.1' } });
  const res = new FakeResponse();
  const query = options.query ?? '';
  const ctx: RequestContext = {
    req,
    res: res as unknown as ServerResponse,
    entryPoint: 'web',
    settings: { trust: { insecure: options.trustForwarded === true, trustedIPs: options.trustedIPs === undefined ? undefined : new IpMatcher(options.trustedIPs) }, localPort: 80 },
    tls: options.tls === true,
    host: (headers.host ?? '').replace(/:\d+$/, ''),
    path: options.path ?? '/',
    method: options.method ?? 'GET',
    rawQuery: query,
    rawHeaders,
    clientIp: options.clientIp ?? '10.0.0.1',
    search: query === '' ? '' : `?${query}`,
    startedAt: performance.now(),
    routerName: 'r@test',
    serviceName: 's@test',
    serverUrl: undefined,
    originStatus: 0,
  };
  return { ctx, res };
}

/** A terminal handler answering `status` with `body` and `headers`, recording each context it saw. */
export function answer(status = 200, body = 'ok', headers: string[] = ['content-type', 'text/plain']): Handler & { seen: RequestContext[] } {
  const seen: RequestContext[] = [];
  const handler = ((ctx: RequestContext) => {
    seen.push({ ...ctx, editedHeaders: ctx.editedHeaders === undefined ? undefined : [...ctx.editedHeaders] });
    const out = ctx.out ?? ctx.res;
    out.writeHead(status, undefined, [...headers, 'content-length', String(Buffer.byteLength(body))]);
    out.end(body);
  }) as Handler & { seen: RequestContext[] };
  handler.seen = seen;
  return handler;
}

const pools = new UpstreamPools({ dialTimeoutMs: 1_000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 1_000 });

/** A WrapContext for one middleware, with its own kept state. */
export function wrapContext(overrides: Partial<WrapContext> = {}): WrapContext {
  const kept = new Map<string, unknown>();
  return {
    name: 'm@test',
    fingerprint: 'f',
    service: () => ({ name: 'none', available: () => false, handle: answer(503, 'no service') }),
    middleware: (_name, next) => next,
    keep: <T>(part: string, create: () => T): T => {
      if (!kept.has(part)) kept.set(part, create());
      return kept.get(part) as T;
    },
    pools,
    tokens: new TokenTable(),
    threads: 1,
    ...overrides,
  };
}

export const keyOf = (type: string) => (option: string) => `traefik/http/middlewares/m/${type}/${option}`;

/** Runs one request through `handler` and waits for the answer. */
export async function run(handler: Handler, request: FakeRequest = {}): Promise<{ res: FakeResponse; ctx: RequestContext }> {
  const { ctx, res } = fakeContext(request);
  handler(ctx);
  await res.done;
  return { res, ctx };
}

/** The request header `name` as the upstream would receive it from the middlewares. */
export function sentHeader(ctx: RequestContext, name: string): string | undefined {
  const list = ctx.editedHeaders ?? ctx.rawHeaders;
  for (let i = 0; i < list.length; i += 2) if (list[i]!.toLowerCase() === name.toLowerCase()) return list[i + 1];
  return undefined;
}
