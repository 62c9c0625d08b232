/**
 * @module The sessions table: creation rules and defaults from `agent/session_endpoint.go` and
 * `agent/consul/session_endpoint.go`, TTL timers (`session_ttl.go`), and the in-memory lock-delay
 * map that only session invalidation arms. What invalidation does to keys is `ConsulState`'s job.
 */
import { randomUUID } from 'node:crypto';
import { formatGoDuration, parseGoDuration } from './go-duration.ts';
import { StateError } from './kv-store.ts';

export type Behavior = 'release' | 'delete';

export interface Session {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  /** Nanoseconds, as the API reports it. */
  readonly lockDelay: number;
  readonly behavior: Behavior;
  /** The duration text as given: Consul stores and echoes the string. */
  readonly ttl: string;
  readonly ttlNs: number;
  readonly nodeChecks: readonly string[];
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type SessionSpec = Omit<Session, 'id' | 'createIndex' | 'modifyIndex'>;

export interface SessionStoreOptions {
  readonly nodeName: string;
  readonly ttlMinNs: number;
  /** Consul arms TTL×2 and promises only "not before TTL"; the double defaults to 1 (expire at TTL). */
  readonly ttlMultiplier: number;
  readonly onExpire: (id: string) => void;
}

const defaultLockDelayNs = 15e9;
/** structs.MaxLockDelay: applied when the delay is armed, not when the session is created. */
const maxLockDelayMs = 60_000;
const ttlMaxNs = 86_400e9;

/** Go decodes JSON field names case-insensitively. */
function field(body: Record<string, unknown>, name: string): unknown {
  const match = Object.keys(body).find((key) => key.toLowerCase() === name.toLowerCase());
  return match === undefined ? undefined : body[match];
}

function stringList(value: unknown, what: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new StateError(`Request decode failed: ${what} must be a list`);
  return value.map((item) => (typeof item === 'object' && item !== null ? String(field(item as Record<string, unknown>, 'ID')) : String(item)));
}

/** LockDelay is a duration string or a number of nanoseconds; below 1000 it means seconds (FixupLockDelay). */
function lockDelayOf(value: unknown): number {
  if (value === undefined) return defaultLockDelayNs;
  const ns = typeof value === 'number' ? value : typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (ns === undefined) throw new StateError(`Request decode failed: invalid LockDelay ${JSON.stringify(value)}`);
  return ns < 1000 ? ns * 1e9 : ns;
}

export class SessionStore {
  #sessions = new Map<string, Session>();
  #index = 0;
  #timers = new Map<string, NodeJS.Timeout>();
  #lockDelays = new Map<string, number>();
  #suspended = false;
  readonly #options: SessionStoreOptions;

  constructor(options: SessionStoreOptions) {
    this.#options = options;
  }

  /** Applies the defaults and the validation Consul does before the Raft write; throws StateError (a 500). */
  spec(body: Record<string, unknown>): SessionSpec {
    const node = String(field(body, 'Node') ?? '') || this.#options.nodeName;
    const behaviorText = String(field(body, 'Behavior') ?? '') || 'release';
    if (behaviorText !== 'release' && behaviorText !== 'delete') throw new StateError(`Invalid Behavior setting '${behaviorText}'`);
    const ttl = String(field(body, 'TTL') ?? '');
    const ttlNs = ttl === '' ? 0 : parseGoDuration(ttl);
    if (ttlNs === undefined) throw new StateError(`Session TTL '${ttl}' invalid: time: invalid duration "${ttl}"`);
    if (ttlNs !== 0 && (ttlNs < this.#options.ttlMinNs || ttlNs > ttlMaxNs)) {
      throw new StateError(`Invalid Session TTL '${ttlNs}', must be between [${formatGoDuration(this.#options.ttlMinNs)}=${formatGoDuration(ttlMaxNs)}]`);
    }
    if (node !== this.#options.nodeName) throw new StateError('Missing node registration');
    const nodeChecks = stringList(field(body, 'NodeChecks'), 'NodeChecks');
    const legacyChecks = stringList(field(body, 'Checks'), 'Checks');
    const serviceChecks = stringList(field(body, 'ServiceChecks'), 'ServiceChecks');
    // fixupEmptySessionChecks: serfHealth only when no check list was given at all; `[]` means none.
    const checks = nodeChecks ?? legacyChecks ?? (serviceChecks === undefined ? ['serfHealth'] : []);
    for (const check of [...checks, ...(serviceChecks ?? [])]) {
      if (check !== 'serfHealth') throw new StateError(`Missing check '${check}' registration`);
    }
    return {
      name: String(field(body, 'Name') ?? ''),
      node,
      lockDelay: lockDelayOf(field(body, 'LockDelay')),
      behavior: behaviorText,
      ttl,
      ttlNs,
      nodeChecks: checks,
    };
  }

  create(idx: number, spec: SessionSpec): Session {
    const session: Session = { ...spec, id: randomUUID(), createIndex: idx, modifyIndex: idx };
    this.#sessions.set(session.id, session);
    this.#index = idx;
    this.#arm(session);
    return session;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  list(): Session[] {
    return [...this.#sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  tableIndex(): number {
    return this.#index;
  }

  /** Restarts the TTL clock. Not a Raft write, so no index moves. */
  renew(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session !== undefined) this.#arm(session);
    return session;
  }

  remove(idx: number, id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    this.#sessions.delete(id);
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.#index = idx;
    return session;
  }

  /** Armed only by invalidation (destroy, TTL, check), never by an explicit release. */
  armLockDelay(keys: readonly string[], lockDelayNs: number): void {
    if (lockDelayNs <= 0) return;
    const until = Date.now() + Math.min(lockDelayNs / 1e6, maxLockDelayMs);
    for (const key of keys) this.#lockDelays.set(key, until);
  }

  lockDelayed(key: string): boolean {
    const until = this.#lockDelays.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#lockDelays.delete(key);
    return false;
  }

  /** While the double is stopped no leader runs timers. */
  suspendTimers(): void {
    this.#suspended = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** A new leader re-arms every TTL timer in full (`clearAllSessionTimers` + `initializeSessionTimers`). */
  resumeTimers(): void {
    this.#suspended = false;
    for (const session of this.#sessions.values()) this.#arm(session);
  }

  renumber(rank: (index: number) => number): void {
    for (const [id, session] of this.#sessions) {
      this.#sessions.set(id, { ...session, createIndex: rank(session.createIndex), modifyIndex: rank(session.modifyIndex) });
    }
    this.#index = [...this.#sessions.values()].reduce((max, session) => Math.max(max, session.modifyIndex), 0);
  }

  indexesInUse(): number[] {
    return [...this.#sessions.values()].flatMap((session) => [session.createIndex, session.modifyIndex]);
  }

  close(): void {
    this.suspendTimers();
  }

  #arm(session: Session): void {
    clearTimeout(this.#timers.get(session.id));
    this.#timers.delete(session.id);
    if (session.ttlNs === 0 || this.#suspended) return;
    const delayMs = (session.ttlNs / 1e6) * this.#options.ttlMultiplier;
    const timer = setTimeout(() => {
      this.#timers.delete(session.id);
      this.#options.onExpire(session.id);
    }, delayMs);
    timer.unref();
    this.#timers.set(session.id, timer);
  }
}
