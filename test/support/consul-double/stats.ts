/**
 * @module Request counters per endpoint, so a test can assert what a client did — e.g. that it
 * re-listed once after a change rather than on every wake-up. Labels: `kv.get`, `kv.recurse`,
 * `kv.keys`, `kv.put`, `kv.delete`, `txn`, `session.<verb>`, `status.leader`, `status.peers`,
 * `agent.self`, `unknown`; a blocking read (`?index=N`, N > 0) also counts under `<label>:blocking`.
 */

export class Stats {
  #counts = new Map<string, number>();
  #total = 0;
  #injectedFailures = 0;
  readonly #waiting: () => number;

  constructor(waiting: () => number) {
    this.#waiting = waiting;
  }

  /** Every request that reached the double, failed-on-purpose ones included. */
  get total(): number {
    return this.#total;
  }

  /** Requests answered by `failNext`. */
  get injectedFailures(): number {
    return this.#injectedFailures;
  }

  /** Blocking queries parked right now: lets a test wait until its long poll reached the server. */
  get waiting(): number {
    return this.#waiting();
  }

  count(label: string): number {
    return this.#counts.get(label) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  reset(): void {
    this.#counts.clear();
    this.#total = 0;
    this.#injectedFailures = 0;
  }

  record(label: string, blocking: boolean): void {
    this.#total++;
    this.#bump(label);
    if (blocking) this.#bump(`${label}:blocking`);
  }

  recordInjectedFailure(): void {
    this.#injectedFailures++;
  }

  #bump(label: string): void {
    this.#counts.set(label, this.count(label) + 1);
  }
}
