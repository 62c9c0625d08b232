/**
 * @module The node registry: each node keeps a record of itself under `<stateKey>/nodes/<id>`,
 * written with its session (etcd lease / Consul session) so it disappears when the node dies. The
 * record carries what `switchyard status` and /api/cluster show: version, addresses, the store
 * revision this node applied, start time. A lost session is replaced and the record rewritten.
 */
import type { Logger } from 'pino';
import type { KvStore, StoreSession } from '../stores/store.ts';

export interface NodeRecord {
  readonly id: string;
  readonly version: string;
  readonly addresses: Readonly<Record<string, string>>;
  /** Store revision of the configuration this node serves, as a decimal string. */
  readonly appliedRevision: string;
  /** `store`, or `snapshot` when serving from the snapshot file. */
  readonly source: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Ids of the cluster certificates this node serves. */
  readonly certificates: readonly string[];
}

export interface NodeRegistryOptions {
  readonly store: KvStore;
  readonly stateKey: string;
  readonly ttlMs: number;
  readonly logger: Logger;
  readonly record: () => Omit<NodeRecord, 'updatedAt'>;
}

export function nodesPrefix(stateKey: string): string {
  return `${stateKey}/nodes/`;
}

export class NodeRegistry {
  readonly #options: NodeRegistryOptions;
  #session: StoreSession | undefined;
  /** A session that was lost and must still be ended before the next registration. */
  #previous: StoreSession | undefined;
  #stopped = false;
  #pending: NodeJS.Timeout | undefined;
  #lastWritten = '';
  #retry: NodeJS.Timeout | undefined;

  constructor(options: NodeRegistryOptions) {
    this.#options = options;
  }

  get session(): StoreSession | undefined {
    return this.#session;
  }

  async start(): Promise<void> {
    try {
      await this.#register();
    } catch (error) {
      this.#options.logger.warn({ error: (error as Error).message }, 'cannot register this node yet; retrying');
      this.#scheduleRegister();
    }
  }

  /** Rewrites the record soon (coalesced): called after each applied configuration. */
  changed(): void {
    if (this.#pending !== undefined || this.#stopped) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      void this.#write().catch(() => {});
    }, 50);
    this.#pending.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#pending);
    clearTimeout(this.#retry);
    await Promise.allSettled([this.#session?.close(), this.#previous?.close()]);
  }

  async #register(): Promise<void> {
    // End a lost session for good first (on Consul it may still hold our record's key, and a new
    // session could not acquire it until the old one expires). Done on every attempt, because when
    // the session was lost the store was often unreachable and could not be told.
    if (this.#previous !== undefined) {
      await this.#previous.close().catch(() => {});
      this.#previous = undefined;
    }
    const session = await this.#options.store.createSession(this.#options.ttlMs);
    if (this.#stopped) return void (await session.close());
    this.#session = session;
    this.#lastWritten = '';
    session.lost.addEventListener('abort', () => {
      if (this.#stopped) return;
      this.#options.logger.warn({ reason: String((session.lost.reason as Error)?.message ?? session.lost.reason) }, 'registry session lost; registering again');
      this.#session = undefined;
      this.#previous = session;
      this.#scheduleRegister();
    }, { once: true });
    await this.#write();
  }

  #scheduleRegister(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#register().catch(() => this.#scheduleRegister());
    }, 1_000);
    this.#retry.unref();
  }

  async #write(): Promise<void> {
    const session = this.#session;
    if (session === undefined || session.lost.aborted) return;
    const record = this.#options.record();
    const text = JSON.stringify({ ...record, updatedAt: new Date().toISOString() });
    const identity = JSON.stringify(record);
    if (identity === this.#lastWritten) return;
    await session.put(`${nodesPrefix(this.#options.stateKey)}${record.id}`, text);
    this.#lastWritten = identity;
  }
}
