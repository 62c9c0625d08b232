/**
 * @module One ACME leader per cluster: every node with a resolver campaigns for the store's lock
 * (etcd lease / Consul session, TTL `--cluster.lockTTL`); the winner runs the certificate manager
 * until its leadership is lost, then stops at once and campaigns again. Only the leader talks to
 * the CA.
 */
import type { Logger } from 'pino';
import type { SecretBox } from '../cluster/secret-box.ts';
import type { KvStore, Leadership, StoreSession } from '../stores/store.ts';
import { CertificateManager, type ResolverConfig } from './certificate-manager.ts';
import type { ClusterState } from './cluster-state.ts';
import { stateKeys, type StoredTicketKeys } from './state-keys.ts';
import { randomBytes } from 'node:crypto';
import type { CertificateRequest } from './wanted-certificates.ts';

export interface AcmeLeaderOptions {
  readonly store: KvStore;
  readonly nodeId: string;
  readonly stateKey: string;
  readonly rootKey: string;
  readonly lockTtlMs: number;
  readonly resolvers: ReadonlyMap<string, ResolverConfig>;
  readonly secret: SecretBox;
  readonly state: ClusterState;
  readonly logger: Logger;
  readonly retryBaseMs?: number;
}

/** Session-ticket keys live this long; a ticket issued just before a rotation stops resuming then. */
const TICKET_KEY_LIFETIME_MS = 12 * 3_600_000;

export class AcmeLeader {
  readonly #o: AcmeLeaderOptions;
  readonly #stop = new AbortController();
  #wanted: ReadonlyMap<string, CertificateRequest> = new Map();
  #wake: (() => void) | undefined;
  #leadership: Leadership | undefined;
  #running: Promise<void> | undefined;

  constructor(options: AcmeLeaderOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leadership !== undefined && !this.#leadership.lost.aborted;
  }

  get token(): bigint | undefined {
    return this.isLeader ? this.#leadership!.token : undefined;
  }

  /** The certificates the routers want now; the leader reconciles promptly. */
  setWanted(wanted: ReadonlyMap<string, CertificateRequest>): void {
    this.#wanted = wanted;
    this.#wake?.();
  }

  start(): void {
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#leadership?.resign().catch(() => {});
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      let session: StoreSession | undefined;
      try {
        session = await this.#o.store.createSession(this.#o.lockTtlMs);
        const leadership = await this.#o.store.campaign(stateKeys(this.#o.stateKey).leaderLock, session, this.#o.nodeId, this.#stop.signal);
        this.#leadership = leadership;
        this.#o.logger.info({ token: String(leadership.token) }, 'this node is the cluster leader (ACME, session-ticket keys)');
        await this.#lead(leadership);
      } catch (error) {
        if (!this.#stop.signal.aborted) this.#o.logger.warn({ error: (error as Error).message }, 'ACME leadership ended; campaigning again');
      } finally {
        if (this.#leadership !== undefined) this.#o.logger.info('this node is no longer the cluster leader');
        this.#leadership = undefined;
        await session?.close().catch(() => {});
      }
      if (!this.#stop.signal.aborted) await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Fenced, like every leader write: a deposed leader cannot replace the cluster's keys. */
  async #rotateTicketKeys(leadership: Leadership): Promise<void> {
    const rotatedAt = this.#o.state.ticketKeysRotatedAt;
    if (rotatedAt !== undefined && Date.now() - rotatedAt < TICKET_KEY_LIFETIME_MS) return;
    const record: StoredTicketKeys = { keys: this.#o.secret.seal(randomBytes(48).toString('base64')), rotatedAt: new Date().toISOString() };
    if (await this.#o.store.guardedPut(leadership, stateKeys(this.#o.stateKey).ticketKeys, JSON.stringify(record))) {
      this.#o.logger.info('session-ticket keys rotated for the cluster');
    }
  }

  async #lead(leadership: Leadership): Promise<void> {
    const manager = this.#o.resolvers.size === 0 ? undefined : new CertificateManager({ ...this.#o, leadership, ...(this.#o.retryBaseMs === undefined ? {} : { retryBaseMs: this.#o.retryBaseMs }) });
    const done = AbortSignal.any([leadership.lost, this.#stop.signal]);
    while (!done.aborted) {
      await this.#rotateTicketKeys(leadership);
      await manager?.reconcile(this.#wanted);
      const due = Math.min(manager?.nextDue(this.#wanted) ?? Number.POSITIVE_INFINITY, (this.#o.state.ticketKeysRotatedAt ?? 0) + TICKET_KEY_LIFETIME_MS);
      const wait = Math.max(1_000, Math.min(60_000, due - Date.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
        done.addEventListener('abort', () => this.#wake?.(), { once: true });
      });
      this.#wake = undefined;
    }
  }
}
