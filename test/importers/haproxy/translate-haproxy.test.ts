/**
 * The translator on the fixture corpus (test/importers/haproxy/fixtures/*.cfg, each also checked
 * by `haproxy -c` in integration/haproxy-import.test.ts): the keys each file gives (golden files,
 * regenerated with UPDATE_FIXTURES=1 and reviewed in the diff), that every key decodes and every
 * rule compiles in the node, the reports, and the semantics a migration depends on: first-match
 * order, 503 without a default_backend, stable names across re-imports, units, failover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeKeyValues } from '../../../src/config/decode.ts';
import { buildRuntime } from '../../../src/runtime/build-runtime.ts';
import { DEFAULTS, findingLines, routeTable, routers, translate } from './translate-fixture.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.cfg')).sort();
const load = (name: string) => translate(readFileSync(`${FIXTURES}${name}`, 'utf8'), { importName: name.replace(/\.cfg$/, '') });

test('the corpus covers every fixture the integration test checks with haproxy -c', () => {
  assert.deepEqual(fixtures, ['api-gateway.cfg', 'auth-headers.cfg', 'backends.cfg', 'defaults-syntax.cfg', 'host-routing.cfg', 'legacy.cfg', 'tls-redirect.cfg', 'unsupported.cfg']);
});

for (const name of fixtures) {
  test(`${name}: the keys match the reviewed golden file`, () => {
    const keys = Object.fromEntries(load(name).keys);
    const golden = `${FIXTURES}${name.replace(/\.cfg$/, '.keys.json')}`;
    if (process.env.UPDATE_FIXTURES === '1') writeFileSync(golden, `${JSON.stringify(keys, null, 2)}\n`);
    assert.deepEqual(keys, JSON.parse(readFileSync(golden, 'utf8')));
  });

  test(`${name}: every key decodes without errors or warnings (no serversTransports, which nodes do not support)`, () => {
    const decoded = decodeKeyValues(load(name).keys, 'traefik');
    for (const objects of [decoded.routers, decoded.services, decoded.middlewares, decoded.tls.certificates]) {
      for (const [object, d] of objects) assert.deepEqual(d.errors, [], `${object} has errors`);
    }
    assert.deepEqual(decoded.problems, []);
    assert.equal([...load(name).keys.keys()].some((key) => /serversTransport/i.test(key)), false);
  });

  test(`${name}: every rule compiles in the node; routers without middlewares serve`, () => {
    const result = load(name);
    const decoded = decodeKeyValues(result.keys, 'traefik');
    const entryPoints = result.entryPoints.map((e) => e.name);
    const { view } = buildRuntime({ revision: 1, providers: new Map([['etcd', { decoded, root: 'traefik' }]]), entryPoints, defaultEntryPoints: entryPoints, defaultRuleSyntax: 'v3' });
    for (const router of view.routers.values()) {
      const blocking = router.errors.filter((e) => !e.code.startsWith('SY_ROUTER_MIDDLEWARE'));
      assert.deepEqual(blocking, [], `${router.name}`);
      const usesMiddlewares = (decoded.routers.get(router.name.replace(/@etcd$/, ''))?.value?.middlewares ?? []).length > 0;
      if (!usesMiddlewares) assert.notEqual(router.status, 'disabled', router.name);
    }
  });
}

test('unsupported constructs are reported with their lines, and the rest is still translated', () => {
  const result = load('unsupported.cfg');
  assert.deepEqual(findingLines(result, 'unsupported'), [13, 17, 18, 19, 20, 21, 22, 23, 25, 29, 30, 33, 38, 41, 47]);
  assert.deepEqual(routeTable(result.keys, 'http-8090'), [['Host(`src.example.com`)', 'src_hash'], ['PathPrefix(`/`)', 'lc']]);
  assert.equal(result.keys.get('traefik/http/services/lc/loadBalancer/servers/lc1/url'), 'http://10.4.0.1:80');
});

test('fixtures without unsupported constructs report none', () => {
  for (const name of ['api-gateway.cfg', 'host-routing.cfg', 'tls-redirect.cfg']) assert.deepEqual(findingLines(load(name), 'unsupported'), [], name);
  assert.deepEqual(findingLines(load('backends.cfg'), 'unsupported'), [47, 59], 'the timeouts that differ from the other backends');
  assert.deepEqual(findingLines(load('auth-headers.cfg'), 'unsupported'), [11, 12]);
  assert.deepEqual(findingLines(load('defaults-syntax.cfg'), 'unsupported'), [16, 20]);
  assert.deepEqual(findingLines(load('legacy.cfg'), 'unsupported'), [26]);
});

test('first match wins: priorities follow the file order, strictly decreasing, catch-all last', () => {
  const table = routeTable(load('host-routing.cfg').keys, 'http-80');
  assert.deepEqual(table.map(([, service]) => service), ['shop_api', 'shop_web', 'blog', 'api', 'apps', 'static', 'internal', 'host-routing-503']);
  const priorities = routers(load('host-routing.cfg').keys).map((r) => r.priority);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a));
  assert.equal(new Set(priorities).size, priorities.length);
  assert.equal(priorities.at(-1), 1_000_000);
});

test('the order is kept even when a later rule is more specific (/users before /users/v2), with a notice', () => {
  const result = load('api-gateway.cfg');
  const table = routeTable(result.keys, 'http-8000');
  assert.ok(table.findIndex(([, s]) => s === 'users') < table.findIndex(([, s]) => s === 'users_v2'));
  assert.ok(findingLines(result, 'notice').includes(26));
});

test('no default_backend: a catch-all to an empty service (503); with one: the catch-all goes there', () => {
  const without = translate([DEFAULTS, 'frontend fe', '  bind :80', '  use_backend be if { path_beg /a }', 'backend be', '  server s 10.0.0.1:80'].join('\n'), { importName: 'edge' });
  assert.deepEqual(routeTable(without.keys, 'http-80').at(-1), ['PathPrefix(`/`)', 'edge-503']);
  assert.equal(without.keys.get('traefik/http/services/edge-503/loadBalancer/passHostHeader'), 'true');
  assert.equal([...without.keys.keys()].some((k) => k.startsWith('traefik/http/services/edge-503/loadBalancer/servers')), false);
  const withDefault = translate([DEFAULTS, '  default_backend be', 'frontend fe', '  bind :80', 'backend be', '  server s 10.0.0.1:80'].join('\n'));
  assert.deepEqual(routeTable(withDefault.keys, 'http-80'), [['PathPrefix(`/`)', 'be']]);
});

test('entry points: one per distinct bind address, named by scheme and port', () => {
  const result = load('tls-redirect.cfg');
  assert.deepEqual(result.entryPoints.map((e) => [e.name, e.address, e.tls]), [['http-80', ':80', false], ['https-443', ':443', true]]);
  assert.deepEqual(load('api-gateway.cfg').entryPoints.map((e) => [e.name, e.address]), [['http-8000', '127.0.0.1:8000']]);
  const twoAddresses = translate([DEFAULTS, 'frontend a', '  bind 10.0.0.1:80', 'frontend b', '  bind 10.0.0.2:80,[::1]:81'].join('\n'));
  assert.deepEqual(twoAddresses.entryPoints.map((e) => [e.name, e.address]), [['http-80', '10.0.0.1:80'], ['http-80-10-0-0-2', '10.0.0.2:80'], ['http-81', '[::1]:81']]);
});

test('a plain+TLS frontend: two router sets; redirect scheme only in the plain one; TLS routers carry tls', () => {
  const rows = routers(load('tls-redirect.cfg').keys);
  const plain = rows.filter((r) => !r.tls);
  const tls = rows.filter((r) => r.tls);
  assert.ok(plain.every((r) => r.entryPoints.join() === 'http-80') && tls.every((r) => r.entryPoints.join() === 'https-443'));
  assert.ok(tls.every((r) => r.name.endsWith('-tls')));
  assert.equal(plain.filter((r) => r.rule === 'Host(`shop.example.com`)')[0]!.middlewares.length, 1);
  assert.deepEqual(tls.filter((r) => r.rule === 'Host(`shop.example.com`)').map((r) => [r.service, r.middlewares]), [['shop', []]]);
  assert.deepEqual(tls.filter((r) => r.rule === 'Host(`admin.example.com`)').map((r) => r.service), ['admin']);
  assert.equal(plain.some((r) => r.service === 'admin'), false);
});

test('redirects: scheme, location, prefix; permanent for 301/308', () => {
  const keys = load('tls-redirect.cfg').keys;
  const mws = [...keys].filter(([k]) => k.includes('/middlewares/'));
  const value = (suffix: string) => mws.filter(([k]) => k.endsWith(suffix)).map(([, v]) => v).sort();
  assert.deepEqual(value('/redirectScheme/scheme'), ['https', 'https']);
  assert.deepEqual(value('/redirectRegex/replacement'), ['/login', 'https://new.example.com${1}', 'https://www.example.com/']);
  const permanent = new Map(mws.filter(([k]) => k.endsWith('/permanent')).map(([k, v]) => [k.split('/')[3], v]));
  assert.deepEqual([...permanent.values()].sort(), ['false', 'false', 'false', 'true', 'true']);
});

test('backends: weights, health checks with HAProxy defaults and units, failover, sticky cookies, timeouts in ms', () => {
  const keys = load('backends.cfg').keys;
  const get = (k: string) => keys.get(`traefik/http/${k}`);
  assert.equal(get('services/weighted/loadBalancer/servers/w1/weight'), '3');
  assert.equal(get('services/weighted/loadBalancer/servers/w3/url'), undefined, 'disabled servers are left out');
  assert.equal(get('services/weighted/loadBalancer/healthCheck/path'), '/healthz');
  assert.equal(get('services/weighted/loadBalancer/healthCheck/interval'), '3s');
  assert.equal(get('services/checks/loadBalancer/healthCheck/interval'), '500ms', 'a bare number is milliseconds');
  assert.equal(get('services/checks/loadBalancer/healthCheck/unhealthyInterval'), '10s');
  assert.equal(get('services/checks/loadBalancer/healthCheck/status'), '204');
  assert.equal(get('services/checks/loadBalancer/healthCheck/method'), 'GET');
  assert.equal(get('services/checks/loadBalancer/healthCheck/port'), '9000');
  assert.equal(get('services/secure/loadBalancer/healthCheck/hostname'), 'health.example.com');
  assert.equal(get('services/secure/loadBalancer/servers/tls1/url'), 'https://10.2.4.1:443');
  assert.deepEqual([get('services/failover/failover/service'), get('services/failover/failover/fallback')], ['failover-main', 'failover-backup']);
  assert.equal(get('services/failover-backup/loadBalancer/servers/sorry/url'), 'http://10.2.2.9:80');
  assert.equal(get('services/failover-backup/loadBalancer/servers/sorry2/url'), undefined, 'only the first backup without allbackups');
  assert.equal(get('services/failover-backup/loadBalancer/healthCheck/path'), undefined, 'backups without check stay unchecked');
  assert.equal(get('services/allbackups-backup/loadBalancer/servers/b2/url'), 'http://10.2.3.9:80');
  assert.equal(get('services/sticky/loadBalancer/sticky/cookie/name'), 'SERVERID');
  assert.equal(get('services/sticky/loadBalancer/sticky/cookie/httpOnly'), 'true');
  assert.equal(get('services/static_rr/loadBalancer/servers/r2/url'), 'http://[fd00::1]:80');
});

test('upstream timeouts shared by every backend (defaults) become static flags, reported as nothing untranslated', () => {
  const result = load('api-gateway.cfg');
  assert.deepEqual(result.transportFlags, ['--serversTransport.forwardingTimeouts.dialTimeout=3s', '--serversTransport.forwardingTimeouts.responseHeaderTimeout=30s']);
  assert.deepEqual(findingLines(result, 'unsupported'), []);
  const legacy = translate(['defaults', '  mode http', '  contimeout 5000', '  srvtimeout 50000', 'backend a', '  server s 10.0.0.1:80', 'backend b', '  server s 10.0.0.2:80'].join('\n'));
  assert.deepEqual(legacy.transportFlags, ['--serversTransport.forwardingTimeouts.dialTimeout=5s', '--serversTransport.forwardingTimeouts.responseHeaderTimeout=50s'], 'bare numbers are milliseconds');
});

test('backends with different timeouts: the most common value is the flag; the others are untranslated and name the choice', () => {
  const result = load('backends.cfg');
  assert.deepEqual(result.transportFlags, [
    '--serversTransport.forwardingTimeouts.dialTimeout=5s',
    '--serversTransport.forwardingTimeouts.responseHeaderTimeout=1m',
    '--serversTransport.insecureSkipVerify=true',
  ]);
  const secure = result.findings.find((f) => f.severity === 'unsupported' && f.line === 47)!;
  assert.equal(secure.construct, 'timeout connect 500');
  assert.match(secure.message, /--serversTransport\.forwardingTimeouts\.dialTimeout=5s was chosen \(6 of 7 backends\)/);
  const staticRr = result.findings.find((f) => f.severity === 'unsupported' && f.line === 59)!;
  assert.match(staticRr.message, /responseHeaderTimeout=1m was chosen/);
});

test('a backend without a timeout among backends with one is reported on its section line', () => {
  const result = translate(['defaults', '  mode http', 'backend a', '  timeout connect 2s', '  server s 10.0.0.1:80', 'backend b', '  timeout connect 2s', '  server s 10.0.0.2:80', 'backend c', '  server s 10.0.0.3:80'].join('\n'));
  assert.deepEqual(result.transportFlags, ['--serversTransport.forwardingTimeouts.dialTimeout=2s']);
  const finding = result.findings.find((f) => f.severity === 'unsupported')!;
  assert.deepEqual([finding.line, finding.section], [9, 'backend c']);
  assert.match(finding.message, /^no timeout connect: backends differ.*dialTimeout=2s was chosen \(2 of 3 backends\)/);
});

test('auth: userlist hashes basicAuth accepts are kept, crypt(3) ones reported; insecure passwords stored hashed', () => {
  const result = load('auth-headers.cfg');
  const users = [...result.keys].filter(([k]) => k.includes('/basicAuth/users/')).map(([, v]) => v.split(':')[0]);
  assert.deepEqual(users.sort(), ['alice', 'bob', 'carol']);
  assert.ok([...result.keys.values()].some((v) => v.startsWith('carol:{SHA}')));
  assert.ok(![...result.keys.values()].some((v) => v.includes('s3cret')));
});

test('deny: a router above the others with an allow list that admits nobody, answering deny_status', () => {
  const result = load('auth-headers.cfg');
  const top = routers(result.keys)[0]!;
  assert.equal(top.rule, 'HeaderRegexp(`User-Agent`, `(?i)badbot`)');
  const mw = top.middlewares[0]!;
  assert.equal(result.keys.get(`traefik/http/middlewares/${mw}/ipAllowList/rejectStatusCode`), '429');
  assert.equal(result.keys.get(`traefik/http/middlewares/${mw}/ipAllowList/sourceRange/0`), '255.255.255.255/32');
});

test('allow then deny in a backend: allowed networks reach the servers, everyone else is denied', () => {
  const table = routers(load('auth-headers.cfg').keys).filter((r) => r.rule.startsWith('PathPrefix(`/internal`)'));
  assert.deepEqual(table.map((r) => [r.rule, r.service]), [
    ['PathPrefix(`/internal`) && (ClientIP(`10.0.0.0/8`) || ClientIP(`127.0.0.1`))', 'internal'],
    ['PathPrefix(`/internal`)', 'auth-headers-503'],
  ]);
});

test('legacy reqrep prefix-strip idiom becomes stripPrefix; other req* rewrites are reported', () => {
  const result = load('legacy.cfg');
  assert.equal(result.keys.get([...result.keys.keys()].find((k) => k.endsWith('/stripPrefix/prefixes/0'))!), '/users');
  assert.ok(findingLines(result, 'unsupported').includes(26));
  assert.deepEqual(result.transportFlags, ['--serversTransport.forwardingTimeouts.dialTimeout=5s', '--serversTransport.forwardingTimeouts.responseHeaderTimeout=50s']);
});

test('re-importing a regenerated file changes only the keys of what changed', () => {
  const base = readFileSync(`${FIXTURES}host-routing.cfg`, 'utf8');
  const before = translate(base).keys;
  // The generator moved a server, added a service with its rule, and reordered nothing else.
  const after = translate(
    base
      .replace('server blog_1 10.0.1.31:31003', 'server blog_1 10.0.1.32:31003')
      .replace('  use_backend apps if host_apps', '  use_backend docs if { hdr(host) -i docs.example.com }\n  use_backend apps if host_apps')
      .concat('\nbackend docs\n  server docs_1 10.0.1.81:31008\n'),
  ).keys;
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
  const routerNames = (keys: ReadonlyMap<string, string>) => new Set([...keys.keys()].filter((k) => k.includes('/routers/')).map((k) => k.split('/')[3]));
  const added = [...routerNames(after)].filter((n) => !routerNames(before).has(n));
  assert.equal(added.length, 1);
  assert.ok(added[0]!.startsWith('marathon_http_in-docs-'));
  for (const key of changed) {
    const ok = key.includes('/services/blog/') || key.includes('/services/docs/') || key.includes(`/routers/${added[0]}/`) || key.endsWith('/priority');
    assert.ok(ok, `unexpected change: ${key}`);
  }
  // Only the rules above the insertion point move.
  const moved = changed.filter((k) => k.endsWith('/priority') && !k.includes(added[0]!)).map((k) => k.split('/')[3]).sort();
  assert.deepEqual(moved.map((n) => n!.replace(/-[0-9a-f]{8}$/, '')), ['marathon_http_in-api', 'marathon_http_in-blog', 'marathon_http_in-shop_api', 'marathon_http_in-shop_web']);
});

test('translating the same file twice gives the same keys (names do not depend on line numbers)', () => {
  const text = readFileSync(`${FIXTURES}auth-headers.cfg`, 'utf8');
  assert.deepEqual([...translate(text).keys], [...translate(`\n# a comment moves every line\n\n${text}`).keys]);
});

test('TCP sections (explicit or by default) are reported once and produce no keys', () => {
  const result = translate(['defaults', '  timeout connect 1s', 'frontend fe', '  bind :5432', '  default_backend db', 'backend db', '  server p 10.0.0.1:5432'].join('\n'));
  assert.deepEqual(findingLines(result, 'unsupported'), [3, 6]);
  assert.deepEqual([...result.keys.keys()], []);
});

test('the Host-with-port trap: ports leave host patterns, and the broadening is reported', () => {
  const result = load('host-routing.cfg');
  assert.ok(!routers(result.keys).some((r) => /Host\(`[^`]*:\d+`\)/.test(r.rule)));
  assert.ok(findingLines(result, 'deviation').includes(23));
});

test('a host:port pattern keeps its router to the entry points on that port (when the frontend binds it)', () => {
  const text = [
    DEFAULTS,
    'frontend fe',
    '  bind :80',
    '  bind :8443',
    '  use_backend admin if { hdr(host) -i admin.example:8443 }',
    '  use_backend mapped if { hdr(host) -i mapped.example:9999 }',
    '  acl both hdr(host) -i both.example:8443',
    '  acl both hdr(host) -i both.example',
    '  use_backend both if both',
    ...['admin', 'mapped', 'both'].flatMap((b) => [`backend ${b}`, `  server s 10.0.0.1:80`]),
  ].join('\n');
  const rows = routers(translate(text).keys);
  const entryPoints = (service: string) => rows.find((r) => r.service === service)!.entryPoints;
  assert.deepEqual(entryPoints('admin'), ['http-8443']);
  assert.deepEqual(entryPoints('mapped'), ['http-80', 'http-8443']);
  assert.deepEqual(entryPoints('both'), ['http-80', 'http-8443']);
});

/** The `tls/options/default` keys of an import, without the prefix. */
function defaultTlsOptions(keys: ReadonlyMap<string, string>): Record<string, string> {
  const prefix = 'traefik/tls/options/default/';
  return Object.fromEntries([...keys].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

const TLS_FRONTEND = (bind: string) => [DEFAULTS, 'frontend fe', `  bind ${bind}`, '  default_backend be', 'backend be', '  server s 10.0.0.1:80'].join('\n');

test("TLS settings: Mozilla's intermediate global defaults become the default TLS options, and the node takes them", () => {
  const result = translate([
    'global',
    '  ssl-default-bind-curves X25519:prime256v1:secp384r1',
    '  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
    '  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    '  ssl-default-bind-options prefer-client-ciphers no-sslv3 no-tlsv10 no-tlsv11 no-tls-tickets',
    TLS_FRONTEND(':443 ssl crt /etc/haproxy/site.pem alpn h2,http/1.1'),
  ].join('\n'));
  assert.deepEqual(defaultTlsOptions(result.keys), {
    minVersion: 'VersionTLS12',
    'cipherSuites/0': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    'cipherSuites/1': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'cipherSuites/2': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    'cipherSuites/3': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    'cipherSuites/4': 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
    'cipherSuites/5': 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
    'curvePreferences/0': 'X25519',
    'curvePreferences/1': 'CurveP256',
    'curvePreferences/2': 'CurveP384',
  });
  // TLS 1.3 suites are not configurable in Traefik: said, not silently dropped.
  assert.equal(findingLines(result, 'deviation').includes(4), true);
  assert.deepEqual(findingLines(result, 'unsupported'), []);
  const decoded = decodeKeyValues(result.keys, 'traefik');
  assert.deepEqual(decoded.tls.options.get('default')?.errors, []);
  const { snapshot, view } = buildRuntime({ revision: 1, providers: new Map([['etcd', { decoded, root: 'traefik' }]]), entryPoints: ['https-443'], defaultEntryPoints: ['https-443'], defaultRuleSyntax: 'v3' });
  assert.deepEqual(view.problems, []);
  assert.equal(snapshot.tls.options.minVersion, 'VersionTLS12');
  assert.equal(snapshot.tls.options.cipherSuites?.length, 6);
});

test('TLS settings: a bind verifying client certificates becomes clientAuth; required and optional as Go names them', () => {
  const required = translate(TLS_FRONTEND(':443 ssl crt /etc/haproxy/site.pem verify required ca-file /etc/haproxy/clients.pem ssl-min-ver TLSv1.3'));
  assert.deepEqual(defaultTlsOptions(required.keys), { minVersion: 'VersionTLS13', 'clientAuth/caFiles/0': '/etc/haproxy/clients.pem', 'clientAuth/clientAuthType': 'RequireAndVerifyClientCert' });
  assert.deepEqual(findingLines(required, 'unsupported'), []);
  const optional = translate(TLS_FRONTEND(':443 ssl crt /etc/haproxy/site.pem verify optional ca-file /etc/haproxy/clients.pem'));
  assert.equal(defaultTlsOptions(optional.keys)['clientAuth/clientAuthType'], 'VerifyClientCertIfGiven');
  // Nothing to verify against: not translated, and said so.
  const noCa = translate(TLS_FRONTEND(':443 ssl crt /etc/haproxy/site.pem verify required'));
  assert.deepEqual(defaultTlsOptions(noCa.keys), {});
  assert.equal(findingLines(noCa, 'unsupported').length, 1);
});

test('TLS settings: binds that disagree are reported (the options are per host, not per listener); aliases in a cipher string are not guessed', () => {
  const two = translate([DEFAULTS, 'frontend fe', '  bind :443 ssl crt /x.pem ssl-min-ver TLSv1.3', '  bind :8443 ssl crt /x.pem', '  default_backend be', 'backend be', '  server s 10.0.0.1:80'].join('\n'));
  assert.deepEqual(defaultTlsOptions(two.keys), { minVersion: 'VersionTLS13' });
  assert.deepEqual(findingLines(two, 'unsupported'), [8]);
  const aliases = translate(TLS_FRONTEND(':443 ssl crt /x.pem ciphers HIGH:!aNULL:!MD5'));
  assert.deepEqual(defaultTlsOptions(aliases.keys), {});
  assert.equal(findingLines(aliases, 'deviation').includes(7), true);
  // No TLS setting anywhere: no options keys (the node's defaults, which are HAProxy's: TLS 1.2 and up).
  assert.deepEqual(defaultTlsOptions(translate(TLS_FRONTEND(':443 ssl crt /x.pem')).keys), {});
  assert.deepEqual(defaultTlsOptions(translate(TLS_FRONTEND(':443 ssl crt /x.pem verify none')).keys), {});
  // The older flags: a version range, as HAProxy computes it from what is left.
  assert.deepEqual(defaultTlsOptions(translate(TLS_FRONTEND(':443 ssl crt /x.pem no-tlsv13')).keys), { minVersion: 'VersionTLS12', maxVersion: 'VersionTLS12' });
  assert.deepEqual(defaultTlsOptions(translate(TLS_FRONTEND(':443 ssl crt /x.pem force-tlsv13')).keys), { minVersion: 'VersionTLS13' });
  // A gap: the newest unbroken run (stricter than HAProxy, never looser), and said so.
  assert.deepEqual(defaultTlsOptions(translate(TLS_FRONTEND(':443 ssl crt /x.pem ssl-min-ver TLSv1.0 no-tlsv11')).keys), { minVersion: 'VersionTLS12' });
  assert.equal(findingLines(translate(TLS_FRONTEND(':443 ssl crt /x.pem ssl-min-ver TLSv1.0 no-tlsv11')), 'deviation').includes(7), true, 'a gap in the versions is reported');
});
