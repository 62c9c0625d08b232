/**
 * haproxy.cfg structure: sections and their directives with line numbers, which defaults a proxy
 * inherits (last one above, or `from <name>`), mode resolution, global setenv, `.if` blocks, line
 * continuations, and errors that name the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHaproxyConfig } from '../../../src/importers/haproxy/parse-config.ts';
import { ProxyView } from '../../../src/importers/haproxy/proxy-view.ts';
import { SwitchyardError } from '../../../src/errors.ts';

const parse = (text: string, env: Record<string, string> = {}) => parseHaproxyConfig(text, { file: 'haproxy.cfg', env });

test('sections, names and directives keep their line numbers', () => {
  const config = parse(['global', '  maxconn 100', '', '# comment', 'frontend fe', '  bind :80', 'backend be', '  server s 10.0.0.1:80'].join('\n'));
  assert.deepEqual(config.sections.map((s) => [s.kind, s.name, s.line]), [['global', '', 1], ['frontend', 'fe', 5], ['backend', 'be', 7]]);
  assert.deepEqual(config.sections[1]!.directives, [{ line: 6, words: ['bind', ':80'] }]);
});

test('a proxy inherits the last defaults section above it, or the named one given by from', () => {
  const config = parse([
    'defaults first',
    '  mode http',
    'defaults second',
    '  timeout connect 1s',
    'frontend implicit',
    'frontend explicit from first',
    'defaults third from first',
    'backend chained',
  ].join('\n'));
  const byName = new Map(config.sections.map((s) => [s.name, s]));
  assert.equal(byName.get('implicit')!.defaults?.name, 'second');
  assert.equal(byName.get('explicit')!.defaults?.name, 'first');
  assert.equal(byName.get('third')!.defaults?.name, 'first');
  assert.equal(byName.get('chained')!.defaults?.name, 'third');
});

test('mode: the section, else its defaults chain, else tcp', () => {
  const config = parse([
    'defaults base',
    '  timeout connect 1s',
    'defaults web from base',
    '  mode http',
    'frontend a from web',
    'frontend b from base',
    'frontend c from web',
    '  mode tcp',
  ].join('\n'));
  const modes = config.sections.filter((s) => s.kind === 'frontend').map((s) => new ProxyView(s, new Set()).mode);
  assert.deepEqual(modes, ['http', 'tcp', 'tcp']);
});

test('global setenv/presetenv change the variables of the lines below', () => {
  const config = parse(['global', '  setenv PORT 9000', '  presetenv HOST 10.0.0.1', '  presetenv KEPT x', 'backend be', '  server s "${HOST}:${PORT}-${KEPT}"'].join('\n'), { KEPT: 'outer' });
  assert.deepEqual(config.sections[1]!.directives[0]!.words, ['server', 's', '10.0.0.1:9000-outer']);
});

test('.if/.elif/.else/.endif keep only the taken branch', () => {
  const text = [
    '.if defined(BLUE)',
    'backend blue',
    '.elif streq("${COLOR}",green)',
    'backend green',
    '.else',
    'backend other',
    '.endif',
  ].join('\n');
  assert.deepEqual(parse(text, { BLUE: '1' }).sections.map((s) => s.name), ['blue']);
  assert.deepEqual(parse(text, { COLOR: 'green' }).sections.map((s) => s.name), ['green']);
  assert.deepEqual(parse(text).sections.map((s) => s.name), ['other']);
});

test('a line continuation is joined, with a notice that HAProxy itself has none', () => {
  const config = parse(['frontend fe', '  acl a path_beg /a \\', '    /b', '  bind :80'].join('\n'));
  assert.deepEqual(config.sections[0]!.directives.map((d) => [d.line, d.words]), [[2, ['acl', 'a', 'path_beg', '/a', '/b']], [4, ['bind', ':80']]]);
  assert.equal(config.notices.length, 1);
  assert.equal(config.notices[0]!.line, 2);
});

const errors: readonly [string, string, number][] = [
  ['a directive before any section', 'bind :80', 1],
  ['a proxy without a name', 'global\nfrontend', 2],
  ['from naming no defaults section', 'frontend fe from nowhere', 1],
  ['an unmatched quote', 'frontend fe\n  acl a path "/x', 2],
  ['.endif without .if', 'global\n.endif', 2],
  ['.if without .endif', '.if defined(X)\nglobal', 1],
  ['an unsupported .if condition', '.if version_atleast(2.4)\n.endif', 1],
];

for (const [name, text, line] of errors) {
  test(`${name}: SY_HAPROXY_PARSE with the line`, () => {
    assert.throws(() => parse(text), (error: unknown) => error instanceof SwitchyardError && error.code === 'SY_HAPROXY_PARSE' && error.key === `haproxy.cfg:${line}`);
  });
}
