/**
 * @module Routes from a key-value store (etcd or Consul) under `rootKey`: one consistent list, then
 * the watch's incremental updates applied to an in-memory copy (not a full re-read per change, as
 * Traefik does); a re-list and diff after any watch error or reconnect. While the store is away the
 * last key set keeps serving; retries back off up to a cap, and the log says so once per change of
 * state, not once per retry. With a snapshot file, the last applied key set is written after each
 * change and read back at a cold start when the store cannot be reached.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { KvStore, WatchHandle } from '../stores/store.ts';
import type { ConfigProvider, ProviderUpdate } from './provider.ts';

export interface StoreProviderOptions {
  readonly name: 'etcd' | 'consul';
  readonly store: KvStore;
  readonly rootKey: string;
  readonly logger: Logger;
  readonly snapshotFile?: string | undefined;
  /** Explains a store error for the log (naming the flag to fix). */
  readonly explain?: (error: unknown) => Error;
  readonly maxBackoffMs?: number;
}

export type StoreState = 'connecting' | 'connected' | 'unreachable' | 'snapshot';

export interface StoreStatus {
  readonly state: StoreState;
  /** Store revision of the key set last delivered. */
  readonly revision: bigint;
  /** Where the key set being served came from. */
  readonly source: 'store' | 'snapshot' | 'none';
  readonly since: number;
}

interface SnapshotFile {
  readonly provider: string;
  readonly rootKey: string;
  readonly revision: string;
  readonly writtenAt: string;
  readonly entries: Record<string, string>;
}

export class StoreProvider implements ConfigProvider {
  readonly name: string;
  readonly root: string;
  readonly #options: StoreProviderOptions;
  readonly #entries = new Map<string, string>();
  #revision = 0n;
  #watch: WatchHandle | undefined;
  #onUpdate: ((update: ProviderUpdate) => void) | undefined;
  #state: StoreState = 'connecting';
  #source: 'store' | 'snapshot' | 'none' = 'none';
  #since = Date.now();
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #emitScheduled = false;
  #backoffMs = 100;
  #lastRetryAt = 0;
  #snapshotWrite: Promise<void> = Promise.resolve();

  constructor(options: StoreProviderOptions) {
    this.#options = options;
    this.name = options.name;
    this.root = options.rootKey;
  }

  get status(): StoreStatus {
    return { state: this.#state, revision: this.#revision, source: this.#source, since: this.#since };
  }

  /** Resolves after the first key set was delivered, from the store or from the snapshot file. */
  async start(onUpdate: (update: ProviderUpdate) => void): Promise<void> {
    this.#onUpdate = onUpdate;
    try {
      await this.#resync('initial list');
      return;
    } catch (error) {
      // Wrong credentials or certificates will not fix themselves: fail the start, naming the flag.
      const explained = this.#options.explain?.(error);
      const code = (explained as { code?: string } | undefined)?.code;
      if (explained !== undefined && (code === 'SY_STORE_AUTH' || code === 'SY_STORE_TLS')) throw explained;
      this.#setState('unreachable', error);
    }
    if (await this.#loadSnapshot()) this.#setState('snapshot');
    this.#scheduleRetry();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#watch?.close();
    await this.#snapshotWrite;
  }

  async #resync(reason: string): Promise<void> {
    this.#watch?.close();
    this.#watch = undefined;
    const prefix = `${this.#options.rootKey}/`;
    const listed = await this.#options.store.list(prefix);
    // Keys written with a leading '/' are a classic mistake (traefik#11416): list them so the
    // decoder reports them instead of leaving them silently invisible.
    const slashed = await this.#options.store.list(`/${prefix}`).catch(() => ({ entries: new Map<string, string>() }));
    if (this.#stopped) return;
    const changed = this.#replace(new Map([...listed.entries, ...slashed.entries]));
    this.#revision = listed.revision;
    this.#source = 'store';
    this.#setState('connected');
    if (changed || reason === 'initial list') this.#emitNow();
    this.#options.logger.debug({ provider: this.name, reason, keys: this.#entries.size, revision: String(listed.revision) }, 'store listed');
    this.#watch = this.#options.store.watch(prefix, listed.revision, (event) => {
      if (this.#stopped) return;
      switch (event.type) {
        case 'put':
          this.#backoffMs = 100;
          this.#entries.set(event.key, event.value);
          this.#revision = event.revision;
          this.#scheduleEmit();
          break;
        case 'delete':
          this.#backoffMs = 100;
          this.#entries.delete(event.key);
          this.#revision = event.revision;
          this.#scheduleEmit();
          break;
        case 'disconnected':
          this.#setState('unreachable', event.error ?? new Error(event.reason));
          break;
        case 'connected':
          break;
        case 'resync':
          this.#options.logger.info({ provider: this.name, reason: event.reason }, 'store watch interrupted; re-listing');
          // Through the backoff, not at once: a watch that keeps failing while lists succeed
          // (a store rate-limiting blocking reads) must not turn into a tight re-list loop.
          this.#scheduleRetry();
          break;
      }
    });
  }

  #retryNow(): void {
    clearTimeout(this.#retryTimer);
    this.#resync('resync').then(
      () => {},
      (error) => {
        this.#setState('unreachable', error);
        this.#scheduleRetry();
      },
    );
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    // A failure long after the last one starts the backoff over.
    if (Date.now() - this.#lastRetryAt > 60_000) this.#backoffMs = 100;
    this.#lastRetryAt = Date.now();
    clearTimeout(this.#retryTimer);
    const jitter = 0.8 + Math.random() * 0.4;
    this.#retryTimer = setTimeout(() => this.#retryNow(), this.#backoffMs * jitter);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.maxBackoffMs ?? 5_000);
  }

  /** Logs only on a change of state, so an outage is two lines, not one per retry. */
  #setState(state: StoreState, error?: unknown): void {
    // Serving from the snapshot already says the store is unreachable; retries keep that state.
    if (state === this.#state || (state === 'unreachable' && this.#state === 'snapshot')) return;
    const previous = this.#state;
    this.#state = state;
    this.#since = Date.now();
    const log = this.#options.logger;
    if (state === 'unreachable') {
      const explained = error === undefined ? undefined : (this.#options.explain?.(error) ?? (error as Error));
      log.error({ provider: this.name, code: (explained as { code?: string } | undefined)?.code, error: explained?.message }, `${this.name} is unreachable; serving the last applied configuration and retrying`);
    } else if (state === 'snapshot') {
      log.warn({ provider: this.name, file: this.#options.snapshotFile, revision: String(this.#revision) }, `${this.name} is unreachable at start: serving the last applied configuration from the snapshot file`);
    } else if (state === 'connected' && previous !== 'connecting') {
      log.info({ provider: this.name, revision: String(this.#revision) }, `${this.name} is reachable again; applied everything written meanwhile`);
    }
  }

  #replace(next: Map<string, string>): boolean {
    let changed = next.size !== this.#entries.size;
    if (!changed) for (const [k, v] of next) if (this.#entries.get(k) !== v) { changed = true; break; }
    this.#entries.clear();
    for (const [k, v] of next) this.#entries.set(k, v);
    return changed;
  }

  /** A burst of watch events (one etcd response, one txn) becomes one update. */
  #scheduleEmit(): void {
    if (this.#emitScheduled) return;
    this.#emitScheduled = true;
    setImmediate(() => {
      this.#emitScheduled = false;
      this.#emitNow();
    });
  }

  #emitNow(): void {
    this.#onUpdate?.({ entries: [...this.#entries], revision: Number(this.#revision) });
    this.#writeSnapshot();
  }

  #writeSnapshot(): void {
    const file = this.#options.snapshotFile;
    if (file === undefined || this.#source !== 'store') return;
    const body: SnapshotFile = {
      provider: this.name,
      rootKey: this.#options.rootKey,
      revision: String(this.#revision),
      writtenAt: new Date().toISOString(),
      entries: Object.fromEntries(this.#entries),
    };
    const text = JSON.stringify(body);
    // Serialized and atomic (write then rename): a crash leaves the old file or the new one. Owner
    // only (0600): it holds every key under the rootKey, private keys of tls/certificates included.
    // chmod as well, since `mode` applies only when the file is created (a .tmp left by a crash).
    this.#snapshotWrite = this.#snapshotWrite.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await writeFile(`${file}.tmp`, text, { mode: 0o600 });
        await chmod(`${file}.tmp`, 0o600);
        await rename(`${file}.tmp`, file);
      } catch (error) {
        this.#options.logger.error({ file, error: (error as Error).message }, 'cannot write the snapshot file');
      }
    });
  }

  async #loadSnapshot(): Promise<boolean> {
    const file = this.#options.snapshotFile;
    if (file === undefined) return false;
    let snapshot: SnapshotFile;
    try {
      snapshot = JSON.parse(await readFile(file, 'utf8')) as SnapshotFile;
    } catch (error) {
      this.#options.logger.error({ file, error: (error as Error).message }, 'no usable snapshot file; serving nothing until the store answers');
      return false;
    }
    if (snapshot.rootKey !== this.#options.rootKey) {
      this.#options.logger.error({ file, rootKey: snapshot.rootKey }, 'the snapshot file was written for another rootKey; ignoring it');
      return false;
    }
    this.#replace(new Map(Object.entries(snapshot.entries)));
    this.#revision = BigInt(snapshot.revision);
    this.#source = 'snapshot';
    this.#onUpdate?.({ entries: [...this.#entries], revision: Number(this.#revision) });
    return true;
  }
}
