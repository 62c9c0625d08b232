/**
 * @module The named character classes of Go's RE2 syntax as code-point sets. Go's `\d \s \w` and
 * POSIX classes are ASCII-only, unlike JS's `\s`, so they are spelled out instead of passed through.
 */
import { CodePointSet } from './char-set.ts';

const range = (from: string, to: string): number[] => [from.codePointAt(0)!, to.codePointAt(0)!];
const chars = (list: string): number[] => [...list].flatMap((c) => range(c, c));

const digit = range('0', '9');
const word = [...digit, ...range('A', 'Z'), ...range('a', 'z'), ...chars('_')];

/** `\d \s \w`: Go's `\s` is `[\t\n\f\r ]` (no `\v`, no Unicode spaces). */
export const PERL_CLASSES: Readonly<Record<string, CodePointSet>> = {
  d: CodePointSet.fromRanges(digit),
  s: CodePointSet.fromRanges(chars('\t\n\f\r ')),
  w: CodePointSet.fromRanges(word),
};

/** `[:name:]` inside a bracket expression. */
export const POSIX_CLASSES: Readonly<Record<string, CodePointSet>> = {
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
