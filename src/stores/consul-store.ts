/**
 * @module The Consul adapter, on Consul's documented semantics (kv-backends.md §A):
 * - watch = blocking recursive reads diffed against the last known tree; an index that goes
 *   backwards means resync, an unchanged index is a spurious wake-up, 0 counts as 1;
 * - sessions are pure TTL sessions (`Checks: []`) renewed every TTL/2, believed alive only while a
 *   renewal succeeded within TTL minus a margin; keys written with a session use `acquire` so they
 *   go away with it (`Behavior: delete`);
 * - leadership = a txn `lock` on one key, whose resulting ModifyIndex is the fencing token; guarded
 *   writes are txns with `check-session` on that key;
 * - folder keys (ending in '/') are skipped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../errors.ts';
import { permissionDenied } from './permission-denied.ts';
import { ConsulHttp, ConsulStatusError, kvPath, type ConsulHttpOptions } from './consul-http.ts';
import { SessionLiveness } from './session-liveness.ts';
import { checkTxnSize, type KvStore, type Leadership, type ListResult, type StoreSession, type TxnOp, type WatchEvent, type WatchHandle } from './store.ts';

interface KvPair {
  readonly Key: string;
  readonly Value: string | null;
  readonly ModifyIndex: number;
  readonly Session?: string;
}

/**
 * Long enough to keep idle nodes quiet, short enough that a read parked on an index Consul has
 * moved back from (after a snapshot restore) returns within a minute (consul-template's default).
 */
const BLOCK_WAIT_MS = 60_000;
/** Below this spacing, consecutive blocking reads are delayed (the docs ask clients to rate-limit). */
const MIN_SPACING_MS = 20;
/** Lock-delay of our sessions: short, because fencing (not the delay) protects against a stale leader. */
const LOCK_DELAY_MS = 1_000;

export class ConsulStore implements KvStore {
  readonly kind = 'consul' as const;
  /** `maxTxnOps` in Consul's agent (agent/txn_endpoint.go) through 1.x; newer docs say 128. */
  readonly maxTxnOps = 64;
  readonly #http: ConsulHttp;
  readonly #flagPrefix: string;
  readonly #lastListed = new Map<string, Map<string, string>>();
  /** Without a token a refusal means "give it one" (SY_STORE_AUTH); with one, its policy lacks a prefix. */
  readonly #hasToken: boolean;

  constructor(options: ConsulHttpOptions) {
    this.#http = new ConsulHttp(options);
    this.#flagPrefix = options.flagPrefix;
    this.#hasToken = options.token !== undefined && options.token !== '';
  }

  explain(error: unknown): SwitchyardError {
    const p = this.#flagPrefix;
    const e = error as Error & { status?: number; code?: string };
    // 403 with a valid token is a policy that lacks the prefix ("Permission denied", or a read
    // filtered by ACLs); an unknown or missing token is "ACL not found".
    if (e instanceof ConsulStatusError && e.status === 403 && this.#hasToken && !/ACL not found|token not found/i.test(e.message)) {
      return permissionDenied('Consul', `the ACL token in ${p}.token`, `${p}.token`, e.key, e.message, error);
    }
    if (e instanceof ConsulStatusError && (e.status === 403 || e.status === 401)) {
      return new SwitchyardError('SY_STORE_AUTH', `Consul refused the ACL token (${e.message}); check ${p}.token`, `${p}.token`, { cause: error });
    }
    if (/certificate|handshake|SSL|TLS|self.signed|unable to verify/i.test(`${e.code ?? ''} ${e.message}`)) {
      return new SwitchyardError('SY_STORE_TLS', `TLS with Consul failed (${e.message}); check ${p}.tls.ca, ${p}.tls.cert and ${p}.tls.key`, `${p}.tls.ca`, { cause: error });
    }
    if (e instanceof SwitchyardError) return e;
    return new SwitchyardError('SY_STORE_UNREACHABLE', `cannot reach Consul at ${this.#http.endpoint} (${e.code ?? ''} ${e.message})`, `${p}.endpoints`, { cause: error });
  }

  async list(prefix: string): Promise<ListResult> {
    const res = await this.#http.call('GET', `${kvPath(prefix)}?recurse&consistent`);
    // Without a token that may read the prefix, Consul answers as if it were empty: refuse to
    // take that for "no routes", which would clear every route on the node.
    if (res.status === 404 && res.filtered) throw new ConsulStatusError(403, `the ACL token cannot read ${prefix} (results filtered by ACLs)`, prefix);
    const entries = res.status === 404 ? new Map<string, string>() : toMap(parse(res, prefix));
    this.#lastListed.set(prefix, entries);
    return { entries, revision: res.index, modRevision: res.index };
  }

  watch(prefix: string, afterRevision: bigint, onEvent: (event: WatchEvent) => void): WatchHandle {
    const abort = new AbortController();
    let known = new Map(this.#lastListed.get(prefix) ?? []);
    let index = afterRevision;
    const loop = async () => {
      let last = 0;
      while (!abort.signal.aborted) {
        const since = Date.now() - last;
        if (since < MIN_SPACING_MS) await sleep(MIN_SPACING_MS - since, undefined, { signal: abort.signal });
        last = Date.now();
        const res = await this.#http.call('GET', `${kvPath(prefix)}?recurse&index=${index}&wait=${BLOCK_WAIT_MS / 1000}s`, { waitMs: BLOCK_WAIT_MS, signal: abort.signal });
        // An error answer carries no X-Consul-Index (read as 1): it is a failed read, not an index
        // that went backwards, and must not be reported as one.
        if (res.status !== 200 && res.status !== 404) throw new ConsulStatusError(res.status, res.text.trim(), prefix);
        if (res.index < index) {
          onEvent({ type: 'resync', reason: `Consul index went backwards (${index} → ${res.index})` });
          return;
        }
        if (res.index === index) continue;
        if (res.status === 404 && res.filtered) throw new ConsulStatusError(403, `the ACL token cannot read ${prefix} (results filtered by ACLs)`, prefix);
        index = res.index;
        const next = res.status === 404 ? new Map<string, string>() : toMap(parse(res, prefix));
        for (const [key, value] of next) if (known.get(key) !== value) onEvent({ type: 'put', key, value, revision: index });
        for (const key of known.keys()) if (!next.has(key)) onEvent({ type: 'delete', key, revision: index });
        known = next;
      }
    };
    loop().catch((error: Error) => {
      if (abort.signal.aborted) return;
      onEvent({ type: 'disconnected', reason: error.message, error });
      onEvent({ type: 'resync', reason: `watch failed (${error.message})` });
    });
    return { close: () => abort.abort() };
  }

  async createSession(ttlMs: number): Promise<StoreSession> {
    const ttlSeconds = Math.max(10, Math.round(ttlMs / 1000));
    const res = await this.#http.call('PUT', '/v1/session/create', {
      body: JSON.stringify({ Name: 'switchyard', TTL: `${ttlSeconds}s`, Behavior: 'delete', LockDelay: `${LOCK_DELAY_MS}ms`, Checks: [], NodeChecks: [] }),
    });
    if (res.status !== 200) throw new ConsulStatusError(res.status, res.text.trim());
    const id = (JSON.parse(res.text) as { ID: string }).ID;
    return new ConsulSession(this.#http, id, ttlSeconds * 1000);
  }

  async campaign(name: string, session: StoreSession, value: string, signal: AbortSignal): Promise<Leadership> {
    const key = name;
    for (;;) {
      const guard = AbortSignal.any([signal, session.lost]);
      guard.throwIfAborted();
      const res = await this.#http.call('PUT', '/v1/txn', { body: JSON.stringify([{ KV: { Verb: 'lock', Key: key, Value: b64(value), Session: session.id } }]), signal: guard });
      if (res.status === 200) {
        const kv = (JSON.parse(res.text) as { Results: { KV: { ModifyIndex: number } }[] }).Results[0]!.KV;
        return this.#lead(key, session, BigInt(kv.ModifyIndex));
      }
      if (res.status !== 409) throw new ConsulStatusError(res.status, res.text.trim(), key);
      // Held by someone else: wait for the key to change, then try again. Free but refused means
      // lock-delay after the previous holder's session ended: nothing will change, so retry soon.
      const current = await this.#http.call('GET', `${kvPath(key)}`, { signal: guard });
      const holder = current.status === 200 ? (JSON.parse(current.text) as KvPair[])[0]?.Session : undefined;
      if (holder === undefined || holder === '') await sleep(LOCK_DELAY_MS / 2, undefined, { signal: guard });
      else await this.#http.call('GET', `${kvPath(key)}?index=${current.index}&wait=15s`, { waitMs: 15_000, signal: guard });
    }
  }

  #lead(key: string, session: StoreSession, token: bigint): Leadership {
    const lost = new AbortController();
    const onSessionLost = () => lost.abort(session.lost.reason);
    session.lost.addEventListener('abort', onSessionLost, { once: true });
    // Monitor the lock key with consistent blocking reads: gone, or another session, ends the term.
    const monitor = async () => {
      let index = 1n;
      while (!lost.signal.aborted) {
        const res = await this.#http.call('GET', `${kvPath(key)}?consistent&index=${index}&wait=15s`, { waitMs: 15_000, signal: lost.signal });
        index = res.index;
        const pair = res.status === 200 ? (JSON.parse(res.text) as KvPair[])[0] : undefined;
        if (pair === undefined || pair.Session !== session.id) lost.abort(new Error('the leader lock is no longer held by this node'));
      }
    };
    monitor().catch(() => {});
    return {
      key,
      token,
      lost: lost.signal,
      resign: async () => {
        lost.abort(new Error('resigned'));
        session.lost.removeEventListener('abort', onSessionLost);
        await this.#http.call('PUT', '/v1/txn', { body: JSON.stringify([{ KV: { Verb: 'unlock', Key: key, Session: session.id } }]) }).catch(() => {});
      },
    };
  }

  async readLeader(name: string): Promise<string | undefined> {
    const res = await this.#http.call('GET', `${kvPath(name)}?consistent`);
    if (res.status !== 200) return undefined;
    const pair = (JSON.parse(res.text) as KvPair[])[0];
    return pair?.Session === undefined || pair.Session === '' || pair.Value === null ? undefined : Buffer.from(pair.Value, 'base64').toString();
  }

  async guardedPut(leadership: Leadership, key: string, value: string): Promise<boolean> {
    return this.#guarded(leadership, { Verb: 'set', Key: key, Value: b64(value) });
  }

  async guardedDelete(leadership: Leadership, key: string): Promise<boolean> {
    return this.#guarded(leadership, { Verb: 'delete', Key: key });
  }

  async #guarded(leadership: Leadership, op: Record<string, unknown>): Promise<boolean> {
    if (leadership.lost.aborted) return false;
    const session = await this.#lockHolder(leadership.key);
    if (session === undefined) return false;
    const res = await this.#http.call('PUT', '/v1/txn', {
      body: JSON.stringify([{ KV: { Verb: 'check-index', Key: leadership.key, Index: Number(leadership.token) } }, { KV: { Verb: 'check-session', Key: leadership.key, Session: session } }, { KV: op }]),
    });
    if (res.status === 200) return true;
    if (res.status === 409) return false;
    throw new ConsulStatusError(res.status, res.text.trim(), leadership.key);
  }

  async #lockHolder(key: string): Promise<string | undefined> {
    const res = await this.#http.call('GET', `${kvPath(key)}?consistent`);
    if (res.status !== 200) return undefined;
    return (JSON.parse(res.text) as KvPair[])[0]?.Session;
  }

  async put(key: string, value: string): Promise<void> {
    const res = await this.#http.call('PUT', kvPath(key), { body: value });
    if (res.status !== 200) throw new ConsulStatusError(res.status, res.text.trim(), key);
  }

  async delete(key: string): Promise<void> {
    const res = await this.#http.call('DELETE', kvPath(key));
    if (res.status !== 200) throw new ConsulStatusError(res.status, res.text.trim(), key);
  }

  async txn(ops: readonly TxnOp[]): Promise<void> {
    checkTxnSize(ops.length, this.maxTxnOps, 'Consul');
    const body = ops.map((op) => ({ KV: op.type === 'put' ? { Verb: 'set', Key: op.key, Value: b64(op.value) } : { Verb: 'delete', Key: op.key } }));
    const res = await this.#http.call('PUT', '/v1/txn', { body: JSON.stringify(body) });
    // 409: the transaction was rolled back; the body lists which operation failed and why.
    if (res.status !== 200) throw new ConsulStatusError(res.status, res.text.trim(), ops[0]?.key);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}

class ConsulSession implements StoreSession {
  readonly id: string;
  readonly #http: ConsulHttp;
  readonly #liveness: SessionLiveness;

  constructor(http: ConsulHttp, id: string, ttlMs: number) {
    this.#http = http;
    this.id = id;
    let renewing = false;
    // Renewed every TTL/2, as Consul's own Go helper does.
    const renew = () => {
      if (renewing || this.#liveness.sinceSuccessMs < ttlMs / 2) return;
      renewing = true;
      http
        .call('PUT', `/v1/session/renew/${id}`)
        .then((res) => {
          if (res.status === 200) this.#liveness.renewed();
          else if (res.status === 404) this.#liveness.lose(new Error('Consul says the session no longer exists'));
        })
        .catch(() => {})
        .finally(() => (renewing = false));
    };
    this.#liveness = new SessionLiveness(ttlMs, 2_000, 'no session renewal succeeded within the TTL', renew);
  }

  get lost(): AbortSignal {
    return this.#liveness.signal;
  }

  async put(key: string, value: string): Promise<void> {
    const res = await this.#http.call('PUT', `${kvPath(key)}?acquire=${this.id}`, { body: value });
    if (res.status !== 200 || res.text.trim() !== 'true') throw new ConsulStatusError(res.status, `cannot write ${key} with the session: ${res.text.trim()}`, key);
  }

  async close(): Promise<void> {
    this.#liveness.lose(new Error('session closed'));
    await this.#http.call('PUT', `/v1/session/destroy/${this.id}`).catch(() => {});
  }
}

function parse(res: { status: number; text: string }, key: string): KvPair[] {
  if (res.status !== 200) throw new ConsulStatusError(res.status, res.text.trim(), key);
  return JSON.parse(res.text) as KvPair[];
}

function toMap(pairs: readonly KvPair[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    // Folder keys carry no data (and would clobber lists: traefik#12746).
    if (pair.Key.endsWith('/') && (pair.Value === null || pair.Value === '')) continue;
    map.set(pair.Key, pair.Value === null ? '' : Buffer.from(pair.Value, 'base64').toString());
  }
  return map;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}
