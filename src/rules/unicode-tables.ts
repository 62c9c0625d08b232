/**
 * @module Unicode tables the RE2 translator needs but V8's linear engine cannot give it (no `u` or
 * `i` flag there): `\p{…}` classes and case-folding orbits. They are costly to build, so one
 * instance is created per compile, fills itself on first use and is dropped with the compile.
 */
import { CodePointSet } from './char-set.ts';

/** Go's general categories; `C` is special because Go's C omits Cn (unassigned), JS's does not. */
const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po', 'S', 'Sm', 'Sc', 'Sk', 'So',
  'Z', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Co', 'Cs',
]);
const GO_CATEGORY_C = ['Cc', 'Cf', 'Co', 'Cs'];

/** Highest code point with a case mapping in current Unicode (Adlam); folding scans stop here. */
const LAST_CASED = 0x1e943;

export class UnicodeTables {
  #properties = new Map<string, CodePointSet | null>();
  #everyCodePoint: string | undefined;
  #orbits: Map<number, readonly number[]> | undefined;

  /** The set for a Go `\p{name}` class, or undefined when Go would not know the name. */
  property(name: string): CodePointSet | undefined {
    let set = this.#properties.get(name);
    if (set === undefined) {
      set = this.#buildProperty(name);
      this.#properties.set(name, set);
    }
    return set ?? undefined;
  }

  /** Case-folding orbits with two or more members (`k K K`, `s S ſ`, …). */
  orbits(): Iterable<readonly number[]> {
    return new Set(this.#orbitIndex().values());
  }

  /** The orbit of one code point, itself included; a one-element array when it has no case. */
  orbitOf(codePoint: number): readonly number[] {
    return this.#orbitIndex().get(codePoint) ?? [codePoint];
  }

  #buildProperty(name: string): CodePointSet | null {
    if (!/^[A-Za-z_]+$/.test(name)) return null;
    if (name === 'Any') return CodePointSet.all;
    if (name === 'C') return GO_CATEGORY_C.map((c) => this.#scan(c)).reduce((a, b) => a!.union(b!))!;
    if (GENERAL_CATEGORIES.has(name)) return this.#scan(name);
    try {
      new RegExp(`\\p{Script=${name}}`, 'u');
    } catch {
      return null;
    }
    return this.#scan(`Script=${name}`);
  }

  /**
   * Finds the members of a property by running one native `u`-mode scan over a string of every
   * code point (a single pass, about 10 ms; a per-code-point test loop takes 70 ms). This is
   * compile-time work on trusted text, so the backtracking engine is fine here.
   */
  #scan(property: string): CodePointSet {
    this.#everyCodePoint ??= everyCodePoint();
    const finder = new RegExp(`\\p{${property}}+`, 'gu');
    const pairs: number[] = [];
    for (const match of this.#everyCodePoint.matchAll(finder)) {
      const first = match[0].codePointAt(0)!;
      const last = match[0].codePointAt(match[0].length - (match[0].length > 1 && isLowSurrogate(match[0], -1) ? 2 : 1))!;
      pairs.push(first, last);
    }
    return CodePointSet.fromRanges(pairs);
  }

  /**
   * Go folds with Unicode simple case folding. JS exposes that only through `/x/iu`, so orbits are
   * seeded from toLowerCase/toUpperCase (which miss K→K, ſ→s, ς→σ from one side) and then checked
   * with an `iu` comparison (which drops ı→I, since ı does not fold to i).
   */
  #orbitIndex(): Map<number, readonly number[]> {
    if (this.#orbits) return this.#orbits;
    const groups = new Map<number, number[]>();
    for (let cp = 0; cp <= LAST_CASED; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      const upper = char.toUpperCase();
      if (upper === char && char.toLowerCase() === char) continue;
      const key = singleCodePoint(upper.toLowerCase()) ?? singleCodePoint(char.toLowerCase());
      if (key === undefined) continue;
      if (key !== cp && !new RegExp(`^\\u{${cp.toString(16)}}$`, 'iu').test(String.fromCodePoint(key))) continue;
      const group = groups.get(key) ?? [key];
      if (key !== cp) group.push(cp);
      groups.set(key, group);
    }
    const index = new Map<number, readonly number[]>();
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const orbit = Object.freeze([...group].sort((a, b) => a - b));
      for (const cp of orbit) index.set(cp, orbit);
    }
    this.#orbits = index;
    return index;
  }
}

function singleCodePoint(text: string): number | undefined {
  const cp = text.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp).length === text.length ? cp : undefined;
}

function isLowSurrogate(text: string, fromEnd: number): boolean {
  const unit = text.charCodeAt(text.length + fromEnd);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function everyCodePoint(): string {
  const chunks: string[] = [];
  const chunk: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    chunk.push(cp);
    if (chunk.length === 4096) {
      chunks.push(String.fromCodePoint(...chunk));
      chunk.length = 0;
    }
  }
  chunks.push(String.fromCodePoint(...chunk));
  return chunks.join('');
}
