/**
 * @module Immutable sets of Unicode code points (sorted ranges) and their rendering for V8's
 * linear-time engine, which rejects the `u` and `i` flags: astral code points are spelled as
 * surrogate pairs and case folding is expanded into the set before rendering.
 */

export const MAX_CODE_POINT = 0x10ffff;
const SURROGATE_LOW = 0xd800;
const SURROGATE_HIGH = 0xdfff;

export class CodePointSet {
  /** Flat `[lo0, hi0, lo1, hi1, …]`: sorted, non-overlapping, non-adjacent, inclusive. */
  readonly ranges: readonly number[];

  private constructor(ranges: readonly number[]) {
    this.ranges = ranges;
  }

  static readonly empty = new CodePointSet([]);
  static readonly all = new CodePointSet([0, MAX_CODE_POINT]);

  /** Builds a set from flat `[lo, hi, …]` pairs in any order, overlapping or not. */
  static fromRanges(pairs: readonly number[]): CodePointSet {
    const spans: Array<[number, number]> = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) spans.push([pairs[i]!, pairs[i + 1]!]);
    spans.sort((a, b) => a[0] - b[0]);
    const merged: number[] = [];
    for (const [lo, hi] of spans) {
      const last = merged.length - 1;
      if (last > 0 && lo <= merged[last]! + 1) merged[last] = Math.max(merged[last]!, hi);
      else merged.push(lo, hi);
    }
    return new CodePointSet(merged);
  }

  static of(...codePoints: number[]): CodePointSet {
    return CodePointSet.fromRanges(codePoints.flatMap((cp) => [cp, cp]));
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  has(codePoint: number): boolean {
    let lo = 0;
    let hi = this.ranges.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (codePoint < this.ranges[mid * 2]!) hi = mid - 1;
      else if (codePoint > this.ranges[mid * 2 + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: CodePointSet): CodePointSet {
    return CodePointSet.fromRanges([...this.ranges, ...other.ranges]);
  }

  negate(): CodePointSet {
    const out: number[] = [];
    let next = 0;
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (this.ranges[i]! > next) out.push(next, this.ranges[i]! - 1);
      next = this.ranges[i + 1]! + 1;
    }
    if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
    return new CodePointSet(out);
  }

  /** Adds every member of each case-folding orbit that already has a member in the set. */
  foldCase(orbits: Iterable<readonly number[]>): CodePointSet {
    const extra: number[] = [];
    for (const orbit of orbits) {
      if (orbit.some((cp) => this.has(cp))) for (const cp of orbit) extra.push(cp, cp);
    }
    return extra.length === 0 ? this : CodePointSet.fromRanges([...this.ranges, ...extra]);
  }

  /**
   * One JS pattern atom matching exactly one member. Surrogate code points are dropped: the strings
   * we match come from UTF-8 and never hold lone surrogates, and a pair must count as one character.
   */
  toPattern(): string {
    const bmp: string[] = [];
    const astral: string[] = [];
    let single: number | undefined;
    let count = 0;
    for (let i = 0; i < this.ranges.length; i += 2) {
      for (const [lo, hi] of withoutSurrogates(this.ranges[i]!, this.ranges[i + 1]!)) {
        if (hi <= 0xffff) {
          bmp.push(lo === hi ? unit(lo) : `${unit(lo)}-${unit(hi)}`);
          count += hi - lo + 1;
          single = lo;
        } else {
          const bmpEnd = Math.min(hi, 0xffff);
          if (lo <= bmpEnd) {
            bmp.push(`${unit(lo)}-${unit(bmpEnd)}`);
            count += 2;
          }
          astral.push(...surrogateAlternatives(Math.max(lo, 0x10000), hi));
        }
      }
    }
    const parts = astral.slice();
    if (bmp.length > 0) parts.unshift(count === 1 && single !== undefined ? unit(single) : `[${bmp.join('')}]`);
    if (parts.length === 0) return '[]';
    if (parts.length === 1 && astral.length === 0) return parts[0]!;
    return `(?:${parts.join('|')})`;
  }
}

function withoutSurrogates(lo: number, hi: number): Array<[number, number]> {
  if (hi < SURROGATE_LOW || lo > SURROGATE_HIGH) return [[lo, hi]];
  const out: Array<[number, number]> = [];
  if (lo < SURROGATE_LOW) out.push([lo, SURROGATE_LOW - 1]);
  if (hi > SURROGATE_HIGH) out.push([SURROGATE_HIGH + 1, hi]);
  return out;
}

/** `\uXXXX`: valid both inside and outside a class, and never mistaken for syntax. */
export function unit(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).padStart(4, '0')}`;
}

/** The literal for one code point as a single atom (an astral one is a group of two units). */
export function codePointLiteral(codePoint: number): string {
  if (codePoint <= 0xffff) return isWordChar(codePoint) ? String.fromCharCode(codePoint) : unit(codePoint);
  const [high, low] = surrogates(codePoint);
  return `(?:${unit(high)}${unit(low)})`;
}

function isWordChar(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
}

function surrogates(codePoint: number): [number, number] {
  const offset = codePoint - 0x10000;
  return [0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff)];
}

/** Spells an astral range as alternatives of `high[lows]` sequences. */
function surrogateAlternatives(lo: number, hi: number): string[] {
  const [loHigh, loLow] = surrogates(lo);
  const [hiHigh, hiLow] = surrogates(hi);
  if (loHigh === hiHigh) return [`${unit(loHigh)}[${unit(loLow)}-${unit(hiLow)}]`];
  const out: string[] = [];
  let firstFull = loHigh;
  let lastFull = hiHigh;
  if (loLow !== 0xdc00) {
    out.push(`${unit(loHigh)}[${unit(loLow)}-\\udfff]`);
    firstFull++;
  }
  if (hiLow !== 0xdfff) lastFull--;
  if (firstFull <= lastFull) out.push(`[${unit(firstFull)}-${unit(lastFull)}][\\udc00-\\udfff]`);
  if (hiLow !== 0xdfff) out.push(`${unit(hiHigh)}[\\udc00-${unit(hiLow)}]`);
  return out;
}
