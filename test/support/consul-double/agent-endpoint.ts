/**
 * @module The few non-KV reads clients make to probe an agent: `/v1/status/leader` (no ACL needed),
 * `/v1/status/peers`, and a minimal `/v1/agent/self` (needs `agent:read`).
 */
import { permissionDenied } from './acl.ts';
import type { Env } from './endpoint-env.ts';
import { jsonReply, methodNotAllowed, textReply, type Reply } from './reply.ts';
import type { RequestContext } from './request-context.ts';

/** The server RPC address a single-node dev agent reports. */
const leaderAddress = '127.0.0.1:8300';

export function agentEndpoint(ctx: RequestContext, env: Env): Reply {
  if (ctx.method !== 'GET') return methodNotAllowed(ctx.method, ['GET']);
  const pretty = ctx.query.has('pretty');
  switch (ctx.path) {
    case '/v1/status/leader':
      return jsonReply(leaderAddress, { pretty });
    case '/v1/status/peers':
      return jsonReply([leaderAddress], { pretty });
    case '/v1/agent/self': {
      if (ctx.anonymous) return permissionDenied();
      const { nodeName, datacenter } = env.config;
      return jsonReply(
        {
          Config: { Datacenter: datacenter, NodeName: nodeName, NodeID: '00000000-0000-4000-8000-000000000000', Server: true, Revision: 'consul-double', Version: '1.22.0' },
          Member: { Name: nodeName, Addr: '127.0.0.1', Port: 8301, Tags: { dc: datacenter, role: 'consul' }, Status: 1 },
          Meta: {},
        },
        { pretty },
      );
    }
    default:
      return textReply(404, '404 page not found');
  }
}
