/**
 * @module `/v1/session/*`: create, renew, destroy (PUT) and info, list, node (GET, blocking-capable),
 * answering as `agent/session_endpoint.go` does — renew of an unknown id is a 404, info of one is `[]`.
 */
import { filteredHeader, permissionDenied } from './acl.ts';
import { blockingQuery } from './blocking-query.ts';
import { blockingFor, type Env } from './endpoint-env.ts';
import { StateError } from './kv-store.ts';
import { isReply, parseQueryOptions, queryMeta, type QueryOptions } from './query-options.ts';
import { jsonReply, methodNotAllowed, textReply, type Reply } from './reply.ts';
import type { RequestContext } from './request-context.ts';
import type { Session } from './session-store.ts';

const sessionPrefix = '/v1/session/';

/** structs.Session field order; LockDelay in nanoseconds, TTL as the text given. */
function sessionJson(session: Session): Record<string, unknown> {
  return {
    ID: session.id,
    Name: session.name,
    Node: session.node,
    LockDelay: session.lockDelay,
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: session.nodeChecks,
    ServiceChecks: null,
    CreateIndex: session.createIndex,
    ModifyIndex: session.modifyIndex,
  };
}

export async function sessionEndpoint(ctx: RequestContext, env: Env): Promise<Reply> {
  const options = parseQueryOptions(ctx);
  if (isReply(options)) return options;
  const rest = ctx.path.slice(sessionPrefix.length);
  const slash = rest.indexOf('/');
  const verb = slash === -1 ? rest : rest.slice(0, slash);
  const argument = slash === -1 ? '' : rest.slice(slash + 1);
  switch (verb) {
    case 'create':
      return ctx.method === 'PUT' ? create(ctx, env, options) : methodNotAllowed(ctx.method, ['PUT']);
    case 'destroy':
      return ctx.method === 'PUT' ? destroy(ctx, env, options, argument) : methodNotAllowed(ctx.method, ['PUT']);
    case 'renew':
      return ctx.method === 'PUT' ? renew(ctx, env, options, argument) : methodNotAllowed(ctx.method, ['PUT']);
    case 'info':
      if (ctx.method !== 'GET') return methodNotAllowed(ctx.method, ['GET']);
      if (argument === '') return textReply(400, 'Missing session');
      return read(ctx, env, options, (sessions) => sessions.filter((session) => session.id === argument), true);
    case 'node':
      if (ctx.method !== 'GET') return methodNotAllowed(ctx.method, ['GET']);
      if (argument === '') return textReply(400, 'Missing node name');
      return read(ctx, env, options, (sessions) => sessions.filter((session) => session.node === argument), false);
    case 'list':
      return ctx.method === 'GET' ? read(ctx, env, options, (sessions) => sessions, false) : methodNotAllowed(ctx.method, ['GET']);
    default:
      return textReply(404, '404 page not found');
  }
}

function create(ctx: RequestContext, env: Env, options: QueryOptions): Reply {
  let body: unknown = {};
  if (ctx.body.length > 0) {
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch (error) {
      return textReply(400, `Request decode failed: ${(error as Error).message}`);
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return textReply(400, 'Request decode failed: expected a JSON object');
  if (ctx.anonymous) return permissionDenied();
  const { state } = env;
  try {
    const spec = state.sessions.spec(body as Record<string, unknown>);
    const session = state.write((idx) => state.sessions.create(idx, spec), true);
    return jsonReply({ ID: session.id }, { pretty: options.pretty });
  } catch (error) {
    if (error instanceof StateError) return textReply(500, error.message);
    throw error;
  }
}

function destroy(ctx: RequestContext, env: Env, options: QueryOptions, id: string): Reply {
  if (id === '') return textReply(400, 'Missing session');
  if (ctx.anonymous) return permissionDenied();
  // Idempotent: an unknown id is still `true`.
  env.state.invalidateSession(id);
  return jsonReply(true, { pretty: options.pretty });
}

function renew(ctx: RequestContext, env: Env, options: QueryOptions, id: string): Reply {
  if (id === '') return textReply(400, 'Missing session');
  if (ctx.anonymous) return permissionDenied();
  const session = env.state.sessions.renew(id);
  if (session === undefined) return textReply(404, `Session id '${id}' not found`);
  return jsonReply([sessionJson(session)], { pretty: options.pretty });
}

async function read(
  ctx: RequestContext,
  env: Env,
  options: QueryOptions,
  select: (sessions: Session[]) => Session[],
  notFoundWhenEmpty: boolean,
): Promise<Reply> {
  const { sessions } = env.state;
  const result = await blockingQuery(blockingFor(env, ctx, options, { sessions: true }), () => {
    const all = select(sessions.list());
    const visible = ctx.anonymous ? [] : all;
    return { index: sessions.tableIndex(), found: !notFoundWhenEmpty || all.length > 0, value: { visible, filtered: visible.length !== all.length } };
  });
  const headers = { ...queryMeta(result.index, options), ...(result.value.filtered ? filteredHeader : {}) };
  return jsonReply(result.value.visible.map(sessionJson), { pretty: options.pretty, headers });
}
