/**
 * @module Token buckets every worker thread of a node shares: a fixed table in a SharedArrayBuffer
 * that the main thread allocates once and hands to each thread (replacements included), so a
 * rateLimit holds node-wide, exactly, with no message per request. One spin lock (Atomics) guards
 * the table; a take holds it for a few hundred nanoseconds.
 *
 * Entries are found by a 64-bit hash of `<middleware>\n<options fingerprint>\n<source>` in a window
 * of 8 slots. A slot whose bucket has refilled to full is free again (a full bucket and no bucket
 * are the same thing); when all 8 are busy the one closest to full is taken over, which can only
 * make the limit more lenient for that source. Times are epoch milliseconds (timeOrigin + now), the
 * same clock in every thread.
 */

const SLOTS = 1 << 16;
const WINDOW = 8;
const SLOT_BYTES = 48;
const HEADER_BYTES = 64;
/** Int32 offsets inside a slot. */
const KEY_A = 0;
const KEY_B = 1;
const USED = 2;
/** Float64 offsets inside a slot. */
const TOKENS = 2;
const LAST = 3;
const FULL_AT = 4;

export interface TakeResult {
  readonly ok: boolean;
  /** How long the request must wait for its token (ok), or would have had to (refused). */
  readonly delayMs: number;
}

export class TokenTable {
  /** Bytes a table needs; the main thread allocates them. */
  static readonly BYTES = HEADER_BYTES + SLOTS * SLOT_BYTES;

  readonly #i32: Int32Array;
  readonly #f64: Float64Array;

  constructor(memory: SharedArrayBuffer | ArrayBuffer = new SharedArrayBuffer(TokenTable.BYTES)) {
    this.#i32 = new Int32Array(memory);
    this.#f64 = new Float64Array(memory);
  }

  static now(): number {
    return performance.timeOrigin + performance.now();
  }

  /**
   * x/time/rate's Reserve with Traefik's maxDelay: one token from `key`'s bucket (`ratePerMs`,
   * `burst`); when it is only available later, the wait is granted up to `maxDelayMs`, else refused
   * and nothing is taken.
   */
  take(key: string, ratePerMs: number, burst: number, maxDelayMs: number, now = TokenTable.now()): TakeResult {
    const [a, b] = hash64(key);
    this.#lock();
    try {
      const slot = this.#find(a, b, now);
      const f = slot / 8;
      const i = slot / 4;
      let tokens: number;
      if (this.#i32[i + USED] === 1 && this.#i32[i + KEY_A] === a && this.#i32[i + KEY_B] === b) {
        const last = this.#f64[f + LAST]!;
        tokens = Math.min(burst, this.#f64[f + TOKENS]! + Math.max(0, now - last) * ratePerMs);
      } else {
        this.#i32[i + KEY_A] = a;
        this.#i32[i + KEY_B] = b;
        this.#i32[i + USED] = 1;
        tokens = burst;
      }
      tokens -= 1;
      let delayMs = 0;
      let ok = true;
      if (tokens < 0) {
        delayMs = -tokens / ratePerMs;
        if (delayMs > maxDelayMs) {
          ok = false;
          tokens += 1;
        }
      }
      this.#f64[f + TOKENS] = tokens;
      this.#f64[f + LAST] = now;
      this.#f64[f + FULL_AT] = now + (burst - tokens) / ratePerMs;
      return { ok, delayMs };
    } finally {
      Atomics.store(this.#i32, 0, 0);
    }
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#i32, 0, 0, 1) !== 0) {
      // Another thread is inside for a few hundred nanoseconds.
    }
  }

  /** Byte offset of the slot for (a, b): its own, else a free one, else the one nearest to full. */
  #find(a: number, b: number, now: number): number {
    const start = (a >>> 0) & (SLOTS - 1);
    let free = -1;
    let nearest = -1;
    let nearestFullAt = Infinity;
    for (let k = 0; k < WINDOW; k++) {
      const slot = HEADER_BYTES + ((start + k) & (SLOTS - 1)) * SLOT_BYTES;
      const i = slot / 4;
      if (this.#i32[i + USED] !== 1) {
        if (free === -1) free = slot;
        continue;
      }
      if (this.#i32[i + KEY_A] === a && this.#i32[i + KEY_B] === b) return slot;
      const fullAt = this.#f64[slot / 8 + FULL_AT]!;
      if (fullAt <= now) {
        if (free === -1) free = slot;
      } else if (fullAt < nearestFullAt) {
        nearestFullAt = fullAt;
        nearest = slot;
      }
    }
    const chosen = free !== -1 ? free : nearest;
    this.#i32[chosen / 4 + USED] = 0;
    return chosen;
  }
}

/** Two FNV-1a passes with different offsets over the UTF-16 code units: 64 bits of key. */
function hash64(key: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  return [h1 | 0, h2 | 0];
}
