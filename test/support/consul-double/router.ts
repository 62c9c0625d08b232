/**
 * @module Which endpoint answers a path, and the label `Stats` counts it under. Paths are the
 * cleaned, decoded ones; anything unknown gets Go's "404 page not found".
 */
import { agentEndpoint } from './agent-endpoint.ts';
import type { Env } from './endpoint-env.ts';
import { kvEndpoint } from './kv-endpoint.ts';
import { textReply, type Reply } from './reply.ts';
import { hasFlag, type RequestContext } from './request-context.ts';
import { sessionEndpoint } from './session-endpoint.ts';
import { txnEndpoint } from './txn-endpoint.ts';

export interface Route {
  readonly label: string;
  /** Status endpoints need no token, even in ACL mode. */
  readonly open: boolean;
  readonly handle: (ctx: RequestContext, env: Env) => Reply | Promise<Reply>;
}

function kvLabel(ctx: RequestContext): string {
  if (ctx.method === 'PUT') return 'kv.put';
  if (ctx.method === 'DELETE') return 'kv.delete';
  if (hasFlag(ctx, 'keys')) return 'kv.keys';
  return hasFlag(ctx, 'recurse') ? 'kv.recurse' : 'kv.get';
}

export function route(ctx: RequestContext): Route {
  const { path } = ctx;
  if (path.startsWith('/v1/kv/')) return { label: kvLabel(ctx), open: false, handle: kvEndpoint };
  if (path === '/v1/txn') return { label: 'txn', open: false, handle: txnEndpoint };
  if (path.startsWith('/v1/session/')) {
    const verb = path.slice('/v1/session/'.length).split('/')[0] ?? '';
    return { label: `session.${verb}`, open: false, handle: sessionEndpoint };
  }
  if (path === '/v1/status/leader' || path === '/v1/status/peers') return { label: path.slice(4).replace('/', '.'), open: true, handle: agentEndpoint };
  if (path === '/v1/agent/self') return { label: 'agent.self', open: false, handle: agentEndpoint };
  return { label: 'unknown', open: true, handle: () => textReply(404, '404 page not found') };
}
