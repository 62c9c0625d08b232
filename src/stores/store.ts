/**
 * @module The one store interface everything above the adapters uses (etcd, Consul): a consistent
 * list with a revision, an ordered watch that can ask for a resync, sessions (etcd leases, Consul
 * sessions) that die with the node, leader election with a fencing token, and writes guarded by
 * that token. Adapters turn their client's quirks into this shape; nothing above them knows which
 * store it talks to.
 */
import { SwitchyardError } from '../errors.ts';

export interface KvEntry {
  readonly key: string;
  readonly value: string;
}

export interface ListResult {
  readonly entries: ReadonlyMap<string, string>;
  /** etcd: the header revision; Consul: X-Consul-Index. Never 0. */
  readonly revision: bigint;
  /** Latest change among the listed keys (etcd: max mod revision; Consul: X-Consul-Index). */
  readonly modRevision: bigint;
}

export type WatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly revision: bigint }
  | { readonly type: 'delete'; readonly key: string; readonly revision: bigint }
  /** Events may have been missed (compaction, reconnect, index reset): re-list and diff. */
  | { readonly type: 'resync'; readonly reason: string }
  /** The connection to the store is down / back (for logging and health, not for data). */
  | {
      readonly type: 'disconnected';
      readonly reason: string;
      /** The failure itself, so the log can explain it (SY_STORE_AUTH for a revoked token, …). */
      readonly error?: unknown;
    }
  | { readonly type: 'connected' };

export interface WatchHandle {
  close(): void;
}

export interface StoreSession {
  /** etcd lease id / Consul session id. */
  readonly id: string;
  /** Aborted when the session is lost (expired, revoked, or not renewed in time). */
  readonly lost: AbortSignal;
  /** Writes a key that disappears with the session. */
  put(key: string, value: string): Promise<void>;
  /** Ends the session (and its keys) now. */
  close(): Promise<void>;
}

export interface Leadership {
  /** The key that holds the leadership (etcd election key, Consul lock key). */
  readonly key: string;
  /** Strictly increasing across terms: etcd create revision, Consul lock ModifyIndex. */
  readonly token: bigint;
  readonly lost: AbortSignal;
  resign(): Promise<void>;
}

/** One write of a transaction (`KvStore.txn`). */
export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string };

export interface KvStore {
  readonly kind: 'etcd' | 'consul';
  /** Most operations one `txn` may carry: etcd's --max-txn-ops default (128), Consul's agent limit (64). */
  readonly maxTxnOps: number;
  list(prefix: string): Promise<ListResult>;
  watch(prefix: string, afterRevision: bigint, onEvent: (event: WatchEvent) => void): WatchHandle;
  createSession(ttlMs: number): Promise<StoreSession>;
  /** Waits until this node leads `name`, or `signal` aborts. */
  campaign(name: string, session: StoreSession, value: string, signal: AbortSignal): Promise<Leadership>;
  /** The value the current leader of `name` campaigned with (its node id), if there is a leader. */
  readLeader(name: string): Promise<string | undefined>;
  /** Writes only if `leadership` still holds; false when the store refused (a newer leader exists). */
  guardedPut(leadership: Leadership, key: string, value: string): Promise<boolean>;
  guardedDelete(leadership: Leadership, key: string): Promise<boolean>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Applies every operation or none; at most `maxTxnOps` of them (SY_STORE_TXN_SIZE otherwise). */
  txn(ops: readonly TxnOp[]): Promise<void>;
  close(): Promise<void>;
}

/** Refuses a transaction above the store's limit before sending it (SY_STORE_TXN_SIZE). */
export function checkTxnSize(count: number, max: number, store: string): void {
  if (count > max) throw new SwitchyardError('SY_STORE_TXN_SIZE', `a ${store} transaction takes at most ${max} operations, got ${count}`);
}
