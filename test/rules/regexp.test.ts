import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGoRegexp } from '../../src/rules/regexp.ts';
import { translateRe2 } from '../../src/rules/re2-translate.ts';
import { UnicodeTables } from '../../src/rules/unicode-tables.ts';

const tables = new UnicodeTables();
const matches = (pattern: string, subject: string): boolean => compileGoRegexp(pattern, 1, tables).test(subject);

describe('RE2 syntax translated for the linear engine', () => {
  const cases: Array<[pattern: string, subject: string, expected: boolean]> = [
    ['^[a-z0-9-]{1,63}\\.example\\.com$', 'svc-1.example.com', true], // the engine alone refuses {1,63}
    ['^[a-z0-9-]{1,63}\\.example\\.com$', `${'a'.repeat(64)}.example.com`, false],
    ['^a{3}$', 'aaa', true],
    ['^a{2,}$', 'a', false],
    ['^(?:ab){2,4}$', 'ababab', true],
    ['^x{0}$', '', true],
    ['x{', 'x{', true], // not a repeat: a literal brace
    ['x{,3}', 'x{,3}', true],
    ['(?i)hello', 'HeLLo', true],
    ['(?i)[a-c]+', 'ABC', true],
    ['(?i)k', '\u212a', true], // Kelvin sign folds to k in RE2
    ['(?i)s', '\u017f', true], // long s
    ['k', '\u212a', false],
    ['(?i:a)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['a(?i)b|c', 'C', true], // (?i) lasts to the end of the group, across |
    ['(a(?i)b)c', 'aBC', false],
    ['(?i)(?-i:a)', 'A', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['a.b', 'a\rb', true], // RE2 `.` excludes only \n
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['(?m)^b', 'a\rb', false], // multi-line ^ fires after \n only
    ['foo$', 'foo\n', false], // `$` without m is \z in RE2
    ['\\Afoo\\z', 'foo', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\s', '\v', false], // RE2 \s has no \v
    ['\\s', '\u00a0', false], // nor Unicode spaces
    ['\\d', '٣', false], // ASCII digits only
    ['\\w+', 'é', false],
    ['[[:alpha:]]+', 'abc', true],
    ['^[[:^digit:]]$', '5', false],
    ['^[[:punct:]]+$', '!-/', true],
    ['[^a]', '\n', true], // negated classes match newline in RE2
    ['^.$', '😀', true], // one code point is one character
    ['^..$', '😀', false],
    ['^[^a]$', '😀', true],
    ['\\x{1F600}', '😀', true],
    ['^[\\x{1F600}-\\x{1F64F}]$', '🙂', true],
    ['\\pL', 'é', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\p{Greek}+$', 'abc', false],
    ['^\\PL$', 'a', false],
    ['^\\p{^L}$', '1', true],
    ['^\\pN+$', '42', true],
    ['^[\\p{Lu}\\d]+$', 'AB1', true],
    ['\\Qa.b*c\\E', 'a.b*c', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^\\Qab\\E+$', 'abbb', true], // the quantifier binds to the last quoted char
    ['(?P<year>[0-9]{4})-(?<month>[0-9]{2})', '2024-05', true],
    ['\\141\\x62\\x{63}', 'abc', true],
    ['\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$', '.+*?()|[]{}^$', true],
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['[\\d-z]', '-', true],
    ['a*?b', 'aab', true],
    ['(?U)a+', 'aaa', true],
    ['^(?:)$', '', true],
    ['a|', 'zzz', true],
  ];
  for (const [pattern, subject, expected] of cases) {
    it(`${pattern} on ${JSON.stringify(subject)} → ${expected}`, () => assert.equal(matches(pattern, subject), expected));
  }
});

describe('constructs RE2 rejects are SY_RULE_REGEXP at the argument column', () => {
  const cases: Array<[pattern: string, names: RegExp]> = [
    ['(a)\\1', /backreference \\1/],
    ['\\k<n>', /named backreference/],
    ['(?P<n>a)(?P=n)', /named backreference/],
    ['(?=a)', /lookahead/],
    ['(?!a)', /lookahead/],
    ['(?<=a)b', /lookbehind/], // the linear engine would accept it: RE2 does not
    ['(?<!a)b', /lookbehind/],
    ['(?>a)', /atomic group/],
    ['(?#note)', /comment group/],
    ['a*+', /nested repetition/],
    ['a**', /nested repetition/],
    ['a{2}{3}', /nested repetition/],
    ['*a', /missing argument/],
    ['a|*', /missing argument/],
    ['{2}', /missing argument/],
    ['a{1001}', /repeat count/],
    ['a{3,2}', /repeat count/],
    ['\\Z', /\\Z/],
    ['\\G', /\\G/],
    ['\\8', /backreference \\8/],
    ['\\q', /invalid escape/],
    ['[\\b]', /invalid escape/],
    ['a\\', /trailing backslash/],
    ['[a', /missing closing \]/],
    ['(a', /missing closing \)/],
    ['a)', /unexpected \)/],
    ['[z-a]', /class range/],
    ['[[:nope:]]', /\[:nope:\]/],
    ['\\p{Nope}', /Unicode class/],
    ['(?P<a>x)(?P<a>y)', /duplicate/],
    ['(?P<a-b>x)', /named capture/],
    ['(?i-)', /Perl syntax/],
    ['(?z)', /Perl syntax/],
    ['((a{100}){100}){100}', /too large/],
  ];
  for (const [pattern, names] of cases) {
    it(pattern, () => {
      assert.throws(
        () => compileGoRegexp(pattern, 17, tables),
        (error: { code?: string; position?: number; message?: string }) =>
          error.code === 'SY_RULE_REGEXP' && error.position === 17 && names.test(error.message ?? ''),
      );
    });
  }
});

describe('linear time on attacker input', () => {
  // A backtracking engine would not return from these (the test would hang: that is the assertion).
  const cases: Array<[pattern: string, subject: string]> = [
    ['^(a+)+$', `${'a'.repeat(40)}b`],
    ['^(a|a)*$', `${'a'.repeat(40)}b`],
    ['^(a|aa)+$', `${'a'.repeat(60)}b`],
    ['^(\\w+\\s?)*$', `${'word '.repeat(30)}!`],
    ['^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$', `${'a'.repeat(50)}!`],
    ['^(.*a){12}$', `${'a'.repeat(40)}b`],
    ['^(a*)*$', `${'a'.repeat(40)}b`],
    ['^(x+x+)+y$', 'x'.repeat(5_000)],
  ];
  for (const [pattern, subject] of cases) {
    it(`${pattern} is false on a hostile subject`, () => assert.equal(matches(pattern, subject), false));
  }
});

describe('translation details', () => {
  it('drops captures, keeps one atom per quantified item', () => {
    assert.equal(translateRe2('(a)+', tables, 1), '(?:a)+');
    assert.equal(translateRe2('a{2,3}', tables, 1), 'aa(?:a)?');
  });
  it('spells astral classes as surrogate pairs', () => {
    assert.equal(translateRe2('[\\x{1F600}-\\x{1F601}]', tables, 1), '(?:\\ud83d[\\ude00-\\ude01])');
  });
});
