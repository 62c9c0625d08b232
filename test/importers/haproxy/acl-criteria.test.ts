/**
 * ACLs and conditions → Traefik rules, one case per criterion and operator (haproxy-migration.md
 * §2.2): each case is a use_backend condition and the rule the import must give it. Every expected
 * rule is also compiled by the node's rule compiler, so the table cannot hold a rule nodes refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule } from '../../../src/rules/compile.ts';
import { DEFAULTS, findingLines, routers, translate } from './translate-fixture.ts';

/** The rule of the first router of a frontend whose only rule is `use_backend be if <condition>`. */
function ruleFor(acls: readonly string[], condition: string, binds = ['  bind :80']): string {
  const text = [DEFAULTS, 'frontend fe', ...binds, ...acls.map((a) => `  ${a}`), `  use_backend be ${condition}`, 'backend be', '  server s 10.0.0.1:80'].join('\n');
  const top = routers(translate(text).keys)[0]!;
  assert.equal(top.service, 'be', `no router for the condition: ${JSON.stringify(routers(translate(text).keys))}`);
  return top.rule;
}

const cases: readonly [string, readonly string[], string, string][] = [
  ['hdr(host) exact, -i', ['acl h hdr(host) -i Shop.Example.com'], 'if h', 'Host(`shop.example.com`)'],
  ['hdr(host) with a port: the port goes', ['acl h hdr(host) -i shop.example.com:8080'], 'if h', 'Host(`shop.example.com`)'],
  ['host and host:port under one name: one Host', ['acl h hdr(host) -i a.example', 'acl h hdr(host) -i a.example:80'], 'if h', 'Host(`a.example`)'],
  ['req.hdr(host) and converters that Traefik applies anyway', ['acl h req.hdr(host),lower,field(1,:) a.example'], 'if h', 'Host(`a.example`)'],
  ['several patterns on one line are ORed', ['acl h hdr(host) -i a.example b.example'], 'if h', 'Host(`a.example`) || Host(`b.example`)'],
  ['hdr_beg(host)', ['acl h hdr_beg(host) -i api.'], 'if h', 'HostRegexp(`^api\\.`)'],
  ['hdr_end(host)', ['acl h hdr_end(host) -i .apps.example.com'], 'if h', 'HostRegexp(`\\.apps\\.example\\.com$`)'],
  ['hdr_dom(host)', ['acl h hdr_dom(host) -i example.org'], 'if h', 'HostRegexp(`(^|\\.)example\\.org(\\.|$)`)'],
  ['hdr_reg(host) -i', ['acl h hdr_reg(host) -i ^(www\\.)?a\\.example$'], 'if h', 'HostRegexp(`(?i)^(www\\.)?a\\.example$`)'],
  ['hdr_reg(host) with a port tail', ['acl h hdr_reg(host) ^a\\.example:80$'], 'if h', 'HostRegexp(`^a\\.example$`)'],
  ['hdr(host) -m beg is hdr_beg', ['acl h hdr(host) -m beg -i www.'], 'if h', 'HostRegexp(`^www\\.`)'],
  ['another header, exact', ['acl x hdr(X-Env) prod'], 'if x', 'Header(`X-Env`, `prod`)'],
  ['another header, -i', ['acl x hdr(X-Env) -i prod'], 'if x', 'HeaderRegexp(`X-Env`, `(?i)^prod$`)'],
  ['another header, sub', ['acl x hdr_sub(User-Agent) -i bot'], 'if x', 'HeaderRegexp(`User-Agent`, `(?i)bot`)'],
  ['another header, found', ['acl x hdr(X-Token) -m found'], 'if x', 'HeaderRegexp(`X-Token`, `.*`)'],
  ['hdr_cnt gt 0 is presence', ['acl x hdr_cnt(X-Token) gt 0'], 'if x', 'HeaderRegexp(`X-Token`, `.*`)'],
  ['path', ['acl p path /health'], 'if p', 'Path(`/health`)'],
  ['path -i', ['acl p path -i /Health'], 'if p', 'PathRegexp(`(?i)^/Health$`)'],
  ['path_beg is a plain prefix, like PathPrefix', ['acl p path_beg /api'], 'if p', 'PathPrefix(`/api`)'],
  ['path_beg -i', ['acl p path_beg -i /api'], 'if p', 'PathRegexp(`(?i)^/api`)'],
  ['path_end, several patterns', ['acl p path_end .css .js'], 'if p', 'PathRegexp(`\\.css$`) || PathRegexp(`\\.js$`)'],
  ['path_reg', ['acl p path_reg ^/v[0-9]+/'], 'if p', 'PathRegexp(`^/v[0-9]+/`)'],
  ['path_sub', ['acl p path_sub /search/'], 'if p', 'PathRegexp(`/search/`)'],
  ['path_dir matches a segment anywhere', ['acl p path_dir api'], 'if p', 'PathRegexp(`(?:^|[/?])api(?:[/?]|$)`)'],
  ['url_beg', ['acl u url_beg /metrics'], 'if u', 'PathPrefix(`/metrics`)'],
  ['base_beg: host and path', ['acl b base_beg a.example/api'], 'if b', 'Host(`a.example`) && PathPrefix(`/api`)'],
  ['method, case-insensitive in HAProxy', ['acl m method get post'], 'if m', 'Method(`GET`) || Method(`POST`)'],
  ['predefined METH_GET includes HEAD', [], 'if METH_GET', 'Method(`GET`) || Method(`HEAD`)'],
  ['src with a CIDR and a dotted mask', ['acl s src 10.0.0.0/8 192.168.0.0/255.255.0.0'], 'if s', 'ClientIP(`10.0.0.0/8`) || ClientIP(`192.168.0.0/16`)'],
  ['urlp', ['acl q urlp(debug) true'], 'if q', 'Query(`debug`, `true`)'],
  ['cookie', ['acl c req.cook(beta) on'], 'if c', 'HeaderRegexp(`Cookie`, `(^|;\\s*)beta=on(;|$)`)'],
  ['implicit AND', ['acl h hdr(host) -i a.example', 'acl p path_beg /api'], 'if h p', 'Host(`a.example`) && PathPrefix(`/api`)'],
  ['or / ||, without parentheses: AND binds first', ['acl a hdr(host) -i a.example', 'acl b path_beg /b', 'acl c path_beg /c'], 'if a b or c || a c', 'Host(`a.example`) && PathPrefix(`/b`) || PathPrefix(`/c`) || Host(`a.example`) && PathPrefix(`/c`)'],
  ['! negates one term, also glued to it', ['acl a hdr(host) -i a.example', 'acl s src 10.0.0.0/8'], 'if a !s', 'Host(`a.example`) && !ClientIP(`10.0.0.0/8`)'],
  ['unless negates the whole condition', ['acl a hdr(host) -i a.example', 'acl b path_beg /b'], 'unless a b', '!(Host(`a.example`) && PathPrefix(`/b`))'],
  ['anonymous ACLs', [], 'if { hdr(host) -i a.example } !{ path_beg /private }', 'Host(`a.example`) && !PathPrefix(`/private`)'],
  ['an ACL line below the rule still counts (HAProxy keeps a pointer)', ['acl late path_beg /a'], 'if late', 'PathPrefix(`/a`) || PathPrefix(`/b`)'],
];

for (const [name, acls, condition, expected] of cases) {
  test(name, () => {
    const extra = name.startsWith('an ACL line below') ? [...acls, 'acl late path_beg /b'] : acls;
    const rule = ruleFor(extra, condition);
    assert.equal(rule, expected);
    compileRule(rule, 'v3');
  });
}

test('ssl_fc folds to true on TLS entry points and false on plain ones', () => {
  const text = [DEFAULTS, 'frontend fe', '  bind :80', '  bind :443 ssl crt /nonexistent/site.pem', '  use_backend secure if { ssl_fc } { path_beg /s }', '  use_backend plain if !{ ssl_fc }', 'backend secure', '  server s 10.0.0.1:80', 'backend plain', '  server p 10.0.0.2:80'].join('\n');
  const rows = routers(translate(text).keys);
  const plain = rows.filter((r) => !r.tls).map((r) => [r.rule, r.service]);
  const tls = rows.filter((r) => r.tls).map((r) => [r.rule, r.service]);
  assert.deepEqual(plain, [['PathPrefix(`/`)', 'plain']]);
  assert.deepEqual(tls, [['PathPrefix(`/s`)', 'secure'], ['PathPrefix(`/`)', 'haproxy-503']]);
});

test('ssl_fc_sni becomes Host on the TLS copy, never matches on the plain one, and is reported', () => {
  const text = [DEFAULTS, 'frontend fe', '  bind :80', '  bind :443 ssl crt /nonexistent/site.pem', '  use_backend be if { ssl_fc_sni -i Admin.example.com }', 'backend be', '  server s 10.0.0.1:80'].join('\n');
  const result = translate(text);
  const rows = routers(result.keys);
  assert.deepEqual(rows.filter((r) => r.tls && r.service === 'be').map((r) => r.rule), ['Host(`admin.example.com`)']);
  assert.deepEqual(rows.filter((r) => !r.tls && r.service === 'be'), []);
  assert.ok(findingLines(result, 'deviation').includes(9));
});

test('dst_port folds per entry point', () => {
  const text = [DEFAULTS, 'frontend fe', '  bind :8080', '  use_backend be if { dst_port 8080 }', '  use_backend other if { dst_port 9090 }', 'backend be', '  server s 10.0.0.1:80', 'backend other', '  server o 10.0.0.2:80'].join('\n');
  assert.deepEqual(routers(translate(text).keys).map((r) => [r.rule, r.service]), [['PathPrefix(`/`)', 'be']]);
});

const untranslatable: readonly [string, string, number][] = [
  ['a stick-table counter', 'if { sc_http_req_rate(0) gt 10 }', 8],
  ['patterns from a file', 'if { hdr(host) -f /etc/haproxy/hosts.lst }', 8],
  ['a converter with no equivalent', 'if { hdr(host),regsub(a,b) -i x }', 8],
  ['an unknown ACL name', 'if nosuchacl', 8],
  ['a PCRE-only regex', 'if { path_reg ^/(?=x) }', 8],
  ['http_auth outside an auth rule', 'if { http_auth(users) }', 8],
  ['a predefined ACL without equivalent', 'if HTTP_1.1', 8],
];

for (const [name, condition, line] of untranslatable) {
  test(`${name}: the rule is left out and reported as unsupported at its line`, () => {
    const result = translate([DEFAULTS, 'frontend fe', '  bind :80', `  use_backend be ${condition}`, '  default_backend other', 'backend be', '  server s 10.0.0.1:80', 'backend other', '  server o 10.0.0.2:80'].join('\n'));
    assert.deepEqual(routers(result.keys).map((r) => r.service), ['other']);
    assert.deepEqual(findingLines(result, 'unsupported'), [line]);
  });
}
