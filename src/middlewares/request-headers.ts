/**
 * @module The request headers as middlewares see and edit them. Reading: the edited list when a
 * middleware made one, else the client's raw headers, where X-Forwarded-* and X-Real-Ip count only
 * from a trusted peer (the entry point's `forwardedHeaders`), as after Traefik's entry-point
 * forwarded-headers step. Editing: the first edit copies the client's list without the untrusted
 * forwarded headers into `ctx.editedHeaders`, which the forwarder then sends as it is (plus its own
 * X-Forwarded-* additions), so a header a middleware sets (X-Forwarded-Prefix) is never dropped.
 */
import { headerValue, headerValues, removeHeader, setHeader } from '../proxy/header-list.ts';
import type { RequestContext } from '../proxy/request-context.ts';

const FORWARDED: ReadonlySet<string> = new Set([
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server',
  'x-forwarded-prefix', 'x-forwarded-uri', 'x-forwarded-method', 'x-real-ip',
]);

/** The peer may set X-Forwarded-* headers. */
export function trustedPeer(ctx: RequestContext): boolean {
  const trust = ctx.settings.trust;
  return trust.insecure || (trust.trustedIPs !== undefined && trust.trustedIPs.contains(ctx.clientIp));
}

/** One header's first value as the middlewares see it. */
export function requestHeader(ctx: RequestContext, lowerName: string): string | undefined {
  if (ctx.editedHeaders !== undefined) return headerValue(ctx.editedHeaders, lowerName);
  if (FORWARDED.has(lowerName) && !trustedPeer(ctx)) return undefined;
  return headerValue(ctx.rawHeaders, lowerName);
}

/** Every value of one header, in order. */
export function requestHeaderValues(ctx: RequestContext, lowerName: string): string[] {
  if (ctx.editedHeaders !== undefined) return headerValues(ctx.editedHeaders, lowerName);
  if (FORWARDED.has(lowerName) && !trustedPeer(ctx)) return [];
  return headerValues(ctx.rawHeaders, lowerName);
}

/** The request's header list, ready to edit (made on first use). */
export function editableHeaders(ctx: RequestContext): string[] {
  if (ctx.editedHeaders !== undefined) return ctx.editedHeaders;
  const raw = ctx.rawHeaders;
  const trusted = trustedPeer(ctx);
  const copy: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!trusted && FORWARDED.has(raw[i]!.toLowerCase())) continue;
    copy.push(raw[i]!, raw[i + 1]!);
  }
  ctx.editedHeaders = copy;
  return copy;
}

export function setRequestHeader(ctx: RequestContext, name: string, value: string): void {
  setHeader(editableHeaders(ctx), name, value);
}

/** Go's Header.Add. */
export function addRequestHeader(ctx: RequestContext, name: string, value: string): void {
  editableHeaders(ctx).push(name, value);
}

export function deleteRequestHeader(ctx: RequestContext, lowerName: string): void {
  removeHeader(editableHeaders(ctx), lowerName);
}

/** The scheme the client used, as Traefik's X-Forwarded-Proto tells it to middlewares. */
export function forwardedProto(ctx: RequestContext): string {
  const proto = requestHeader(ctx, 'x-forwarded-proto');
  if (proto === undefined || proto === '') return ctx.tls ? 'https' : 'http';
  const lower = proto.toLowerCase();
  return lower === 'ws' ? 'http' : lower === 'wss' ? 'https' : proto;
}
