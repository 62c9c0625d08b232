/**
 * @module Builds the header list sent upstream: the client's headers minus hop-by-hop ones, the Host
 * decision (passHostHeader), and the X-Forwarded-* / X-Real-Ip set Traefik adds. Incoming
 * X-Forwarded-* headers are kept only from trusted peers (`forwardedHeaders.trustedIPs` or
 * `.insecure`), as Traefik does, so a client cannot forge its address.
 */
import { hostname } from 'node:os';
import { connectionListed, isHopByHop } from './hop-by-hop.ts';
import type { IpMatcher } from './ip-matcher.ts';

const SERVER_NAME = hostname();

/** The forwarded headers this proxy sets (and drops from untrusted clients). */
export const FORWARDED: ReadonlySet<string> = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-prefix',
  'x-real-ip',
]);

export interface ForwardedTrust {
  /** Trust everyone's X-Forwarded-* headers (`forwardedHeaders.insecure`). */
  readonly insecure: boolean;
  readonly trustedIPs: IpMatcher | undefined;
}

export interface ForwardingFacts {
  readonly clientIp: string;
  readonly proto: 'http' | 'https' | 'ws' | 'wss';
  /** The entry point's port, the default for X-Forwarded-Port when the Host header has none. */
  readonly localPort: number;
  /** Host header value to send; undefined keeps the client's. */
  readonly hostOverride: string | undefined;
  /** Keep Connection/Upgrade (WebSocket handshakes). */
  readonly keepUpgrade: boolean;
}

/** Returns a flat [name, value, …] list ready for undici or a raw request head. */
export function upstreamHeaders(rawHeaders: readonly string[], facts: ForwardingFacts, trust: ForwardedTrust): string[] {
  const trusted = trust.insecure || (trust.trustedIPs !== undefined && trust.trustedIPs.contains(facts.clientIp));
  const listed = connectionListed(rawHeaders);
  const out: string[] = [];
  let host = '';
  let priorFor: string | undefined;
  let priorProto: string | undefined;
  let priorHost: string | undefined;
  let priorPort: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      host = value;
      continue;
    }
    if (isHopByHop(lower)) {
      if (facts.keepUpgrade && (lower === 'upgrade' || lower === 'connection')) out.push(name, value);
      // Go keeps "TE: trailers", the only TE value a proxy may forward.
      else if (lower === 'te' && value.trim().toLowerCase() === 'trailers') out.push(name, value);
      continue;
    }
    if (listed?.has(lower) === true || lower === 'expect') continue;
    if (FORWARDED.has(lower)) {
      if (!trusted) continue;
      if (lower === 'x-forwarded-for') priorFor = priorFor === undefined ? value : `${priorFor}, ${value}`;
      else if (lower === 'x-forwarded-proto') priorProto = value;
      else if (lower === 'x-forwarded-host') priorHost = value;
      else if (lower === 'x-forwarded-port') priorPort = value;
      else out.push(name, value);
      continue;
    }
    out.push(name, value);
  }
  const clientIp = plainIp(facts.clientIp);
  out.push('host', facts.hostOverride ?? host);
  out.push('x-forwarded-for', priorFor === undefined ? clientIp : `${priorFor}, ${clientIp}`);
  out.push('x-forwarded-proto', priorProto ?? facts.proto);
  if (priorHost !== undefined || host !== '') out.push('x-forwarded-host', priorHost ?? host);
  out.push('x-forwarded-port', priorPort ?? portOf(host, facts));
  out.push('x-forwarded-server', SERVER_NAME);
  if (!trusted || !hasHeader(out, 'x-real-ip')) out.push('x-real-ip', clientIp);
  return out;
}

function hasHeader(flat: readonly string[], lower: string): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === lower) return true;
  return false;
}

function portOf(host: string, facts: ForwardingFacts): string {
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && host.indexOf(']', colon) === -1) return host.slice(colon + 1);
  if (host !== '') return facts.proto === 'https' || facts.proto === 'wss' ? '443' : '80';
  return String(facts.localPort);
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the address as the upstream expects to log it. */
export function plainIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
