/**
 * @module `/v1/kv/<key>`: GET (single, `?recurse`, `?keys` with `separator`, `?raw`), PUT (`?flags`,
 * `?cas`, `?acquire`, `?release`) and DELETE (`?recurse`, `?cas`), with the status codes and bodies of
 * Consul's `agent/kvs_endpoint.go`.
 */
import { filteredHeader, permissionDenied } from './acl.ts';
import { blockingQuery } from './blocking-query.ts';
import { blockingFor, type Env } from './endpoint-env.ts';
import { dirEntryJson } from './go-json.ts';
import { validateKey } from './key-validation.ts';
import { StateError, type DirEntry, type EntryInput } from './kv-store.ts';
import { isReply, parseQueryOptions, queryMeta, type QueryOptions } from './query-options.ts';
import { emptyReply, jsonReply, methodNotAllowed, textReply, type Reply } from './reply.ts';
import { encodeQuery, hasFlag, type RequestContext } from './request-context.ts';

const kvPrefix = '/v1/kv/';
const maxUint64 = 0xffff_ffff_ffff_ffffn;

export async function kvEndpoint(ctx: RequestContext, env: Env): Promise<Reply> {
  const options = parseQueryOptions(ctx);
  if (isReply(options)) return options;
  const key = ctx.path.slice(kvPrefix.length);
  const invalid = validateKey(key, ctx.rawPath, env.config.keyValidation);
  if (invalid !== undefined) return invalid;
  switch (ctx.method) {
    case 'GET':
      return hasFlag(ctx, 'keys') ? getKeys(ctx, env, options, key) : getEntries(ctx, env, options, key);
    case 'PUT':
      return put(ctx, env, options, key);
    case 'DELETE':
      return remove(ctx, env, options, key);
    default:
      return methodNotAllowed(ctx.method, ['GET', 'PUT', 'DELETE']);
  }
}

interface Listing<T> {
  readonly items: T;
  /** Entries dropped because the anonymous token may not read them. */
  readonly filtered: boolean;
}

async function getEntries(ctx: RequestContext, env: Env, options: QueryOptions, key: string): Promise<Reply> {
  const kv = env.state.kv;
  const recurse = hasFlag(ctx, 'recurse');
  if (!recurse && key === '') return textReply(400, 'Missing key name');
  // A single-key read is checked (403); listings are filtered instead.
  if (!recurse && ctx.anonymous) return permissionDenied();
  const result = await blockingQuery<Listing<DirEntry[]>>(blockingFor(env, ctx, options, recurse ? { prefix: key } : { key }), () => {
    if (!recurse) {
      const entry = kv.get(key);
      return { index: kv.keyIndex(key), found: entry !== undefined, value: { items: entry === undefined ? [] : [entry], filtered: false } };
    }
    const all = kv.list(key);
    const items = ctx.anonymous ? [] : all;
    return { index: kv.listIndex(key), found: items.length > 0, value: { items, filtered: items.length !== all.length } };
  });
  const headers = { ...queryMeta(result.index, options), ...(result.value.filtered ? filteredHeader : {}) };
  const [first] = result.value.items;
  if (first === undefined) return emptyReply(404, headers);
  if (hasFlag(ctx, 'raw') && !recurse) {
    // Never sniffed, never run: CVE-2020-25864.
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'text/plain', 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox' },
      body: first.value ?? Buffer.alloc(0),
    };
  }
  return jsonReply(result.value.items.map((entry) => dirEntryJson(entry)), { pretty: options.pretty, headers });
}

/** ListKeys: with a separator, keys are cut after the first separator past the prefix and de-duplicated. */
function groupKeys(entries: readonly DirEntry[], prefix: string, separator: string): string[] {
  if (separator === '') return entries.map((entry) => entry.key);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const { key } of entries) {
    const at = key.indexOf(separator, prefix.length);
    const grouped = at === -1 ? key : key.slice(0, at + separator.length);
    if (at === -1 || !seen.has(grouped)) keys.push(grouped);
    seen.add(grouped);
  }
  return keys;
}

async function getKeys(ctx: RequestContext, env: Env, options: QueryOptions, prefix: string): Promise<Reply> {
  const kv = env.state.kv;
  // The misspelling `seperator` is still accepted; `separator` wins when both are present.
  const separator = ctx.query.get('separator') ?? ctx.query.get('seperator') ?? '';
  const result = await blockingQuery<Listing<string[]>>(blockingFor(env, ctx, options, { prefix }), () => {
    const all = kv.list(prefix);
    const visible = ctx.anonymous ? [] : all;
    const items = groupKeys(visible, prefix, separator);
    return { index: kv.listIndex(prefix), found: items.length > 0, value: { items, filtered: visible.length !== all.length } };
  });
  const headers = { ...queryMeta(result.index, options), ...(result.value.filtered ? filteredHeader : {}) };
  // The root answers `[]`, any other empty prefix 404.
  if (result.value.items.length === 0 && prefix !== '') return emptyReply(404, headers);
  return jsonReply(result.value.items, { pretty: options.pretty, headers });
}

/** strconv.ParseUint(text, 10, 64), with Go's error text (Consul answers it as a 500). */
function parseUint64(text: string): bigint | StateError {
  if (!/^\d+$/.test(text)) return new StateError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = BigInt(text);
  return value > maxUint64 ? new StateError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`) : value;
}

/** At most one of the given flags; Consul's message echoes the whole encoded query. */
function conflictingFlags(ctx: RequestContext, flags: readonly string[]): Reply | undefined {
  if (flags.filter((flag) => hasFlag(ctx, flag)).length < 2) return undefined;
  return textReply(400, `Conflicting flags: ${encodeQuery(ctx.query)}`);
}

type PutOp = { kind: 'set' } | { kind: 'cas'; index: number } | { kind: 'lock' | 'unlock'; session: string };

function putOp(ctx: RequestContext): PutOp | StateError {
  if (hasFlag(ctx, 'cas')) {
    const index = parseUint64(ctx.query.get('cas') ?? '');
    return index instanceof StateError ? index : { kind: 'cas', index: Number(index) };
  }
  if (hasFlag(ctx, 'acquire')) return { kind: 'lock', session: ctx.query.get('acquire') ?? '' };
  if (hasFlag(ctx, 'release')) return { kind: 'unlock', session: ctx.query.get('release') ?? '' };
  return { kind: 'set' };
}

async function put(ctx: RequestContext, env: Env, options: QueryOptions, key: string): Promise<Reply> {
  if (key === '') return textReply(400, 'Missing key name');
  const conflict = conflictingFlags(ctx, ['cas', 'acquire', 'release']);
  if (conflict !== undefined) return conflict;
  // Every write sets every field: no `?flags` means flags 0, even on an existing key.
  const flags = hasFlag(ctx, 'flags') ? parseUint64(ctx.query.get('flags') ?? '') : 0n;
  if (flags instanceof StateError) return textReply(500, flags.message);
  const op = putOp(ctx);
  if (op instanceof StateError) return textReply(500, op.message);
  const size = Math.max(ctx.declaredLength ?? 0, ctx.body.length);
  if (size > env.config.kvMaxValueSize) {
    return textReply(
      413,
      `Request body(${size} bytes) too large, max size: ${env.config.kvMaxValueSize} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
    );
  }
  if (ctx.anonymous) return permissionDenied();
  const input: EntryInput = { key, value: ctx.body.length === 0 ? null : ctx.body, flags };
  const { kv, sessions } = env.state;
  // Lock-delay is enforced on the leader before the Raft write (kvsPreApply), so a refusal takes no index.
  if (op.kind === 'lock' && sessions.lockDelayed(key)) return jsonReply(false, { pretty: options.pretty });
  try {
    const ok = env.state.write((idx) => {
      switch (op.kind) {
        case 'set':
          kv.set(idx, input);
          return true;
        case 'cas':
          return kv.cas(idx, input, op.index) !== undefined;
        case 'lock':
          if (op.session === '') throw new StateError('missing session');
          if (sessions.get(op.session) === undefined) throw new StateError(`invalid session ${JSON.stringify(op.session)}`);
          return kv.lock(idx, input, op.session) !== undefined;
        case 'unlock':
          if (op.session === '') throw new StateError('missing session');
          return kv.unlock(idx, input, op.session) !== undefined;
      }
    });
    return jsonReply(ok, { pretty: options.pretty });
  } catch (error) {
    if (error instanceof StateError) return textReply(500, error.message);
    throw error;
  }
}

async function remove(ctx: RequestContext, env: Env, options: QueryOptions, key: string): Promise<Reply> {
  const conflict = conflictingFlags(ctx, ['recurse', 'cas']);
  if (conflict !== undefined) return conflict;
  const recurse = hasFlag(ctx, 'recurse');
  // Without recurse an empty key is an error; with it, the empty prefix deletes everything.
  if (!recurse && key === '') return textReply(400, 'Missing key name');
  const casIndex = hasFlag(ctx, 'cas') ? parseUint64(ctx.query.get('cas') ?? '') : undefined;
  if (casIndex instanceof StateError) return textReply(500, casIndex.message);
  if (ctx.anonymous) return permissionDenied();
  const kv = env.state.kv;
  const ok = env.state.write((idx) => {
    if (recurse) kv.deleteTree(idx, key);
    else if (casIndex !== undefined) return kv.deleteCas(idx, key, Number(casIndex));
    else kv.delete(idx, key);
    return true;
  });
  return jsonReply(ok, { pretty: options.pretty });
}
