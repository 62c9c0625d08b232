/**
 * @module The query options every blocking-capable read parses first (Consul's `parse`): the
 * consistency mode, `?wait` and `?index`, `?pretty`, and the meta headers the answer carries,
 * 404s included.
 */
import { parseGoDuration } from './go-duration.ts';
import { textReply, type Reply } from './reply.ts';
import { hasFlag, type RequestContext } from './request-context.ts';

export type Consistency = 'leader' | 'consistent' | 'stale';

export interface QueryOptions {
  readonly minIndex: number;
  readonly waitMs: number;
  readonly consistency: Consistency;
  readonly pretty: boolean;
}

const uint = /^\d+$/;

/** A 400 reply with Consul's message, or the options. */
export function parseQueryOptions(ctx: RequestContext): QueryOptions | Reply {
  const stale = hasFlag(ctx, 'stale');
  const consistent = hasFlag(ctx, 'consistent');
  if (stale && consistent) return textReply(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  let waitMs = 0;
  if (hasFlag(ctx, 'wait')) {
    const ns = parseGoDuration(ctx.query.get('wait') ?? '');
    if (ns === undefined) return textReply(400, 'Invalid wait time');
    waitMs = ns / 1e6;
  }
  let minIndex = 0;
  if (hasFlag(ctx, 'index')) {
    const text = ctx.query.get('index') ?? '';
    if (!uint.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) return textReply(400, 'Invalid index');
    minIndex = Number(text);
  }
  return { minIndex, waitMs, consistency: stale ? 'stale' : consistent ? 'consistent' : 'leader', pretty: hasFlag(ctx, 'pretty') };
}

export function isReply(value: QueryOptions | Reply): value is Reply {
  return 'status' in value;
}

/** setMeta: the index is never 0 (index=0 means "don't block", so clients would busy-loop); there is always a leader here. */
export function queryMeta(index: number, options: QueryOptions): Record<string, string> {
  return {
    'x-consul-index': String(Math.max(1, index)),
    'x-consul-knownleader': 'true',
    'x-consul-lastcontact': '0',
    'x-consul-effective-consistency': options.consistency,
  };
}
