/**
 * @module headers: custom request and response headers (a value sets, overwriting; an empty value
 * removes), CORS (answers a preflight `OPTIONS` itself; adds Access-Control-* to the other answers),
 * and security headers (STS — on TLS requests, or always with forceSTSHeader —, X-Frame-Options,
 * X-Content-Type-Options, X-XSS-Protection, CSP, Referrer-Policy, Permissions-Policy, …) set over
 * the upstream's. `allowedHosts` refuses other hosts with 500 "Bad Host". Every list is rendered
 * once here; a request only copies what applies.
 */
import { removeHeader, setHeader } from '../proxy/header-list.ts';
import { writerOf, type RequestContext, type ResponseWriter } from '../proxy/request-context.ts';
import { sendError } from '../proxy/error-responses.ts';
import { regexpOption, type GoRegexp } from './go-regexp.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { deleteRequestHeader, requestHeader, setRequestHeader } from './request-headers.ts';
import { ResponseInterceptor } from './response-interceptor.ts';

type Options = MiddlewareOptions<'headers'>;

interface Prepared {
  readonly requestSet: readonly (readonly [string, string])[];
  readonly requestRemove: readonly string[];
  readonly responseSet: readonly (readonly [string, string])[];
  readonly responseRemove: readonly string[];
  readonly cors: Cors | undefined;
  /** Security headers for every answer, and those only for TLS (or forced) requests. */
  readonly secure: readonly (readonly [string, string])[];
  readonly secureTls: readonly (readonly [string, string])[];
  readonly sslProxyHeaders: readonly (readonly [string, string])[];
  readonly allowedHosts: ReadonlySet<string> | undefined;
  readonly hostsProxyHeaders: readonly string[];
}

interface Cors {
  readonly allowCredentials: boolean;
  readonly allowHeaders: string;
  readonly allowMethods: string;
  readonly originList: readonly string[];
  readonly originRegexes: readonly GoRegexp[];
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly addVary: boolean;
}

export const headers = defineMiddleware<Options>({
  compile(options, key) {
    const prepared = prepare(options, key);
    const touchesResponse = prepared.responseSet.length + prepared.responseRemove.length + prepared.secure.length + prepared.secureTls.length > 0 || prepared.cors !== undefined;
    return (next) => (ctx) => {
      if (prepared.allowedHosts !== undefined && !prepared.allowedHosts.has(hostOf(ctx, prepared.hostsProxyHeaders))) {
        sendError(writerOf(ctx), 500, 'Bad Host');
        return;
      }
      const tlsLike = ctx.tls || isSslByProxyHeader(ctx, prepared.sslProxyHeaders);
      if (prepared.cors !== undefined && ctx.method === 'OPTIONS') {
        const method = requestHeader(ctx, 'access-control-request-method');
        const origin = requestHeader(ctx, 'origin');
        if (method !== undefined && method !== '' && origin !== undefined && origin !== '') {
          preflight(ctx, prepared, origin, tlsLike);
          return;
        }
      }
      for (const name of prepared.requestRemove) deleteRequestHeader(ctx, name);
      for (const [name, value] of prepared.requestSet) setRequestHeader(ctx, name, value);
      if (touchesResponse) ctx.out = new HeadersWriter(writerOf(ctx), prepared, requestHeader(ctx, 'origin') ?? '', tlsLike);
      next(ctx);
    };
  },
});

function prepare(options: Options, key: (option: string) => string): Prepared {
  const split = (map: Readonly<Record<string, string>> | undefined) => {
    const set: [string, string][] = [];
    const remove: string[] = [];
    for (const [name, value] of Object.entries(map ?? {})) {
      if (value === '') remove.push(name.toLowerCase());
      else set.push([name, value]);
    }
    return { set, remove };
  };
  const request = split(options.customRequestHeaders);
  const response = split(options.customResponseHeaders);
  const hasCors = (options.accessControlAllowMethods?.length ?? 0) > 0 || (options.accessControlAllowHeaders?.length ?? 0) > 0
    || (options.accessControlAllowOriginList?.length ?? 0) > 0 || (options.accessControlAllowOriginListRegex?.length ?? 0) > 0
    || (options.accessControlExposeHeaders?.length ?? 0) > 0 || options.accessControlAllowCredentials === true || (options.accessControlMaxAge ?? 0) !== 0;
  const cors: Cors | undefined = hasCors
    ? {
      allowCredentials: options.accessControlAllowCredentials === true,
      allowHeaders: (options.accessControlAllowHeaders ?? []).join(','),
      allowMethods: (options.accessControlAllowMethods ?? []).join(','),
      originList: options.accessControlAllowOriginList ?? [],
      originRegexes: (options.accessControlAllowOriginListRegex ?? []).map((r, i) => regexpOption(r, key(`accessControlAllowOriginListRegex/${i}`), MiddlewareConfigError)),
      exposeHeaders: (options.accessControlExposeHeaders ?? []).join(','),
      maxAge: String(options.accessControlMaxAge ?? 0),
      addVary: options.addVaryHeader === true,
    }
    : undefined;
  const secure: [string, string][] = [];
  const secureTls: [string, string][] = [];
  const dev = options.isDevelopment === true;
  const sts = options.stsSeconds ?? 0;
  if (sts < 0) throw new MiddlewareConfigError('stsSeconds cannot be negative', key('stsSeconds'));
  if (sts > 0 && !dev) {
    let value = `max-age=${sts}`;
    if (options.stsIncludeSubdomains === true) value += '; includeSubDomains';
    if (options.stsPreload === true) value += '; preload';
    (options.forceSTSHeader === true ? secure : secureTls).push(['Strict-Transport-Security', value]);
  }
  if (options.customFrameOptionsValue !== undefined && options.customFrameOptionsValue !== '') secure.push(['X-Frame-Options', options.customFrameOptionsValue]);
  else if (options.frameDeny === true) secure.push(['X-Frame-Options', 'DENY']);
  if (options.contentTypeNosniff === true) secure.push(['X-Content-Type-Options', 'nosniff']);
  if (options.customBrowserXSSValue !== undefined && options.customBrowserXSSValue !== '') secure.push(['X-XSS-Protection', options.customBrowserXSSValue]);
  else if (options.browserXssFilter === true) secure.push(['X-XSS-Protection', '1; mode=block']);
  if (options.contentSecurityPolicy !== undefined && options.contentSecurityPolicy !== '') secure.push(['Content-Security-Policy', options.contentSecurityPolicy]);
  if (options.contentSecurityPolicyReportOnly !== undefined && options.contentSecurityPolicyReportOnly !== '') secure.push(['Content-Security-Policy-Report-Only', options.contentSecurityPolicyReportOnly]);
  if (options.publicKey !== undefined && options.publicKey !== '' && !dev) secureTls.push(['Public-Key-Pins', options.publicKey]);
  if (options.referrerPolicy !== undefined && options.referrerPolicy !== '') secure.push(['Referrer-Policy', options.referrerPolicy]);
  if (options.permissionsPolicy !== undefined && options.permissionsPolicy !== '') secure.push(['Permissions-Policy', options.permissionsPolicy]);
  const allowed = options.allowedHosts ?? [];
  return {
    requestSet: request.set,
    requestRemove: request.remove,
    responseSet: response.set,
    responseRemove: response.remove,
    cors,
    secure,
    secureTls,
    sslProxyHeaders: Object.entries(options.sslProxyHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const),
    allowedHosts: allowed.length > 0 && !dev ? new Set(allowed.map((h) => h.toLowerCase())) : undefined,
    hostsProxyHeaders: (options.hostsProxyHeaders ?? []).map((h) => h.toLowerCase()),
  };
}

function hostOf(ctx: RequestContext, proxyHeaders: readonly string[]): string {
  for (const name of proxyHeaders) {
    const value = requestHeader(ctx, name);
    if (value !== undefined && value !== '') return value.toLowerCase();
  }
  return (ctx.req.headers.host ?? '').toLowerCase();
}

function isSslByProxyHeader(ctx: RequestContext, sslProxyHeaders: readonly (readonly [string, string])[]): boolean {
  for (const [name, value] of sslProxyHeaders) if (requestHeader(ctx, name) === value) return true;
  return false;
}

function allowedOrigin(cors: Cors, origin: string): string | undefined {
  for (const item of cors.originList) if (item === '*' || item === origin) return item;
  for (const re of cors.originRegexes) if (re.test(origin)) return origin;
  return undefined;
}

function addSecurity(list: string[], prepared: Prepared, tlsLike: boolean): void {
  for (const [name, value] of prepared.secure) setHeader(list, name, value);
  if (tlsLike) for (const [name, value] of prepared.secureTls) setHeader(list, name, value);
}

/** A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method): answered here, 200. */
function preflight(ctx: RequestContext, prepared: Prepared, origin: string, tlsLike: boolean): void {
  const cors = prepared.cors!;
  const list: string[] = [];
  if (cors.allowCredentials) list.push('Access-Control-Allow-Credentials', 'true');
  if (cors.allowHeaders !== '') list.push('Access-Control-Allow-Headers', cors.allowHeaders);
  if (cors.allowMethods !== '') list.push('Access-Control-Allow-Methods', cors.allowMethods);
  const allowed = allowedOrigin(cors, origin);
  if (allowed !== undefined) list.push('Access-Control-Allow-Origin', allowed);
  list.push('Access-Control-Max-Age', cors.maxAge);
  addSecurity(list, prepared, tlsLike);
  list.push('content-length', '0');
  const out = writerOf(ctx);
  out.writeHead(200, undefined, list);
  out.end();
}

class HeadersWriter extends ResponseInterceptor {
  readonly #prepared: Prepared;
  readonly #origin: string;
  readonly #tlsLike: boolean;

  constructor(inner: ResponseWriter, prepared: Prepared, origin: string, tlsLike: boolean) {
    super(inner);
    this.#prepared = prepared;
    this.#origin = origin;
    this.#tlsLike = tlsLike;
  }

  override writeHead(statusCode: number, statusMessage: string | undefined, list: string[]): unknown {
    const p = this.#prepared;
    for (const name of p.responseRemove) removeHeader(list, name);
    for (const [name, value] of p.responseSet) setHeader(list, name, value);
    const cors = p.cors;
    if (cors !== undefined) {
      const allowed = allowedOrigin(cors, this.#origin);
      if (allowed !== undefined) setHeader(list, 'Access-Control-Allow-Origin', allowed);
      if (cors.allowCredentials) setHeader(list, 'Access-Control-Allow-Credentials', 'true');
      if (cors.exposeHeaders !== '') setHeader(list, 'Access-Control-Expose-Headers', cors.exposeHeaders);
      if (cors.addVary) {
        let vary = '';
        for (let i = 0; i < list.length; i += 2) if (list[i]!.toLowerCase() === 'vary') vary = list[i + 1]!;
        if (vary !== 'Origin') setHeader(list, 'Vary', vary === '' ? 'Origin' : `${vary},Origin`);
      }
    }
    addSecurity(list, p, this.#tlsLike);
    return this.inner.writeHead(statusCode, statusMessage, list);
  }
}
