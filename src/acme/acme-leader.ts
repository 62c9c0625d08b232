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
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../errors.ts';
import { STORE_PERMISSION_CODE } from '../stores/permission-denied.ts';
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
  /** The store's error explanation: a refusal for lack of permission (SY_STORE_PERMISSION) backs off. */
  readonly explain?: ((error: unknown) => Error) | undefined;
}

/** Pause before campaigning again after a term ends or a campaign fails. */
const CAMPAIGN_RETRY_MS = 500;
/**
 * A store user without write access to the stateKey is refused on every campaign: that does not
 * mend by itself quickly, so retries double up to this, and the refusal is logged once.
 */
const DENIED_RETRY_MAX_MS = 5 * 60_000;

/** Session-ticket keys live this long; a ticket issued just before a rotation stops resuming then. */
const TICKET_KEY_LIFETIME_MS = 12 * 3_600_000;

export class AcmeLeader {
  readonly #o: AcmeLeaderOptions;
  readonly #stop = new AbortController();
  #wanted: ReadonlyMap<string, CertificateRequest> = new Map();
  /** The routers were read at least once: `#wanted` is what they want, not merely nothing known yet. */
  #wantedKnown = false;
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
    this.#wantedKnown = true;
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
    /** Consecutive campaigns refused for lack of permission. */
    let denied = 0;
    while (!this.#stop.signal.aborted) {
      let session: StoreSession | undefined;
      let retryMs = CAMPAIGN_RETRY_MS;
      try {
        session = await this.#o.store.createSession(this.#o.lockTtlMs);
        const leadership = await this.#o.store.campaign(stateKeys(this.#o.stateKey).leaderLock, session, this.#o.nodeId, this.#stop.signal);
        if (denied > 0) this.#o.logger.info('the store now lets this node campaign for the cluster leadership');
        denied = 0;
        this.#leadership = leadership;
        this.#o.logger.info({ token: String(leadership.token) }, 'this node is the cluster leader (ACME, session-ticket keys)');
        await this.#lead(leadership);
      } catch (error) {
        const explained = this.#o.explain?.(error);
        if (this.#stop.signal.aborted) {
          // Stopping: nothing to report.
        } else if (explained instanceof SwitchyardError && explained.code === STORE_PERMISSION_CODE) {
          if (denied === 0) this.#o.logger.error({ code: explained.code, key: explained.key }, `${explained.message}; this node cannot lead the cluster (ACME, session-ticket keys) and retries with backoff`);
          denied++;
          retryMs = Math.min(DENIED_RETRY_MAX_MS, CAMPAIGN_RETRY_MS * 2 ** denied);
        } else {
          if (denied > 0) this.#o.logger.info('the store no longer refuses this node\'s campaign for lack of permission');
          denied = 0;
          this.#o.logger.warn({ error: (error as Error).message }, 'ACME leadership ended; campaigning again');
        }
      } finally {
        if (this.#leadership !== undefined) this.#o.logger.info('this node is no longer the cluster leader');
        this.#leadership = undefined;
        await session?.close().catch(() => {});
      }
      await sleep(retryMs, undefined, { signal: this.#stop.signal }).catch(() => {});
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
      await manager?.reconcile(this.#wanted, this.#wantedKnown);
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
