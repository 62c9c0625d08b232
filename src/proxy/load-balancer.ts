/**
 * @module Smooth weighted round robin over the healthy servers of one service (nginx's algorithm:
 * spreads picks evenly in proportion to weight, without bursts). An unhealthy server is skipped
 * until its health check brings it back; zero healthy servers means 503.
 */

export interface Balanced {
  readonly weight: number;
  healthy: boolean;
}

export class WeightedRoundRobin<T extends Balanced> {
  readonly #items: readonly T[];
  readonly #current: number[];

  constructor(items: readonly T[]) {
    this.#items = items;
    this.#current = items.map(() => 0);
  }

  get items(): readonly T[] {
    return this.#items;
  }

  next(): T | undefined {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.#items.length; i++) {
      const item = this.#items[i]!;
      if (!item.healthy || item.weight <= 0) continue;
      const current = this.#current[i]! + item.weight;
      this.#current[i] = current;
      total += item.weight;
      if (best === -1 || current > this.#current[best]!) best = i;
    }
    if (best === -1) return undefined;
    this.#current[best]! -= total;
    return this.#items[best];
  }
}
