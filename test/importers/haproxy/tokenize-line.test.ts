/**
 * haproxy.cfg words as HAProxy's parse_line splits them: quoting, escapes, comments, environment
 * variables. The expected words of the quoting and escaping cases were checked against HAProxy 2.6,
 * which echoes a word back with `http-request return … string <word>`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endsWithContinuation, tokenizeLine } from '../../../src/importers/haproxy/tokenize-line.ts';
import { SwitchyardError } from '../../../src/errors.ts';

const ctx = (env: Record<string, string | undefined> = {}) => ({ where: 'haproxy.cfg:7', env, file: 'haproxy.cfg', line: 7, section: 'frontend fe' });

const cases: readonly [string, string, readonly string[], Record<string, string>?][] = [
  ['blanks separate words; leading blanks are skipped', '   acl  a\thdr(host)   -i x ', ['acl', 'a', 'hdr(host)', '-i', 'x']],
  ['# starts a comment', 'bind :80 # the web port', ['bind', ':80']],
  ['a # inside quotes is a character', 'acl a path "/tag#1"', ['acl', 'a', 'path', '/tag#1']],
  ['\\# is a character', 'acl a path /a\\#b', ['acl', 'a', 'path', '/a#b']],
  ['double quotes keep blanks', 'http-request set-header X "a b"', ['http-request', 'set-header', 'X', 'a b']],
  ['single quotes keep blanks and $', "acl a hdr(x) 'a $HOME'", ['acl', 'a', 'hdr(x)', 'a $HOME'], { HOME: '/root' }],
  ['quotes may sit inside a word', 'server s 10.0.0.1:"8080"', ['server', 's', '10.0.0.1:8080']],
  ['an escaped blank joins', 'reqadd X-A:\\ b', ['reqadd', 'X-A: b']],
  ['\\\\ is one backslash', 'acl a path_reg ^/a\\\\b', ['acl', 'a', 'path_reg', '^/a\\b']],
  ['other backslashes stay (regex escapes, back-references)', 'http-request replace-path /u(/.*)\\. \\1', ['http-request', 'replace-path', '/u(/.*)\\.', '\\1']],
  ['\\xHH is a byte', 'acl a path /\\x41', ['acl', 'a', 'path', '/A']],
  ['\\t, \\n, \\r', 'option httpchk GET / HTTP/1.1\\r\\nHost:\\ x', ['option', 'httpchk', 'GET', '/', 'HTTP/1.1\r\nHost: x']],
  ['\\" outside quotes is a quote character', 'acl a hdr(x) \\"q\\"', ['acl', 'a', 'hdr(x)', '"q"']],
  ['$VAR expands inside double quotes', 'bind "$ADDR:80"', ['bind', '10.0.0.1:80'], { ADDR: '10.0.0.1' }],
  ['${VAR} expands inside double quotes', 'bind "${ADDR}:80"', ['bind', '10.0.0.1:80'], { ADDR: '10.0.0.1' }],
  ['$VAR outside quotes is literal', 'bind $ADDR:80', ['bind', '$ADDR:80'], { ADDR: '10.0.0.1' }],
  ['an unset variable is empty', 'acl a hdr(x) "${NOPE}x"', ['acl', 'a', 'hdr(x)', 'x']],
  ['${VAR-default} when unset', 'acl a hdr(x) "${NOPE-fallback}"', ['acl', 'a', 'hdr(x)', 'fallback']],
  ['${VAR-default} when set', 'acl a hdr(x) "${SET-fallback}"', ['acl', 'a', 'hdr(x)', 'value'], { SET: 'value' }],
  ['${VAR[*]} splits into words', 'acl a src "${NETS[*]}"', ['acl', 'a', 'src', '10.0.0.0/8', '192.168.0.0/16'], { NETS: '10.0.0.0/8 192.168.0.0/16' }],
  ['\\$ inside double quotes is a dollar', 'acl a hdr(x) "\\$HOME"', ['acl', 'a', 'hdr(x)', '$HOME'], { HOME: '/root' }],
  ['pseudo-variables', 'http-request set-header X "${.LINE} ${.SECTION}"', ['http-request', 'set-header', 'X', '7 frontend fe']],
  ['an empty quoted word mid-line is kept', 'acl a hdr(x) "" y', ['acl', 'a', 'hdr(x)', '', 'y']],
  ['a trailing empty word is dropped (as parse_line does)', 'acl a hdr(x) ""', ['acl', 'a', 'hdr(x)']],
];

for (const [name, line, words, env] of cases) {
  test(name, () => {
    assert.deepEqual(tokenizeLine(line, ctx(env)), words);
  });
}

const errors: readonly [string, string][] = [
  ['an unmatched double quote', 'acl a hdr(x) "abc'],
  ['an unmatched single quote', "acl a hdr(x) 'abc"],
  ['a bad first character in a variable name', 'acl a hdr(x) "$1"'],
  ['an unclosed brace', 'acl a hdr(x) "${A"'],
  ['a truncated \\x sequence', 'acl a path /\\x4'],
];

for (const [name, line] of errors) {
  test(`${name} is SY_HAPROXY_PARSE naming the line`, () => {
    assert.throws(() => tokenizeLine(line, ctx()), (error: unknown) => error instanceof SwitchyardError && error.code === 'SY_HAPROXY_PARSE' && error.key === 'haproxy.cfg:7');
  });
}

test('a line ends with a continuation only for an unescaped, unquoted backslash outside a comment', () => {
  assert.equal(endsWithContinuation('acl a path /a \\'), true);
  assert.equal(endsWithContinuation('acl a path /a\\\\'), false);
  assert.equal(endsWithContinuation("acl a path '/a \\'"), false);
  assert.equal(endsWithContinuation('acl a path /a # comment \\'), false);
  assert.equal(endsWithContinuation('acl a path /a'), false);
});
