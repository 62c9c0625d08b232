/**
 * @module Who a request comes from, as Traefik's `ipStrategy` and `sourceCriterion` define it:
 * the peer's address (default), the `depth`-th address from the right of X-Forwarded-For, or the
 * right-most one not in `excludedIPs`; optionally masked to an IPv6 `/ipv6Subnet`. The source of a
 * rate limit or in-flight count may also be a request header's value or the Host.
 */
import { isIPv6 } from 'node:net';
import { plainIp } from '../proxy/forwarded-headers.ts';
import { IpMatcher } from '../proxy/ip-matcher.ts';
import type { RequestContext } from '../proxy/request-context.ts';
import { MiddlewareConfigError } from './middleware.ts';
import { requestHeader, requestHeaderValues } from './request-headers.ts';

export interface IpStrategyOptions {
  readonly depth?: number | undefined;
  readonly excludedIPs?: readonly string[] | undefined;
  readonly ipv6Subnet?: number | undefined;
}

export interface SourceCriterionOptions {
  readonly ipStrategy?: IpStrategyOptions | undefined;
  readonly requestHeaderName?: string | undefined;
  readonly requestHost?: boolean | undefined;
}

export type SourceOf = (ctx: RequestContext) => string;

/** Compiles an ipStrategy; `key` is its key (`…/ipAllowList/ipStrategy`). */
export function ipStrategy(options: IpStrategyOptions | undefined, key: string): SourceOf {
  const depth = options?.depth ?? 0;
  if (depth < 0) throw new MiddlewareConfigError('depth must be 0 or more', `${key}/depth`);
  const subnet = options?.ipv6Subnet;
  if (subnet !== undefined && (subnet < 0 || subnet > 128)) throw new MiddlewareConfigError('ipv6Subnet must be between 0 and 128', `${key}/ipv6Subnet`);
  const mask = subnet === undefined ? (ip: string) => ip : (ip: string) => maskIpv6(ip, subnet);
  if (depth > 0) {
    return (ctx) => {
      const xff = forwardedFor(ctx);
      return xff.length < depth ? '' : mask(xff[xff.length - depth]!);
    };
  }
  const excluded = options?.excludedIPs ?? [];
  if (excluded.length > 0) {
    let matcher: IpMatcher;
    try {
      matcher = new IpMatcher(excluded, `${key}/excludedIPs`);
    } catch (error) {
      throw new MiddlewareConfigError((error as Error).message, `${key}/excludedIPs`);
    }
    return (ctx) => {
      const xff = forwardedFor(ctx);
      for (let i = xff.length - 1; i >= 0; i--) if (!matcher.contains(xff[i]!)) return mask(xff[i]!);
      return '';
    };
  }
  return (ctx) => mask(plainIp(ctx.clientIp));
}

/** Compiles a sourceCriterion (rateLimit, inFlightReq); absent means the peer's address. */
export function sourceCriterion(options: SourceCriterionOptions | undefined, key: string): SourceOf {
  const set = [options?.ipStrategy !== undefined, (options?.requestHeaderName ?? '') !== '', options?.requestHost === true].filter(Boolean).length;
  if (set > 1) throw new MiddlewareConfigError('ipStrategy, requestHeaderName and requestHost are mutually exclusive', key);
  if (options?.requestHeaderName !== undefined && options.requestHeaderName !== '') {
    const lower = options.requestHeaderName.toLowerCase();
    return (ctx) => requestHeader(ctx, lower) ?? '';
  }
  if (options?.requestHost === true) return (ctx) => ctx.req.headers.host ?? ctx.host;
  return ipStrategy(options?.ipStrategy, `${key}/ipStrategy`);
}

/** X-Forwarded-For entries (all header lines, comma-split, trimmed), as the middlewares see them. */
function forwardedFor(ctx: RequestContext): string[] {
  const lines = requestHeaderValues(ctx, 'x-forwarded-for');
  if (lines.length === 0) return [];
  return lines.join(',').split(',').map((s) => s.trim());
}

function maskIpv6(ip: string, bits: number): string {
  if (!isIPv6(ip)) return ip;
  const value = parseIpv6(ip);
  const all = (1n << 128n) - 1n;
  const masked = bits === 0 ? 0n : value & ((all << BigInt(128 - bits)) & all);
  return formatIpv6(masked);
}

function parseIpv6(text: string): bigint {
  const [left = '', right] = text.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return value;
}

/** RFC 5952 text: lowercase, the longest run of zero groups (two or more) as `::`. */
function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
