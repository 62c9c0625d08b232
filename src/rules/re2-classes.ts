/**
 * @module Character classes in Go's RE2 syntax, read into code-point sets: bracket expressions,
 * `\d \s \w`, POSIX `[:alpha:]`, Unicode `\p{…}`, and single-character escapes. Go's `\d \s \w`
 * and POSIX classes are ASCII-only (JS's `\s` is not), so all of them are spelled out here.
 * Under `(?i)` a class is folded before it is negated, as Go does.
 */
import { CodePointSet } from './char-set.ts';
import type { PatternReader } from './re2-reader.ts';
import type { UnicodeTables } from './unicode-tables.ts';

const range = (from: string, to: string): number[] => [from.codePointAt(0)!, to.codePointAt(0)!];
const chars = (list: string): number[] => [...list].flatMap((c) => range(c, c));
const digit = range('0', '9');
const word = [...digit, ...range('A', 'Z'), ...range('a', 'z'), ...chars('_')];

/** `\d \s \w`: Go's `\s` is `[\t\n\f\r ]` (no `\v`, no Unicode spaces). */
const PERL_CLASSES: Readonly<Record<string, CodePointSet>> = {
  d: CodePointSet.fromRanges(digit),
  s: CodePointSet.fromRanges(chars('\t\n\f\r ')),
  w: CodePointSet.fromRanges(word),
};

const POSIX_CLASSES: Readonly<Record<string, CodePointSet>> = {
  alnum: CodePointSet.fromRanges([...digit, ...range('A', 'Z'), ...range('a', 'z')]),
  alpha: CodePointSet.fromRanges([...range('A', 'Z'), ...range('a', 'z')]),
  ascii: CodePointSet.fromRanges([0, 0x7f]),
  blank: CodePointSet.fromRanges(chars('\t ')),
  cntrl: CodePointSet.fromRanges([0, 0x1f, 0x7f, 0x7f]),
  digit: CodePointSet.fromRanges(digit),
  graph: CodePointSet.fromRanges(range('!', '~')),
  lower: CodePointSet.fromRanges(range('a', 'z')),
  print: CodePointSet.fromRanges(range(' ', '~')),
  punct: CodePointSet.fromRanges([...range('!', '/'), ...range(':', '@'), ...range('[', '`'), ...range('{', '~')]),
  space: CodePointSet.fromRanges(chars('\t\n\v\f\r ')),
  upper: CodePointSet.fromRanges(range('A', 'Z')),
  word: CodePointSet.fromRanges(word),
  xdigit: CodePointSet.fromRanges([...digit, ...range('A', 'F'), ...range('a', 'f')]),
};

/** `.` without and with the `s` flag. */
export const ANY_BUT_NEWLINE = CodePointSet.of(0x0a).negate();
export const ANY_CHAR = CodePointSet.all;

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };

/** Escapes from other regexp dialects, named so the user learns why the rule was refused. */
const UNSUPPORTED_ESCAPES: Readonly<Record<string, string>> = {
  k: 'named backreference \\k<…> is not supported by RE2',
  Z: '\\Z is not supported by RE2 (use \\z)',
  C: '\\C (any byte) is not supported',
  G: '\\G is not supported by RE2',
  K: '\\K is not supported by RE2',
};

/** A bracket expression, the reader just past its `[`. */
export function readBracket(reader: PatternReader, foldCase: boolean, tables: UnicodeTables): CodePointSet {
  const negated = reader.peek() === '^';
  if (negated) reader.pos++;
  const plain: number[] = [];
  let set = CodePointSet.empty;
  for (let first = true; ; first = false) {
    const c = reader.peek();
    if (c === undefined) reader.fail('missing closing ]');
    if (c === ']' && !first) {
      reader.pos++;
      break;
    }
    const group = readBracketGroup(reader, foldCase, tables);
    if (group !== undefined) {
      set = set.union(group);
      continue;
    }
    const lo = readBracketChar(reader);
    let hi = lo;
    if (reader.peek() === '-' && reader.peek(1) !== undefined && reader.peek(1) !== ']') {
      reader.pos++;
      hi = readBracketChar(reader);
      if (hi < lo) reader.fail('invalid character class range', -1);
    }
    plain.push(lo, hi);
  }
  let plainSet = CodePointSet.fromRanges(plain);
  if (foldCase) plainSet = plainSet.foldCase(tables.orbits());
  set = set.union(plainSet);
  return negated ? set.negate() : set;
}

/** At `\`'s successor: `\d \s \w`, their negations, `\p`/`\P`; undefined for any other escape. */
export function readClassEscape(reader: PatternReader, foldCase: boolean, tables: UnicodeTables): CodePointSet | undefined {
  const c = reader.peek();
  let set: CodePointSet;
  let negated: boolean;
  if (c === 'd' || c === 's' || c === 'w' || c === 'D' || c === 'S' || c === 'W') {
    reader.pos++;
    set = PERL_CLASSES[c.toLowerCase()]!;
    negated = c !== c.toLowerCase();
  } else if (c === 'p' || c === 'P') {
    [set, negated] = readUnicodeClass(reader, tables);
  } else {
    return undefined;
  }
  if (foldCase) set = set.foldCase(tables.orbits());
  return negated ? set.negate() : set;
}

/** At `\`'s successor: one character (octal, hex, control letter, escaped punctuation). */
export function readEscapedChar(reader: PatternReader): number {
  const c = reader.next();
  if (c === undefined) return reader.fail('trailing backslash at end of expression');
  if (c >= '0' && c <= '7' && (c === '0' || isOctal(reader.peek()))) {
    let value = Number(c);
    for (let i = 0; i < 2 && isOctal(reader.peek()); i++) value = value * 8 + Number(reader.next());
    return value;
  }
  if (c >= '1' && c <= '9') return reader.fail(`backreference \\${c} is not supported by RE2`, -2);
  if (c === 'x') return readHexEscape(reader);
  const control = CONTROL_ESCAPES[c];
  if (control !== undefined) return control;
  const cp = c.codePointAt(0)!;
  if (cp < 0x80 && !/[A-Za-z0-9]/.test(c)) return cp;
  return reader.fail(UNSUPPORTED_ESCAPES[c] ?? `invalid escape \\${c}`, -2);
}

/** `\pL`, `\p{Greek}`, `\p{^Greek}`, `\P…`: the named set and whether to negate it. */
function readUnicodeClass(reader: PatternReader, tables: UnicodeTables): [CodePointSet, boolean] {
  const start = reader.pos;
  const upperP = reader.next() === 'P';
  let name = reader.next();
  if (name === '{') {
    name = '';
    while (reader.peek() !== undefined && reader.peek() !== '}') name += reader.next();
    if (reader.next() !== '}') reader.fail('missing } in Unicode class');
  }
  const caret = name?.startsWith('^') === true;
  const set = name === undefined ? undefined : tables.property(caret ? name.slice(1) : name);
  if (set === undefined) return reader.fail(`unknown Unicode class \\${reader.since(start)}`);
  return [set, caret !== upperP];
}

/** `[:alpha:]`, `[:^alpha:]`, and the escape classes, inside brackets. */
function readBracketGroup(reader: PatternReader, foldCase: boolean, tables: UnicodeTables): CodePointSet | undefined {
  if (reader.peek() === '\\') {
    reader.pos++;
    const group = readClassEscape(reader, foldCase, tables);
    if (group === undefined) reader.pos--;
    return group;
  }
  if (reader.peek() !== '[' || reader.peek(1) !== ':') return undefined;
  const rest = reader.chars.slice(reader.pos + 2).join('');
  const end = rest.indexOf(':]');
  if (end < 0) return undefined; // a literal '['
  const name = rest.slice(0, end);
  const negated = name.startsWith('^');
  let set = POSIX_CLASSES[negated ? name.slice(1) : name];
  if (set === undefined) return reader.fail(`invalid character class range [:${name}:]`);
  reader.pos += 2 + Array.from(rest.slice(0, end + 2)).length;
  if (foldCase) set = set.foldCase(tables.orbits());
  return negated ? set.negate() : set;
}

function readBracketChar(reader: PatternReader): number {
  const c = reader.next()!;
  return c === '\\' ? readEscapedChar(reader) : c.codePointAt(0)!;
}

function readHexEscape(reader: PatternReader): number {
  let digits = '';
  if (reader.peek() === '{') {
    reader.pos++;
    while (reader.peek() !== undefined && reader.peek() !== '}') digits += reader.next();
    if (reader.next() !== '}' || !/^[0-9A-Fa-f]{1,8}$/.test(digits)) reader.fail('invalid escape \\x{…}');
  } else {
    digits = `${reader.next() ?? ''}${reader.next() ?? ''}`;
    if (!/^[0-9A-Fa-f]{2}$/.test(digits)) reader.fail('invalid escape \\x');
  }
  const value = parseInt(digits, 16);
  if (value > 0x10ffff) reader.fail('invalid escape \\x{…}: beyond U+10FFFF');
  return value;
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}
