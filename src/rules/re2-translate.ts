/**
 * @module Translation of Go (RE2) regexp syntax into a pattern V8's linear-time engine accepts.
 *
 * Only match/no-match matters to routing, so captures become plain groups and laziness is dropped.
 * The engine refuses the `i` and `u` flags and counted repetitions totalling more than 16, so
 * case-insensitivity is expanded into classes, classes become code-point sets (re2-classes.ts,
 * astral members as surrogate pairs), `{n,m}` is unrolled, and flags are tracked per group the way
 * RE2 scopes them. What RE2 itself rejects (backreferences, lookaround, `\Z`, stacked quantifiers)
 * is rejected here with the construct named.
 *
 * With `captures` (middlewares that rewrite with `$1`, `${name}`), groups keep capturing, laziness
 * is kept, and a counted repetition of a capturing group stays a native `{n,m}` (unrolling would
 * multiply the group); the ungreedy flag `U` is not honoured there.
 */
import { CodePointSet, codePointLiteral } from './char-set.ts';
import { ANY_BUT_NEWLINE, ANY_CHAR, readBracket, readClassEscape, readEscapedChar } from './re2-classes.ts';
import { PatternReader } from './re2-reader.ts';
import type { UnicodeTables } from './unicode-tables.ts';

interface Flags {
  foldCase: boolean;
  multiLine: boolean;
  dotAll: boolean;
}

interface Atom {
  readonly source: string;
  /** Holds a capturing group (captures mode only). */
  readonly capturing?: boolean;
  /** Zero-width: JS refuses to quantify some of these bare, so they are grouped first. */
  readonly assertion: boolean;
}

const MAX_REPEAT = 1000; // Go's limit for {n,m}
const MAX_DEPTH = 1000; // Go's nesting limit
const MAX_SOURCE = 256 * 1024; // after unrolling; Go reports "expression too large" in the same spirit

/** Translates `pattern`; errors are SY_RULE_REGEXP at `column` (the rule argument holding it). */
export function translateRe2(pattern: string, tables: UnicodeTables, column: number, captures = false): string {
  return new Re2Translator(new PatternReader(pattern, column), tables, captures).translate();
}

class Re2Translator {
  readonly #in: PatternReader;
  readonly #tables: UnicodeTables;
  readonly #names = new Set<string>();
  readonly #captures: boolean;
  #groups = 0;
  #depth = 0;

  constructor(reader: PatternReader, tables: UnicodeTables, captures: boolean) {
    this.#in = reader;
    this.#tables = tables;
    this.#captures = captures;
  }

  translate(): string {
    const source = this.#alternation({ foldCase: false, multiLine: false, dotAll: false });
    if (!this.#in.done) this.#in.fail('unexpected )');
    if (source.length > MAX_SOURCE) this.#in.fail('expression too large once repetitions are expanded');
    return source;
  }

  #alternation(inherited: Flags): string {
    // One flags object per group: `(?i)` inside a branch also applies to the later branches.
    const flags = { ...inherited };
    const branches = [this.#concatenation(flags)];
    while (this.#in.peek() === '|') {
      this.#in.pos++;
      branches.push(this.#concatenation(flags));
    }
    return branches.join('|');
  }

  #concatenation(flags: Flags): string {
    const parts: string[] = [];
    for (;;) {
      const c = this.#in.peek();
      if (c === undefined || c === '|' || c === ')') return parts.join('');
      let atom: Atom | undefined;
      if (c === '(') atom = this.#group(flags);
      else if (c === '\\' && this.#in.peek(1) === 'Q') atom = this.#quotedLiterals(flags, parts);
      else atom = this.#atom(flags);
      if (atom !== undefined) parts.push(this.#quantified(atom));
    }
  }

  #atom(flags: Flags): Atom {
    const c = this.#in.next()!;
    switch (c) {
      case '[':
        return { source: readBracket(this.#in, flags.foldCase, this.#tables).toPattern(), assertion: false };
      case '.':
        return { source: (flags.dotAll ? ANY_CHAR : ANY_BUT_NEWLINE).toPattern(), assertion: false };
      case '^':
        // JS's multi-line `^` also fires after \r, U+2028 and U+2029; RE2's only after \n.
        return { source: flags.multiLine ? '(?:^|(?<=\\n))' : '^', assertion: true };
      case '$':
        // No lookahead in the linear engine: `(?m:$)` also fires before \r, U+2028, U+2029 (a known gap).
        return { source: flags.multiLine ? '(?m:$)' : '$', assertion: true };
      case '\\':
        return this.#escape(flags);
      case '*':
      case '+':
      case '?':
        return this.#in.fail(`missing argument to repetition operator ${c}`, -1);
      case '{':
        this.#in.pos--;
        if (this.#repeat() !== undefined) this.#in.fail('missing argument to repetition operator', -1);
        this.#in.pos++;
        return this.#literal(c, flags);
      default:
        return this.#literal(c, flags);
    }
  }

  #literal(char: string, flags: Flags): Atom {
    const cp = char.codePointAt(0)!;
    const orbit = flags.foldCase ? this.#tables.orbitOf(cp) : [cp];
    return { source: orbit.length === 1 ? codePointLiteral(cp) : CodePointSet.of(...orbit).toPattern(), assertion: false };
  }

  #escape(flags: Flags): Atom {
    const c = this.#in.peek();
    const assertion = c === 'A' ? '^' : c === 'z' ? '$' : c === 'b' ? '\\b' : c === 'B' ? '\\B' : undefined;
    if (assertion !== undefined) {
      this.#in.pos++;
      return { source: assertion, assertion: true };
    }
    const group = readClassEscape(this.#in, flags.foldCase, this.#tables);
    if (group !== undefined) return { source: group.toPattern(), assertion: false };
    return this.#literal(String.fromCodePoint(readEscapedChar(this.#in)), flags);
  }

  /** `\Q…\E`: each char is its own literal, so a following quantifier binds to the last one only. */
  #quotedLiterals(flags: Flags, parts: string[]): Atom | undefined {
    this.#in.pos += 2;
    const literals: Atom[] = [];
    while (!this.#in.done && !(this.#in.peek() === '\\' && this.#in.peek(1) === 'E')) {
      literals.push(this.#literal(this.#in.next()!, flags));
    }
    if (!this.#in.done) this.#in.pos += 2;
    const last = literals.pop();
    for (const literal of literals) parts.push(literal.source);
    return last;
  }

  /** Returns undefined for a flags-only group such as `(?i)`, which changes `flags` in place. */
  #group(flags: Flags): Atom | undefined {
    this.#in.pos++;
    if (++this.#depth > MAX_DEPTH) this.#in.fail('expression nests too deeply');
    let inner: Flags = flags;
    let open = this.#captures ? '(' : '(?:';
    const groupsBefore = this.#groups;
    if (this.#in.peek() === '?') {
      this.#in.pos++;
      open = '(?:';
      const name = this.#groupName();
      if (name !== undefined && this.#captures) open = `(?<${name}>`;
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
    if (open !== '(?:') this.#groups++;
    const body = this.#alternation(inner);
    if (this.#in.next() !== ')') this.#in.fail('missing closing )');
    this.#depth--;
    return { source: `${open}${body})`, assertion: false, capturing: this.#groups > groupsBefore };
  }

  /** Consumes `P<name>` or `<name>` (its name); rejects lookaround and the other Perl groups RE2 lacks. */
  #groupName(): string | undefined {
    const c = this.#in.peek();
    const c1 = this.#in.peek(1);
    if (c === '=' || c === '!') this.#in.fail(`lookahead (?${c}…) is not supported by RE2`);
    if (c === '<' && (c1 === '=' || c1 === '!')) this.#in.fail(`lookbehind (?<${c1}…) is not supported by RE2`);
    if (c === '>') this.#in.fail('atomic group (?>…) is not supported by RE2');
    if (c === '#') this.#in.fail('comment group (?#…) is not supported by RE2');
    if (c === 'P' && c1 === '=') this.#in.fail('named backreference (?P=name) is not supported by RE2');
    const skip = c === '<' ? 1 : c === 'P' && c1 === '<' ? 2 : 0;
    if (skip === 0) return undefined;
    this.#in.pos += skip;
    let name = '';
    while (this.#in.peek() !== undefined && this.#in.peek() !== '>') name += this.#in.next();
    if (this.#in.next() !== '>' || !/^[A-Za-z0-9_]+$/.test(name)) this.#in.fail(`invalid named capture <${name}>`);
    if (this.#names.has(name)) this.#in.fail(`duplicate capture group name ${name}`);
    this.#names.add(name);
    return name;
  }

  /** `imsU` flags with one optional `-`, ended by `)` (flags-only) or `:` (group). */
  #flagSpec(current: Flags): { flags: Flags; closed: boolean } {
    const flags = { ...current };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.#in.next();
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
        return this.#in.fail('invalid or unsupported Perl syntax (?…', -1);
      }
    }
  }

  #quantified(atom: Atom): string {
    const repeat = this.#repeat();
    if (repeat === undefined) return atom.source;
    if (this.#repeat() !== undefined) this.#in.fail('invalid nested repetition operator', -1);
    const unit = atom.assertion ? `(?:${atom.source})` : atom.source;
    const [min, max, lazy] = repeat;
    if (this.#captures) {
      const q = lazy ? '?' : '';
      if (max === Infinity && min <= 1) return `${unit}${min === 0 ? '*' : '+'}${q}`;
      if (min === 0 && max === 1) return `${unit}?${q}`;
      if (atom.capturing === true) return `${unit}{${min},${max === Infinity ? '' : max}}${q}`;
    }
    if (unit.length * Math.max(min, Number.isFinite(max) ? max : min + 1) > MAX_SOURCE) {
      this.#in.fail('expression too large once repetitions are expanded');
    }
    if (max === Infinity) return min === 0 ? `${unit}*` : unit.repeat(min - 1) + `${unit}+`;
    if (min === 0 && max === 1) return `${unit}?`;
    const optional = max - min;
    // Nested `(?:x(?:x)?)?` rather than `x?x?`: the same language without redundant paths.
    return unit.repeat(min) + `(?:${unit}`.repeat(optional) + ')?'.repeat(optional);
  }

  /** Parses `*`, `+`, `?` or a valid `{n,m}`, plus a lazy `?` (third element); undefined when none. */
  #repeat(): [number, number, boolean] | undefined {
    const c = this.#in.peek();
    let bounds: [number, number] | undefined;
    if (c === '*') bounds = [0, Infinity];
    else if (c === '+') bounds = [1, Infinity];
    else if (c === '?') bounds = [0, 1];
    if (bounds !== undefined) {
      this.#in.pos++;
    } else if (c === '{') {
      const text = this.#in.chars.slice(this.#in.pos, this.#in.pos + 32).join('');
      const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(text);
      if (m === null) return undefined; // not a repeat: `{` is a literal
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === undefined ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) {
        this.#in.fail(`invalid repeat count ${m[0]}`);
      }
      this.#in.pos += m[0].length;
      bounds = [min, max];
    } else {
      return undefined;
    }
    const lazy = this.#in.peek() === '?';
    if (lazy) this.#in.pos++;
    return [bounds[0], bounds[1], lazy];
  }
}
