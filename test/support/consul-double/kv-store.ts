/**
 * @module The KV table, its tombstones and the indexes Consul derives from them, with the write
 * rules of Consul's state store (`agent/consul/state/kvs.go`): identical writes keep `ModifyIndex`,
 * a plain set keeps the lock holder, acquire/release follow `kvsLockTxn`/`kvsUnlockTxn`.
 */

/** One key as the state store holds it. Entries are replaced on write, never mutated. */
export interface DirEntry {
  readonly key: string;
  /** null for an empty value: Consul stores a nil slice and answers `"Value": null`. */
  readonly value: Buffer | null;
  /** uint64 on the wire; a bigint so values above 2^53 survive. */
  readonly flags: bigint;
  readonly lockIndex: number;
  readonly session: string | undefined;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** What a caller writes; indexes and the lock fields are the store's business. */
export interface EntryInput {
  readonly key: string;
  readonly value: Buffer | null;
  readonly flags: bigint;
}

/** A state-store failure; Consul sends its message as a 500 body (or a txn `What`). */
export class StateError extends Error {
  override readonly name = 'StateError';
}

/** UTF-8 byte order, which is how Consul's radix tree returns keys; JS `<` differs for astral characters. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sameContent(a: DirEntry, b: DirEntry): boolean {
  // structs.DirEntry.Equal: LockIndex, Key, Flags, Value and Session.
  const valuesEqual = a.value === null || b.value === null ? a.value === b.value : a.value.equals(b.value);
  return a.lockIndex === b.lockIndex && a.key === b.key && a.flags === b.flags && a.session === b.session && valuesEqual;
}

export class KvStore {
  #entries = new Map<string, DirEntry>();
  #tombstones = new Map<string, number>();
  #kvsIndex = 0;
  #graveIndex = 0;
  #changed = new Set<string>();

  /** A scratch copy for a transaction: applied wholesale with `adopt`, or dropped. */
  clone(): KvStore {
    const copy = new KvStore();
    copy.#entries = new Map(this.#entries);
    copy.#tombstones = new Map(this.#tombstones);
    copy.#kvsIndex = this.#kvsIndex;
    copy.#graveIndex = this.#graveIndex;
    return copy;
  }

  adopt(other: KvStore): void {
    this.#entries = other.#entries;
    this.#tombstones = other.#tombstones;
    this.#kvsIndex = other.#kvsIndex;
    this.#graveIndex = other.#graveIndex;
    for (const key of other.#changed) this.#changed.add(key);
  }

  /** Keys written since the last call, for waking blocking queries. */
  drainChanged(): string[] {
    const keys = [...this.#changed];
    this.#changed.clear();
    return keys;
  }

  get(key: string): DirEntry | undefined {
    return this.#entries.get(key);
  }

  /** String-prefix match, not path-aware: `foo` lists `foo`, `food` and `foo/x`. */
  list(prefix: string): DirEntry[] {
    const found: DirEntry[] = [];
    for (const entry of this.#entries.values()) if (entry.key.startsWith(prefix)) found.push(entry);
    return found.sort((a, b) => compareKeys(a.key, b.key));
  }

  all(): DirEntry[] {
    return [...this.#entries.values()];
  }

  /** kvsMaxIndex: the KV table and the graveyard together. */
  tableIndex(): number {
    return Math.max(this.#kvsIndex, this.#graveIndex);
  }

  /** A present key answers its ModifyIndex; a missing one the whole table's index (so other writes move it). */
  keyIndex(key: string): number {
    return this.#entries.get(key)?.modifyIndex ?? this.tableIndex();
  }

  /**
   * kvsListTxn: the highest ModifyIndex under the prefix or of a tombstone under it, so deletes move it
   * forward; the table index when the prefix has neither, and always for the root.
   */
  listIndex(prefix: string): number {
    if (prefix === '') return this.tableIndex();
    let index = 0;
    for (const entry of this.#entries.values()) {
      if (entry.key.startsWith(prefix) && entry.modifyIndex > index) index = entry.modifyIndex;
    }
    for (const [key, deleted] of this.#tombstones) if (key.startsWith(prefix) && deleted > index) index = deleted;
    return index === 0 ? this.tableIndex() : index;
  }

  /** kvsSetTxn. Keeps the holder unless `session` is given; LockIndex is the caller's (0 for a plain PUT, as in Consul). */
  set(idx: number, input: EntryInput, lock?: { session: string | undefined; lockIndex: number }): DirEntry {
    const existing = this.#entries.get(input.key);
    const candidate: DirEntry = {
      key: input.key,
      value: input.value !== null && input.value.length === 0 ? null : input.value,
      flags: input.flags,
      lockIndex: lock?.lockIndex ?? 0,
      session: lock === undefined ? existing?.session : lock.session,
      createIndex: existing?.createIndex ?? idx,
      modifyIndex: idx,
    };
    if (existing !== undefined && sameContent(existing, candidate)) return existing;
    this.#entries.set(input.key, candidate);
    this.#kvsIndex = idx;
    this.#changed.add(input.key);
    return candidate;
  }

  /** `cas=0` writes only if absent; `cas=N` only if the key exists with ModifyIndex N. */
  cas(idx: number, input: EntryInput, casIndex: number): DirEntry | undefined {
    const existing = this.#entries.get(input.key);
    if (casIndex === 0 && existing !== undefined) return undefined;
    if (casIndex !== 0 && existing?.modifyIndex !== casIndex) return undefined;
    return this.set(idx, input);
  }

  /** kvsLockTxn: undefined when another session holds the key. Session existence is checked by the caller first. */
  lock(idx: number, input: EntryInput, session: string): DirEntry | undefined {
    const existing = this.#entries.get(input.key);
    if (existing?.session !== undefined && existing.session !== session) return undefined;
    // The holder re-acquiring keeps LockIndex; a fresh acquisition increments it.
    const lockIndex = existing === undefined ? 1 : existing.session === session ? existing.lockIndex : existing.lockIndex + 1;
    return this.set(idx, input, { session, lockIndex });
  }

  /** kvsUnlockTxn: writes the body and flags, clears Session, keeps LockIndex; undefined unless held by `session`. */
  unlock(idx: number, input: EntryInput, session: string): DirEntry | undefined {
    const existing = this.#entries.get(input.key);
    if (existing === undefined || existing.session !== session) return undefined;
    return this.set(idx, input, { session: undefined, lockIndex: existing.lockIndex });
  }

  delete(idx: number, key: string): void {
    if (!this.#entries.has(key)) return;
    this.#entries.delete(key);
    // The tombstone keeps a prefix's index from sliding back when its newest key goes.
    this.#tombstones.set(key, idx);
    this.#kvsIndex = idx;
    this.#graveIndex = idx;
    this.#changed.add(key);
  }

  /** kvsDeleteCASTxn: true when deleted, and also when the key is already gone. */
  deleteCas(idx: number, key: string, casIndex: number): boolean {
    const existing = this.#entries.get(key);
    if (existing === undefined) return true;
    if (existing.modifyIndex !== casIndex) return false;
    this.delete(idx, key);
    return true;
  }

  deleteTree(idx: number, prefix: string): void {
    for (const entry of this.list(prefix)) this.delete(idx, entry.key);
  }

  heldBy(session: string): DirEntry[] {
    return this.all().filter((entry) => entry.session === session);
  }

  /** Session invalidation with Behavior=release: holder cleared, value and LockIndex kept, ModifyIndex bumped. */
  releaseAll(idx: number, session: string): string[] {
    const keys: string[] = [];
    for (const entry of this.heldBy(session)) {
      this.#entries.set(entry.key, { ...entry, session: undefined, modifyIndex: idx });
      this.#kvsIndex = idx;
      this.#changed.add(entry.key);
      keys.push(entry.key);
    }
    return keys;
  }

  /** Drops every tombstone, as the reaper does after `tombstone_ttl`: a prefix's index can then go backwards. */
  reapTombstones(): string[] {
    const keys = [...this.#tombstones.keys()];
    this.#tombstones.clear();
    for (const key of keys) this.#changed.add(key);
    return keys;
  }

  /** Rewrites every index through `rank`, as a snapshot restored into a younger cluster would present them. */
  renumber(rank: (index: number) => number): void {
    for (const [key, entry] of this.#entries) {
      this.#entries.set(key, { ...entry, createIndex: rank(entry.createIndex), modifyIndex: rank(entry.modifyIndex) });
    }
    this.#tombstones.clear();
    this.#graveIndex = 0;
    this.#kvsIndex = [...this.#entries.values()].reduce((max, entry) => Math.max(max, entry.modifyIndex), 0);
  }

  /** Every index in use, for `renumber`. */
  indexesInUse(): number[] {
    return [...this.#entries.values()].flatMap((entry) => [entry.createIndex, entry.modifyIndex]);
  }
}
