/**
 * @module Everything the double remembers, tied together: the Raft index, the KV table, the sessions
 * table and the parked queries. Every write goes through `write`, which takes one Raft index and
 * wakes the queries that depend on what changed, so no endpoint can forget to.
 */
import { KvStore } from './kv-store.ts';
import { RaftIndex } from './raft-index.ts';
import { SessionStore, type Session } from './session-store.ts';
import { WatchHub } from './watch-hub.ts';

export interface ConsulStateOptions {
  readonly nodeName: string;
  readonly startIndex: number;
  readonly sessionTtlMinNs: number;
  readonly sessionTtlMultiplier: number;
}

export class ConsulState {
  readonly raft: RaftIndex;
  readonly kv = new KvStore();
  readonly sessions: SessionStore;
  readonly hub = new WatchHub();

  constructor(options: ConsulStateOptions) {
    this.raft = new RaftIndex(options.startIndex);
    this.sessions = new SessionStore({
      nodeName: options.nodeName,
      ttlMinNs: options.sessionTtlMinNs,
      ttlMultiplier: options.sessionTtlMultiplier,
      onExpire: (id) => this.invalidateSession(id),
    });
  }

  /** One Raft write. Blocking queries on the touched keys (and on sessions, if asked) wake afterwards, even when `apply` throws. */
  write<T>(apply: (idx: number) => T, touchesSessions = false): T {
    const idx = this.raft.next();
    try {
      return apply(idx);
    } finally {
      this.hub.notify(this.kv.drainChanged(), touchesSessions);
    }
  }

  /**
   * Destroy, TTL expiry or a failed check (deleteSessionTxn): held keys are released (value and
   * LockIndex kept, ModifyIndex bumped) or deleted with tombstones, then lock-delay is armed on them.
   */
  invalidateSession(id: string): boolean {
    return this.write((idx) => {
      const session = this.sessions.remove(idx, id);
      if (session === undefined) return false;
      this.#dropLocks(idx, session);
      return true;
    }, true);
  }

  #dropLocks(idx: number, session: Session): void {
    let keys: string[];
    if (session.behavior === 'delete') {
      keys = this.kv.heldBy(session.id).map((entry) => entry.key);
      for (const key of keys) this.kv.delete(idx, key);
    } else {
      keys = this.kv.releaseAll(idx, session.id);
    }
    this.sessions.armLockDelay(keys, session.lockDelay);
  }

  /** Hostile knob: tombstones reaped, so a prefix whose newest key was deleted reports a lower index. */
  reapTombstones(): void {
    this.kv.reapTombstones();
    // Reaping fires the graveyard watches; the queries re-run, see a lower index and keep blocking.
    this.hub.notify(this.kv.drainChanged(), false);
  }

  /**
   * Hostile knob: a snapshot restore into a younger cluster. Every index is renumbered from 2 upwards
   * keeping their order (Raft index 1 never reaches clients), tombstones are gone, the Raft counter
   * moves back, and every parked query answers at once with the lower index.
   */
  indexReset(): void {
    const used = [...new Set([...this.kv.indexesInUse(), ...this.sessions.indexesInUse()])].sort((a, b) => a - b);
    const ranks = new Map(used.map((index, position) => [index, position + 2]));
    const rank = (index: number): number => ranks.get(index) ?? 1;
    this.kv.renumber(rank);
    this.kv.drainChanged();
    this.sessions.renumber(rank);
    this.raft.rewind(used.length + 2);
    this.hub.abandon();
  }

  close(): void {
    this.sessions.close();
    this.hub.abandon();
  }
}
