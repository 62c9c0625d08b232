/**
 * @module Translation of Go (RE2) regexp syntax into a pattern V8's linear-time engine accepts.
 *
 * Only match/no-match matters to routing, so captures become plain groups and laziness is dropped.
 * The engine runs without the `u`, `i` and `s`… flags and rejects counted repetitions whose total
 * exceeds 16, so: case-insensitivity is expanded into classes, classes are computed as code-point
 * sets (astral members spelled as surrogate pairs), `{n,m}` is unrolled, and flags are tracked per
 * group as RE2 scopes them. What RE2 itself rejects (backreferences, lookaround, `\Z`, possessive or
 * stacked quantifiers) is rejected here with the construct named.
 */
import { RuleError } from '../errors.ts';
import { CodePointSet, codePointLiteral } from './char-set.ts';
import { ANY_BUT_NEWLINE, ANY_CHAR, PERL_CLASSES, POSIX_CLASSES } from './re2-classes.ts';
import type { UnicodeTables } from './unicode-tables.ts';

interface Flags {
  foldCase: boolean;
  multiLine: boolean;
  dotAll: boolean;
}

interface Atom {
  readonly source: string;
  /** Zero-width: JS refuses to quantify some of these bare, so they are grouped first. */
  readonly assertion: boolean;
}

const MAX_REPEAT = 1000; // Go's limit for {n,m}
const MAX_DEPTH = 1000; // Go's nesting limit
const MAX_SOURCE = 256 * 1024; // after unrolling; Go reports "expression too large" in the same spirit

/** Translates `pattern`; errors are SY_RULE_REGEXP at `column` (the rule argument holding it). */
export function translateRe2(pattern: string, tables: UnicodeTables, column: number): string {
  return new Re2Translator(pattern, tables, column).translate();
}

class Re2Translator {
  readonly #chars: readonly string[];
  readonly #tables: UnicodeTables;
  readonly #column: number;
  readonly #names = new Set<string>();
  #pos = 0;
  #depth = 0;

  constructor(pattern: string, tables: UnicodeTables, column: number) {
    this.#chars = Array.from(pattern);
    this.#tables = tables;
    this.#column = column;
  }

  translate(): string {
    const source = this.#alternation({ foldCase: false, multiLine: false, dotAll: false });
    if (this.#pos < this.#chars.length) this.#fail('unexpected )');
    if (source.length > MAX_SOURCE) this.#fail('expression too large once repetitions are expanded');
    return source;
  }

  #alternation(inherited: Flags): string {
    // One flags object per group: `(?i)` inside a branch also applies to the later branches.
    const flags = { ...inherited };
    const branches = [this.#concatenation(flags)];
    while (this.#peek() === '|') {
      this.#pos++;
      branches.push(this.#concatenation(flags));
    }
    return branches.join('|');
  }

  #concatenation(flags: Flags): string {
    const parts: string[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') return parts.join('');
      let atom: Atom | undefined;
      if (c === '(') {
        atom = this.#group(flags);
      } else if (c === '\\' && this.#peek(1) === 'Q') {
        atom = this.#quotedLiterals(flags, parts);
      } else {
        atom = this.#atom(flags);
      }
      if (atom !== undefined) parts.push(this.#quantified(atom));
    }
  }

  #atom(flags: Flags): Atom {
    const c = this.#next()!;
    switch (c) {
      case '[':
        return { source: this.#bracket(flags).toPattern(), assertion: false };
      case '.':
        return { source: (flags.dotAll ? ANY_CHAR : ANY_BUT_NEWLINE).toPattern(), assertion: false };
      case '^':
        // JS's multiline `^` also fires after \r, U+2028 and U+2029; RE2's only after \n.
        return { source: flags.multiLine ? '(?:^|(?<=\\n))' : '^', assertion: true };
      case '$':
        // No lookahead in the linear engine: `(?m:$)` also fires before \r, U+2028, U+2029 (documented gap).
        return { source: flags.multiLine ? '(?m:$)' : '$', assertion: true };
      case '\\':
        return this.#escape(flags);
      case '*':
      case '+':
      case '?':
        return this.#fail(`missing argument to repetition operator ${c}`, -1);
      case '{':
        this.#pos--;
        if (this.#repeat() !== undefined) this.#fail('missing argument to repetition operator', -1);
        this.#pos++;
        return this.#literal(c, flags);
      default:
        return this.#literal(c, flags);
    }
  }

  #literal(char: string, flags: Flags): Atom {
    const cp = char.codePointAt(0)!;
    if (!flags.foldCase) return { source: codePointLiteral(cp), assertion: false };
    const orbit = this.#tables.orbitOf(cp);
    return { source: CodePointSet.of(...orbit).toPattern(), assertion: false };
  }

  /** `\Q…\E`: each char is its own literal, so a following quantifier binds to the last one only. */
  #quotedLiterals(flags: Flags, parts: string[]): Atom | undefined {
    this.#pos += 2;
    const literals: Atom[] = [];
    while (this.#pos < this.#chars.length && !(this.#peek() === '\\' && this.#peek(1) === 'E')) {
      literals.push(this.#literal(this.#next()!, flags));
    }
    if (this.#pos < this.#chars.length) this.#pos += 2;
    const last = literals.pop();
    for (const literal of literals) parts.push(literal.source);
    return last;
  }

  /** Returns undefined for a flags-only group such as `(?i)`, which changes `flags` in place. */
  #group(flags: Flags): Atom | undefined {
    this.#pos++;
    if (++this.#depth > MAX_DEPTH) this.#fail('expression nests too deeply');
    let inner: Flags = flags;
    if (this.#peek() === '?') {
      this.#pos++;
      const name = this.#groupName();
      if (name === undefined) {
        const parsed = this.#flagSpec(flags);
        if (parsed.closed) {
          Object.assign(flags, parsed.flags);
          this.#depth--;
          return undefined;
        }
        inner = parsed.flags;
      }
    }
    const body = this.#alternation(inner);
    if (this.#next() !== ')') this.#fail('missing closing )');
    this.#depth--;
    return { source: `(?:${body})`, assertion: false };
  }

  /** Handles `(?P<name>` and `(?<name>`; rejects lookaround and other Perl groups RE2 lacks. */
  #groupName(): string | undefined {
    const c = this.#peek();
    const c1 = this.#peek(1);
    if (c === '=' || c === '!') this.#fail(`lookahead (?${c}…) is not supported by RE2`);
    if (c === '<' && (c1 === '=' || c1 === '!')) this.#fail(`lookbehind (?<${c1}…) is not supported by RE2`);
    if (c === '>') this.#fail('atomic group (?>…) is not supported by RE2');
    if (c === '#') this.#fail('comment group (?#…) is not supported by RE2');
    if (c === 'P' && c1 === '=') this.#fail('named backreference (?P=name) is not supported by RE2');
    const start = c === '<' ? 1 : c === 'P' && c1 === '<' ? 2 : 0;
    if (start === 0) return undefined;
    this.#pos += start;
    let name = '';
    while (this.#peek() !== undefined && this.#peek() !== '>') name += this.#next();
    if (this.#next() !== '>' || !/^[A-Za-z0-9_]+$/.test(name)) this.#fail(`invalid named capture <${name}>`);
    if (this.#names.has(name)) this.#fail(`duplicate capture group name ${name}`);
    this.#names.add(name);
    return name;
  }

  /** `imsU` flags with one optional `-`, ended by `)` (flags-only) or `:` (group). */
  #flagSpec(current: Flags): { flags: Flags; closed: boolean } {
    const flags = { ...current };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.#next();
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        if (c === 'i') flags.foldCase = !negate;
        if (c === 'm') flags.multiLine = !negate;
        if (c === 's') flags.dotAll = !negate;
        sawFlag = true; // U (ungreedy) only changes which match is found, never whether one is
      } else if (c === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((c === ')' || c === ':') && (!negate || sawFlag)) {
        return { flags, closed: c === ')' };
      } else {
        return this.#fail('invalid or unsupported Perl syntax (?…', -1);
      }
    }
  }

  #quantified(atom: Atom): string {
    const repeat = this.#repeat();
    if (repeat === undefined) return atom.source;
    if (this.#repeat() !== undefined) this.#fail('invalid nested repetition operator', -1);
    const unit = atom.assertion ? `(?:${atom.source})` : atom.source;
    const [min, max] = repeat;
    if (unit.length * Math.max(min, Number.isFinite(max) ? max : min + 1) > MAX_SOURCE) {
      this.#fail('expression too large once repetitions are expanded');
    }
    if (max === Infinity) {
      if (min === 0) return `${unit}*`;
      return unit.repeat(min - 1) + `${unit}+`;
    }
    if (min === 0 && max === 1) return `${unit}?`;
    const optional = max - min;
    // Nested `(?:x(?:x)?)?` rather than `x?x?`: the same language without redundant paths.
    return unit.repeat(min) + `(?:${unit}`.repeat(optional) + ')?'.repeat(optional);
  }

  /** Parses `*`, `+`, `?` or a valid `{n,m}` (plus a lazy `?`, ignored); undefined when none. */
  #repeat(): [number, number] | undefined {
    const c = this.#peek();
    let bounds: [number, number] | undefined;
    if (c === '*') bounds = [0, Infinity];
    else if (c === '+') bounds = [1, Infinity];
    else if (c === '?') bounds = [0, 1];
    if (bounds !== undefined) {
      this.#pos++;
    } else if (c === '{') {
      const text = this.#chars.slice(this.#pos, this.#pos + 32).join('');
      const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(text);
      if (m === null) return undefined; // not a repeat: `{` is a literal
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === undefined ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) {
        this.#fail(`invalid repeat count ${m[0]}`);
      }
      this.#pos += m[0].length;
      bounds = [min, max];
    } else {
      return undefined;
    }
    if (this.#peek() === '?') this.#pos++;
    return bounds;
  }

  #escape(flags: Flags): Atom {
    const c = this.#peek();
    const assertion = c === 'A' ? '^' : c === 'z' ? '$' : c === 'b' ? '\\b' : c === 'B' ? '\\B' : undefined;
    if (assertion !== undefined) {
      this.#pos++;
      return { source: assertion, assertion: true };
    }
    const group = this.#classEscape(flags);
    if (group !== undefined) return { source: group.toPattern(), assertion: false };
    return this.#literal(String.fromCodePoint(this.#escapedChar()), flags);
  }

  /** `\d \s \w`, their negations and `\p`/`\P` classes, folded before negation as Go does. */
  #classEscape(flags: Flags): CodePointSet | undefined {
    const c = this.#peek();
    let set: CodePointSet | undefined;
    let negated = false;
    if (c === 'd' || c === 's' || c === 'w' || c === 'D' || c === 'S' || c === 'W') {
      this.#pos++;
      set = PERL_CLASSES[c.toLowerCase()]!;
      negated = c !== c.toLowerCase();
    } else if (c === 'p' || c === 'P') {
      [set, negated] = this.#unicodeClass();
    } else {
      return undefined;
    }
    if (flags.foldCase) set = set.foldCase(this.#tables.orbits());
    return negated ? set.negate() : set;
  }

  /** At `\p` or `\P`: `\pL`, `\p{Greek}`, `\p{^Greek}`; the named set and whether to negate it. */
  #unicodeClass(): [CodePointSet, boolean] {
    const start = this.#pos;
    const upperP = this.#next() === 'P';
    let name = this.#next();
    if (name === '{') {
      name = '';
      while (this.#peek() !== undefined && this.#peek() !== '}') name += this.#next();
      if (this.#next() !== '}') this.#fail('missing } in Unicode class');
    }
    const caret = name?.startsWith('^') === true;
    const set = name === undefined ? undefined : this.#tables.property(caret ? name.slice(1) : name);
    if (set === undefined) this.#fail(`unknown Unicode class \\${this.#chars.slice(start, this.#pos).join('')}`);
    return [set!, caret !== upperP];
  }

  /** A single-character escape after `\`: octal, hex, control letters or escaped punctuation. */
  #escapedChar(): number {
    const c = this.#next();
    if (c === undefined) return this.#fail('trailing backslash at end of expression');
    if (c >= '0' && c <= '7' && (c === '0' || isOctal(this.#peek()))) {
      let value = Number(c);
      for (let i = 0; i < 2 && isOctal(this.#peek()); i++) value = value * 8 + Number(this.#next());
      return value;
    }
    if (c >= '1' && c <= '9') return this.#fail(`backreference \\${c} is not supported by RE2`, -2);
    if (c === 'x') return this.#hexEscape();
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return control;
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(c)) return cp;
    return this.#fail(UNSUPPORTED_ESCAPES[c] ?? `invalid escape \\${c}`, -2);
  }

  #hexEscape(): number {
    let digits = '';
    if (this.#peek() === '{') {
      this.#pos++;
      while (this.#peek() !== undefined && this.#peek() !== '}') digits += this.#next();
      if (this.#next() !== '}' || !/^[0-9A-Fa-f]{1,8}$/.test(digits)) this.#fail('invalid escape \\x{…}');
    } else {
      digits = `${this.#next() ?? ''}${this.#next() ?? ''}`;
      if (!/^[0-9A-Fa-f]{2}$/.test(digits)) this.#fail('invalid escape \\x');
    }
    const value = parseInt(digits, 16);
    if (value > 0x10ffff) this.#fail('invalid escape \\x{…}: beyond U+10FFFF');
    return value;
  }

  /** A bracket expression, after its `[`. */
  #bracket(flags: Flags): CodePointSet {
    const negated = this.#peek() === '^';
    if (negated) this.#pos++;
    const plain: number[] = [];
    let set = CodePointSet.empty;
    for (let first = true; ; first = false) {
      const c = this.#peek();
      if (c === undefined) this.#fail('missing closing ]');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      const group = this.#bracketGroup(flags);
      if (group !== undefined) {
        set = set.union(group);
        continue;
      }
      const lo = this.#bracketChar();
      let hi = lo;
      if (this.#peek() === '-' && this.#peek(1) !== undefined && this.#peek(1) !== ']') {
        this.#pos++;
        hi = this.#bracketChar();
        if (hi < lo) this.#fail('invalid character class range', -1);
      }
      plain.push(lo, hi);
    }
    let plainSet = CodePointSet.fromRanges(plain);
    if (flags.foldCase) plainSet = plainSet.foldCase(this.#tables.orbits());
    set = set.union(plainSet);
    return negated ? set.negate() : set;
  }

  /** `[:alpha:]`, `[:^alpha:]`, `\d`-style and `\p` classes inside brackets. */
  #bracketGroup(flags: Flags): CodePointSet | undefined {
    if (this.#peek() === '\\') {
      this.#pos++;
      const group = this.#classEscape(flags);
      if (group === undefined) this.#pos--;
      return group;
    }
    if (this.#peek() !== '[' || this.#peek(1) !== ':') return undefined;
    const rest = this.#chars.slice(this.#pos + 2).join('');
    const end = rest.indexOf(':]');
    if (end < 0) return undefined; // a literal '['
    const name = rest.slice(0, end);
    const negated = name.startsWith('^');
    let set = POSIX_CLASSES[negated ? name.slice(1) : name];
    if (set === undefined) this.#fail(`invalid character class range [:${name}:]`);
    this.#pos += 2 + Array.from(rest.slice(0, end + 2)).length;
    if (flags.foldCase) set = set!.foldCase(this.#tables.orbits());
    return negated ? set!.negate() : set;
  }

  #bracketChar(): number {
    const c = this.#next()!;
    return c === '\\' ? this.#escapedChar() : c.codePointAt(0)!;
  }

  #peek(ahead = 0): string | undefined {
    return this.#chars[this.#pos + ahead];
  }

  #next(): string | undefined {
    return this.#chars[this.#pos++];
  }

  #fail(message: string, offset = 0): never {
    const at = Math.max(0, this.#pos + offset);
    throw new RuleError('SY_RULE_REGEXP', `invalid regexp: ${message} (regexp offset ${at})`, this.#column);
  }
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };

/** Escapes from other regexp dialects, named so the user learns why the rule was refused. */
const UNSUPPORTED_ESCAPES: Readonly<Record<string, string>> = {
  k: 'named backreference \\k<…> is not supported by RE2',
  Z: '\\Z is not supported by RE2 (use \\z)',
  C: '\\C (any byte) is not supported',
  G: '\\G is not supported by RE2',
  K: '\\K is not supported by RE2',
};
