/**
 * @module The etcd v3 adapter (`etcd3` client). What it hides from the layers above:
 * - lists are paginated and pinned to the first page's revision, so a big prefix is one consistent
 *   view and never crosses grpc-js's 4 MiB receive limit;
 * - any watcher error (compaction arrives as an empty-reason "Watcher canceled") and every
 *   reconnect become `resync`, because the client can skip events across a reconnect;
 * - RESOURCE_EXHAUSTED is not retried, so one oversized value cannot open the client's circuit
 *   breaker for unrelated calls (kv-backends.md §C.1);
 * - leadership follows Go's `concurrency.Election` recipe (`<name>/<hex lease>` keys, lowest create
 *   revision leads), so `etcdctl elect` sees the same leader, with the create revision as the
 *   fencing token; a session counts as lost once no keepalive succeeded for TTL minus a margin.
 */
import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, GRPCResourceExhastedError, isRecoverableError, KVClient, type IOptions, type Lease, type Watcher } from 'etcd3';
import { SwitchyardError } from '../errors.ts';
import { guardEtcd3Watches } from './etcd3-watch-patch.ts';
import { permissionDenied } from './permission-denied.ts';
import { SessionLiveness } from './session-liveness.ts';
import { checkTxnSize, type KvStore, type Leadership, type ListResult, type StoreSession, type TxnOp, type WatchEvent, type WatchHandle } from './store.ts';

export interface EtcdStoreOptions {
  readonly endpoints: readonly string[];
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined } | undefined;
  /** Flag prefix for error messages: `--providers.etcd`. */
  readonly flagPrefix: string;
  readonly dialTimeoutMs?: number;
}

const PAGE = 2_000;

guardEtcd3Watches();

export class EtcdStore implements KvStore {
  readonly kind = 'etcd' as const;
  /** etcd's `--max-txn-ops` default; a server started with a higher one still accepts batches of this size. */
  readonly maxTxnOps = 128;
  readonly #client: Etcd3;
  readonly #kv: KVClient;
  readonly #options: EtcdStoreOptions;
  /** The key or prefix each failed call was about, so explain() can name what was refused. */
  readonly #failedAt = new WeakMap<object, string>();

  constructor(options: EtcdStoreOptions) {
    this.#options = options;
    const secure = options.tls?.ca !== undefined || options.tls?.cert !== undefined;
    const hosts = options.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `${secure ? 'https' : 'http'}://${e}`));
    const config: IOptions = {
      hosts,
      dialTimeout: options.dialTimeoutMs ?? 5_000,
      // A member that accepts connections but never answers would hang a call forever otherwise.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 5_000 }),
      grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 },
      faultHandling: {
        host: () => circuitBreaker(handleWhen(isRetryable), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
        global: retry(handleWhen(isRetryable), { maxAttempts: Math.max(2, hosts.length) }),
        // Reconnect a dropped watch stream quickly (the default backs off to 30 s): routes written
        // while etcd was away should apply within moments of its return.
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
      },
    };
    if (secure) {
      config.credentials = {
        rootCertificate: readTlsFile(options.tls?.ca, `${options.flagPrefix}.tls.ca`) ?? Buffer.alloc(0),
        ...(options.tls?.cert === undefined ? {} : { certChain: readTlsFile(options.tls.cert, `${options.flagPrefix}.tls.cert`)! }),
        ...(options.tls?.key === undefined ? {} : { privateKey: readTlsFile(options.tls.key, `${options.flagPrefix}.tls.key`)! }),
      };
    }
    if (options.username !== undefined) config.auth = { username: options.username, password: options.password ?? '' };
    this.#client = new Etcd3(config);
    // etcd3 keeps its pool protected; the raw KV client is needed for paginated, pinned ranges.
    this.#kv = new KVClient((this.#client as unknown as { pool: ConstructorParameters<typeof KVClient>[0] }).pool);
  }

  /** Turns a client error into one naming the flag an operator must fix. */
  explain(error: unknown): SwitchyardError {
    if (error instanceof SwitchyardError) return error;
    const e = error as Error;
    const text = `${e.name}: ${e.message}`;
    const p = this.#options.flagPrefix;
    if (/authentication failed|invalid auth token|user name is empty|auth: /i.test(text)) {
      return new SwitchyardError('SY_STORE_AUTH', `etcd refused the credentials (${e.message}); check ${p}.username and ${p}.password`, `${p}.password`, { cause: error });
    }
    if (/certificate|handshake|SSL|TLS|self.signed|unknown authority/i.test(text)) {
      return new SwitchyardError('SY_STORE_TLS', `TLS with etcd failed (${e.message}); check ${p}.tls.ca, ${p}.tls.cert and ${p}.tls.key`, `${p}.tls.cert`, { cause: error });
    }
    if (/permission denied/i.test(text)) {
      return permissionDenied('etcd', `the user in ${p}.username`, `${p}.username`, this.#failedAt.get(e), e.message, error);
    }
    return new SwitchyardError('SY_STORE_UNREACHABLE', `cannot reach etcd at ${this.#options.endpoints.join(', ')} (${e.message})`, `${p}.endpoints`, { cause: error });
  }

  /** Remembers what a failed call was about, and rethrows the error unchanged. */
  #tagged<T>(about: string, call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      if (typeof error === 'object' && error !== null) this.#failedAt.set(error, about);
      throw error;
    });
  }

  async list(prefix: string): Promise<ListResult> {
    return this.#tagged(prefix, this.#list(prefix));
  }

  async #list(prefix: string): Promise<ListResult> {
    const entries = new Map<string, string>();
    const end = prefixEnd(prefix);
    let from = Buffer.from(prefix);
    let revision: string | undefined;
    let modRevision = 0n;
    for (;;) {
      const res = await this.#kv.range({ key: from, range_end: end, limit: PAGE, ...(revision === undefined ? {} : { revision }) });
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        entries.set(kv.key.toString(), kv.value.toString());
        const mod = BigInt(kv.mod_revision);
        if (mod > modRevision) modRevision = mod;
      }
      if (!res.more || res.kvs.length === 0) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
    }
    return { entries, revision: BigInt(revision ?? '1'), modRevision };
  }

  watch(prefix: string, afterRevision: bigint, onEvent: (event: WatchEvent) => void): WatchHandle {
    let watcher: Watcher | undefined;
    let closed = false;
    let wasDisconnected = false;
    void this.#client
      .watch()
      .prefix(prefix)
      .startRevision(String(afterRevision + 1n))
      .create()
      .then((w) => {
        if (closed) return void w.cancel();
        watcher = w;
        w.on('data', (res) => {
          for (const event of res.events) {
            const key = event.kv.key.toString();
            const revision = BigInt(event.kv.mod_revision);
            if (event.type === 'Delete') onEvent({ type: 'delete', key, revision });
            else onEvent({ type: 'put', key, value: event.kv.value.toString(), revision });
          }
        });
        w.on('disconnected', (error) => {
          wasDisconnected = true;
          onEvent({ type: 'disconnected', reason: error.message, error });
        });
        w.on('connected', () => {
          if (!wasDisconnected) return;
          wasDisconnected = false;
          onEvent({ type: 'connected' });
          // The client resumes at the current revision; events in between may be lost.
          onEvent({ type: 'resync', reason: 'watch reconnected' });
        });
        w.on('error', (error) => {
          // etcd3 reports a compaction as "Watcher canceled: " with etcd's (empty) cancel reason.
          const detail = error.message.replace(/^Watcher canceled:\s*/, '');
          onEvent({ type: 'resync', reason: `watch canceled (${detail || 'history compacted'})` });
        });
      })
      .catch((error: Error) => onEvent({ type: 'resync', reason: `watch could not start (${error.message})` }));
    return {
      close() {
        closed = true;
        void watcher?.cancel().catch(() => {});
      },
    };
  }

  async createSession(ttlMs: number): Promise<StoreSession> {
    const ttl = Math.max(2, Math.round(ttlMs / 1000));
    const lease = this.#client.lease(ttl, { autoKeepAlive: true });
    const id = await lease.grant();
    return new EtcdSession(lease, id, ttl * 1000);
  }

  async campaign(name: string, session: StoreSession, value: string, signal: AbortSignal): Promise<Leadership> {
    return this.#tagged(`${name}/`, this.#campaign(name, session, value, signal));
  }

  async #campaign(name: string, session: StoreSession, value: string, signal: AbortSignal): Promise<Leadership> {
    const key = `${name}/${BigInt(session.id).toString(16)}`;
    const put = await this.#client.if(key, 'Create', '==', 0).then(this.#client.put(key).value(value).lease(session.id)).else(this.#client.get(key)).commit();
    const own = put.succeeded ? BigInt(put.header.revision) : BigInt(put.responses[0]!.response_range!.kvs[0]!.create_revision);
    for (;;) {
      signal.throwIfAborted();
      session.lost.throwIfAborted();
      // Lowest create revision under the prefix leads; wait for the one just before ours to go.
      const res = await this.#kv.range({ key: Buffer.from(`${name}/`), range_end: prefixEnd(`${name}/`), sort_order: 'Descend', sort_target: 'Create', max_create_revision: String(own - 1n), limit: 1 });
      const ahead = res.kvs[0];
      if (ahead === undefined) break;
      await this.#waitDeleted(ahead.key.toString(), BigInt(res.header.revision), AbortSignal.any([signal, session.lost]));
    }
    const lost = new AbortController();
    session.lost.addEventListener('abort', () => lost.abort(session.lost.reason), { once: true });
    // Someone deleting our key (an operator, or lease expiry seen before `lost`) ends the term.
    const watch = this.watch(key, own, (event) => {
      if (event.type === 'delete') lost.abort(new Error('leader key deleted'));
    });
    lost.signal.addEventListener('abort', () => watch.close(), { once: true });
    return {
      key,
      token: own,
      lost: lost.signal,
      resign: async () => {
        lost.abort(new Error('resigned'));
        await this.#client.if(key, 'Create', '==', String(own)).then(this.#client.delete().key(key)).commit().catch(() => {});
      },
    };
  }

  async readLeader(name: string): Promise<string | undefined> {
    const res = await this.#kv.range({ key: Buffer.from(`${name}/`), range_end: prefixEnd(`${name}/`), sort_order: 'Ascend', sort_target: 'Create', limit: 1 });
    return res.kvs[0]?.value.toString();
  }

  async guardedPut(leadership: Leadership, key: string, value: string): Promise<boolean> {
    if (leadership.lost.aborted) return false;
    const res = await this.#tagged(key, this.#client.if(leadership.key, 'Create', '==', String(leadership.token)).then(this.#client.put(key).value(value)).commit());
    return res.succeeded;
  }

  async guardedDelete(leadership: Leadership, key: string): Promise<boolean> {
    if (leadership.lost.aborted) return false;
    const res = await this.#client.if(leadership.key, 'Create', '==', String(leadership.token)).then(this.#client.delete().key(key)).commit();
    return res.succeeded;
  }

  async put(key: string, value: string): Promise<void> {
    await this.#tagged(key, this.#client.put(key).value(value).exec());
  }

  async delete(key: string): Promise<void> {
    await this.#client.delete().key(key).exec();
  }

  async txn(ops: readonly TxnOp[]): Promise<void> {
    checkTxnSize(ops.length, this.maxTxnOps, 'etcd');
    // No compare: an empty condition holds, so the success branch applies every operation at once.
    await this.#kv.txn({
      compare: [],
      success: ops.map((op) => (op.type === 'put'
        ? { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value) } }
        : { request_delete_range: { key: Buffer.from(op.key) } })),
      failure: [],
    });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #waitDeleted(key: string, revision: bigint, signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        handle.close();
        reject(signal.reason);
      };
      const handle = this.watch(key, revision, (event) => {
        if (event.type === 'delete' || event.type === 'resync') {
          signal.removeEventListener('abort', onAbort);
          handle.close();
          resolve();
        }
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

class EtcdSession implements StoreSession {
  readonly id: string;
  readonly #lease: Lease;
  readonly #liveness: SessionLiveness;

  constructor(lease: Lease, id: string, ttlMs: number) {
    this.#lease = lease;
    this.id = id;
    this.#liveness = new SessionLiveness(ttlMs, 1_000, 'no lease keepalive succeeded within the TTL');
    lease.on('keepaliveSucceeded', () => this.#liveness.renewed());
    lease.on('lost', (error) => this.#liveness.lose(error));
  }

  get lost(): AbortSignal {
    return this.#liveness.signal;
  }

  async put(key: string, value: string): Promise<void> {
    await this.#lease.put(key).value(value).exec();
  }

  async close(): Promise<void> {
    this.#liveness.lose(new Error('session closed'));
    await this.#lease.revoke().catch(() => {});
  }
}

function isRetryable(error: Error): boolean {
  return isRecoverableError(error) && !(error instanceof GRPCResourceExhastedError);
}

function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

function readTlsFile(path: string | undefined, flag: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SwitchyardError('SY_STORE_TLS', `cannot read ${path}: ${(error as Error).message}`, flag, { cause: error });
  }
}
