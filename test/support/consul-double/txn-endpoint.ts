/**
 * @module `PUT /v1/txn`: body limits, decoding and the op-count limit of `agent/txn_endpoint.go`
 * (413 / 400 before anything runs), then 200 `{Results, Errors: null}` or 409
 * `{Results: null, Errors}`. Read-only transactions carry KnownLeader/LastContact, never an index.
 */
import type { Env } from './endpoint-env.ts';
import { isReply, parseQueryOptions } from './query-options.ts';
import { jsonReply, methodNotAllowed, textReply, type Reply } from './reply.ts';
import type { RequestContext } from './request-context.ts';
import { applyTxn, isWriteOp, type KvTxnOp } from './txn.ts';

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class DecodeError extends Error {}

/** Where Go's decoder gives up: the first byte outside the alphabet, else the unfinished last quantum. */
function badBase64Byte(text: string): number {
  const stray = text.search(/[^A-Za-z0-9+/=]/);
  return stray !== -1 ? stray : text.length - (text.length % 4 || 4);
}

/** Keeps uint64 fields exact: JSON.parse would round Flags above 2^53. */
function reviveUint64(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && /^(flags|index)$/i.test(key)) {
    const source = context?.source ?? String(value);
    if (!/^\d+$/.test(source)) throw new DecodeError(`json: cannot unmarshal number ${source} into Go struct field .${key} of type uint64`);
    return BigInt(source);
  }
  return value;
}

/** Go decodes field names case-insensitively. */
function field(object: Record<string, unknown>, name: string): unknown {
  const match = Object.keys(object).find((key) => key.toLowerCase() === name.toLowerCase());
  return match === undefined ? undefined : object[match];
}

function decodeOp(raw: unknown): KvTxnOp {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DecodeError('json: cannot unmarshal into Go value of type api.TxnOp');
  const kv = field(raw as Record<string, unknown>, 'KV');
  if (typeof kv !== 'object' || kv === null) throw new DecodeError('the Consul double implements KV operations only');
  const op = kv as Record<string, unknown>;
  const value = field(op, 'Value');
  let bytes: Buffer | null = null;
  if (value !== undefined && value !== null) {
    if (typeof value !== 'string') throw new DecodeError(`unexpected value type: ${typeof value}`);
    if (!base64.test(value)) throw new DecodeError(`failed to decode value: illegal base64 data at input byte ${badBase64Byte(value)}`);
    bytes = Buffer.from(value, 'base64');
  }
  const flags = field(op, 'Flags');
  const index = field(op, 'Index');
  return {
    verb: String(field(op, 'Verb') ?? ''),
    key: String(field(op, 'Key') ?? ''),
    value: bytes,
    flags: typeof flags === 'bigint' ? flags : 0n,
    index: typeof index === 'bigint' ? Number(index) : 0,
    session: String(field(op, 'Session') ?? ''),
  };
}

export function txnEndpoint(ctx: RequestContext, env: Env): Reply {
  if (ctx.method !== 'PUT') return methodNotAllowed(ctx.method, ['PUT']);
  const { txnMaxReqLen, kvMaxValueSize, maxTxnOps } = env.config;
  if (Math.max(ctx.declaredLength ?? 0, ctx.body.length) > txnMaxReqLen) {
    return textReply(413, `Request body too large, max size: ${txnMaxReqLen} bytes`);
  }
  let ops: KvTxnOp[];
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString('utf8'), reviveUint64);
    if (!Array.isArray(parsed)) throw new DecodeError('json: cannot unmarshal object into Go value of type api.TxnOps');
    ops = parsed.map(decodeOp);
  } catch (error) {
    return textReply(400, `Failed to parse body: ${(error as Error).message}`);
  }
  if (ops.length > maxTxnOps) return textReply(413, `Transaction contains too many operations (${ops.length} > ${maxTxnOps})`);
  for (const op of ops) {
    const size = op.value?.length ?? 0;
    if (size > kvMaxValueSize) return textReply(413, `Value for key ${JSON.stringify(op.key)} is too large (${size} > ${kvMaxValueSize} bytes)`);
  }
  const readOnly = !ops.some(isWriteOp);
  let headers: Record<string, string> = {};
  if (readOnly) {
    const options = parseQueryOptions(ctx);
    if (isReply(options)) return options;
    headers = { 'x-consul-knownleader': 'true', 'x-consul-lastcontact': '0' };
  }
  const pretty = ctx.query.has('pretty');
  const outcome = applyTxn(env.state, ops, ctx.anonymous);
  if (!outcome.ok) return jsonReply({ Results: null, Errors: outcome.errors }, { status: 409, pretty, headers });
  return jsonReply({ Results: outcome.results, Errors: null }, { pretty, headers });
}
