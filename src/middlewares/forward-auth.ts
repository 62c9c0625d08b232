/**
 * @module forwardAuth: asks `address` whether the request may pass. The auth server gets a GET
 * (the client's method with preserveRequestMethod) with the client's headers (or only
 * `authRequestHeaders`) plus X-Forwarded-For/-Method/-Proto/-Host/-Uri/-Port describing the
 * original request (the client's own values kept only with `trustForwardHeader`), and the body with
 * `forwardBody` (up to `maxBodySize`). A 2xx lets the request through, carrying the auth answer's
 * `authResponseHeaders` and those matching `authResponseHeadersRegex`, and its cookies named in
 * `addAuthCookiesToResponse` on the final answer; any other status is the client's answer, headers
 * and body included. An auth server that cannot be reached gives 500.
 */
import { readFileSync } from 'node:fs';
import { Pool, type Dispatcher } from 'undici';
import { isHopByHop } from '../proxy/hop-by-hop.ts';
import { readAhead } from '../proxy/request-body.ts';
import { writerOf, type RequestContext, type ResponseWriter } from '../proxy/request-context.ts';
import { sendError } from '../proxy/error-responses.ts';
import { plainIp } from '../proxy/forwarded-headers.ts';
import { regexpOption, type GoRegexp } from './go-regexp.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { editableHeaders, requestHeader, requestHeaderValues } from './request-headers.ts';
import { ResponseInterceptor } from './response-interceptor.ts';

type Options = MiddlewareOptions<'forwardAuth'>;

export const forwardAuth = defineMiddleware<Options>({
  compile(options, key) {
    const address = URL.parse(options.address ?? '');
    if (address === null || (address.protocol !== 'http:' && address.protocol !== 'https:')) {
      throw new MiddlewareConfigError('address must be an absolute http:// or https:// URL', key('address'));
    }
    const tls = options.tls;
    const connect = tls === undefined ? undefined : {
      ca: fileOrContent(tls.ca, key('tls/ca')),
      cert: fileOrContent(tls.cert, key('tls/cert')),
      key: fileOrContent(tls.key, key('tls/key')),
      rejectUnauthorized: tls.insecureSkipVerify !== true,
    };
    const responseRegex = options.authResponseHeadersRegex === undefined || options.authResponseHeadersRegex === ''
      ? undefined
      : regexpOption(options.authResponseHeadersRegex, key('authResponseHeadersRegex'), MiddlewareConfigError);
    const prepared: Prepared = {
      path: address.pathname + address.search,
      trust: options.trustForwardHeader === true,
      requestHeaders: options.authRequestHeaders === undefined || options.authRequestHeaders.length === 0 ? undefined : new Set(options.authRequestHeaders.map((h) => h.toLowerCase())),
      responseHeaders: (options.authResponseHeaders ?? []).map((h) => h.toLowerCase()),
      responseRegex,
      cookies: new Set(options.addAuthCookiesToResponse ?? []),
      preserveMethod: options.preserveRequestMethod === true,
      forwardBody: options.forwardBody === true,
      maxBodySize: options.maxBodySize,
    };
    return (next, context) => {
      const pool = context.keep('pool', () => new Pool(address.origin, { connect, connectTimeout: 30_000, keepAliveTimeout: 4_000 }));
      return (ctx) => {
        void check(ctx, pool, prepared).then((verdict) => {
          if (ctx.res.destroyed) return;
          if (verdict === undefined) sendError(writerOf(ctx), 500);
          else if (verdict.pass) {
            applyResponseHeaders(ctx, prepared, verdict.headers);
            if (verdict.cookies.length > 0) ctx.out = new CookieWriter(writerOf(ctx), verdict.cookies);
            next(ctx);
          }
        });
      };
    };
  },
});

interface Prepared {
  readonly path: string;
  readonly trust: boolean;
  readonly requestHeaders: ReadonlySet<string> | undefined;
  readonly responseHeaders: readonly string[];
  readonly responseRegex: GoRegexp | undefined;
  readonly cookies: ReadonlySet<string>;
  readonly preserveMethod: boolean;
  readonly forwardBody: boolean;
  readonly maxBodySize: number;
}

type Verdict = { pass: true; headers: string[]; cookies: string[] } | { pass: false };

async function check(ctx: RequestContext, pool: Dispatcher, p: Prepared): Promise<Verdict | undefined> {
  const headers = authRequestHeaders(ctx, p);
  let body: Buffer | null = null;
  if (p.forwardBody) {
    const read = await readAhead(ctx, p.maxBodySize);
    if (!read.complete) {
      sendError(writerOf(ctx), 413);
      return { pass: false };
    }
    body = read.body;
    ctx.body = read.body;
  }
  let answer: Dispatcher.ResponseData;
  try {
    answer = await pool.request({ path: p.path, method: (p.preserveMethod ? ctx.method : 'GET') as Dispatcher.HttpMethod, headers, body });
  } catch {
    return undefined;
  }
  const raw = rawHeaders(answer.headers);
  if (answer.statusCode >= 200 && answer.statusCode < 300) {
    await answer.body.dump();
    const cookies: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() !== 'set-cookie') continue;
      const name = raw[i + 1]!.split('=')[0]!.trim();
      if (p.cookies.has(name)) cookies.push(raw[i + 1]!);
    }
    return { pass: true, headers: raw, cookies };
  }
  const out = writerOf(ctx);
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!isHopByHop(raw[i]!.toLowerCase())) kept.push(raw[i]!, raw[i + 1]!);
  out.writeHead(answer.statusCode, undefined, kept);
  for await (const chunk of answer.body) out.write(chunk as Buffer);
  out.end();
  return { pass: false };
}

function authRequestHeaders(ctx: RequestContext, p: Prepared): string[] {
  const source = ctx.editedHeaders ?? editableHeaders(ctx);
  const out: string[] = [];
  for (let i = 0; i < source.length; i += 2) {
    const lower = source[i]!.toLowerCase();
    if (isHopByHop(lower) || lower === 'host' || lower.startsWith('x-forwarded-')) continue;
    if ((lower === 'content-length' || lower === 'transfer-encoding') && !p.forwardBody) continue;
    if (p.requestHeaders !== undefined && !p.requestHeaders.has(lower)) continue;
    out.push(source[i]!, source[i + 1]!);
  }
  const trusted = (name: string) => (p.trust ? requestHeader(ctx, name) : undefined);
  const prior = p.trust ? requestHeaderValues(ctx, 'x-forwarded-for') : [];
  const ip = plainIp(ctx.clientIp);
  out.push('X-Forwarded-For', prior.length > 0 ? `${prior.join(', ')}, ${ip}` : ip);
  out.push('X-Forwarded-Method', trusted('x-forwarded-method') ?? ctx.method);
  out.push('X-Forwarded-Proto', trusted('x-forwarded-proto') ?? (ctx.tls ? 'https' : 'http'));
  const host = trusted('x-forwarded-host') ?? ctx.req.headers.host;
  if (host !== undefined && host !== '') out.push('X-Forwarded-Host', host);
  out.push('X-Forwarded-Uri', trusted('x-forwarded-uri') ?? ctx.path + ctx.search);
  const port = trusted('x-forwarded-port');
  if (port !== undefined) out.push('X-Forwarded-Port', port);
  return out;
}

function applyResponseHeaders(ctx: RequestContext, p: Prepared, auth: readonly string[]): void {
  if (p.responseHeaders.length === 0 && p.responseRegex === undefined) return;
  const list = editableHeaders(ctx);
  const copied = new Set(p.responseHeaders);
  const re = p.responseRegex;
  // Request headers the auth answer decides are replaced by its values, or dropped when it has none.
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    const lower = list[r]!.toLowerCase();
    if (copied.has(lower) || (re !== undefined && re.test(canonical(list[r]!)))) continue;
    list[w++] = list[r]!;
    list[w++] = list[r + 1]!;
  }
  list.length = w;
  for (let i = 0; i < auth.length; i += 2) {
    const lower = auth[i]!.toLowerCase();
    if (copied.has(lower) || (re !== undefined && re.test(canonical(auth[i]!)))) list.push(canonical(auth[i]!), auth[i + 1]!);
  }
}

/** Go's canonical header name (`x-auth-user` → `X-Auth-User`), what Traefik's regex sees. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function rawHeaders(headers: Dispatcher.ResponseData['headers']): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else if (value !== undefined) out.push(name, value);
  }
  return out;
}

/** Adds the auth server's cookies to the final answer. */
class CookieWriter extends ResponseInterceptor {
  readonly #cookies: readonly string[];

  constructor(inner: ResponseWriter, cookies: readonly string[]) {
    super(inner);
    this.#cookies = cookies;
  }

  override writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    for (const cookie of this.#cookies) headers.push('set-cookie', cookie);
    return super.writeHead(statusCode, statusMessage, headers);
  }
}

function fileOrContent(value: string | undefined, key: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new MiddlewareConfigError(`cannot read ${value}: ${(error as Error).message}`, key);
  }
}
