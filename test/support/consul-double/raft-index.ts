/**
 * @module The double's Raft log index: one counter that every write consumes, as every Consul
 * write goes through Raft. Indexes are therefore shared by all tables and never consecutive per key.
 */

export class RaftIndex {
  #current: number;
  /** Hostile knob: extra indexes each write skips, so clients meet big gaps (internal writes, other tables). */
  jump = 0;

  constructor(start: number) {
    this.#current = start;
  }

  get current(): number {
    return this.#current;
  }

  /** The index of the next write. Failed CAS and acquire calls consume one too, as in Consul. */
  next(): number {
    this.#current += 1 + Math.max(0, Math.floor(this.jump));
    return this.#current;
  }

  /** Moves the counter back, as a snapshot restore does. */
  rewind(to: number): void {
    this.#current = to;
  }
}
