/**
 * A router is never served with TLS options other than the ones it names: the hosts of its Host()
 * rule get its options (the snapshot's host map, Traefik's tlsOptionsForHost), a router naming
 * options that do not exist or do not decode, or any TLS router while the default options are
 * invalid (a verify clientAuthType without caFiles, a CA that is not PEM), is disabled with an
 * error on its key, and a host two routers claim with different options falls back to the default
 * ones, disabling the router that named others and warning the one that did not. Plain routers are untouched; a later change of the options re-judges
 * routers that did not change themselves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncrementalDecoder } from '../../src/config/incremental-decode.ts';
import { buildRuntime, RuntimeBuilder, type BuildInput } from '../../src/runtime/build-runtime.ts';
import { readPemValue } from '../../src/tls/certificate-pem.ts';
import { certificateAuthority } from '../tls/certificate-authority.ts';

const CA = (await certificateAuthority('policy test CA')).certPem;

const routers = {
  'traefik/http/services/s/loadBalancer/servers/0/url': 'http://127.0.0.1:1',
  'traefik/http/routers/plain/rule': 'Host(`plain.test`)',
  'traefik/http/routers/plain/service': 's',
  'traefik/http/routers/secure/rule': 'Host(`secure.test`)',
  'traefik/http/routers/secure/service': 's',
  'traefik/http/routers/secure/tls': '',
};

function builder() {
  const decoder = new IncrementalDecoder('traefik');
  const runtime = new RuntimeBuilder();
  let revision = 0;
  // The same arrays every time, as the control plane passes them: a change of routers only takes the incremental path.
  const entryPoints = ['web', 'internal'];
  const defaultEntryPoints = ['web'];
  return (keys: Record<string, string>) => {
    const decoded = decoder.decode(Object.entries(keys));
    const input: BuildInput = {
      revision: ++revision,
      providers: new Map([['etcd', { decoded, root: 'traefik' }]]),
      changes: new Map([['etcd', decoder.takeChanges()]]),
      entryPoints,
      defaultEntryPoints,
      defaultRuleSyntax: 'v3',
    };
    const { view, snapshot } = runtime.build(input);
    const status = (name: string) => {
      const info = view.routers.get(`${name}@etcd`)!;
      return `${info.status}${info.errors.map((e) => ` ${e.code} ${e.key}`).join('')}`;
    };
    const problems = view.problems.map((p) => `${p.code} ${p.key}`);
    return { status, served: snapshot.entryPoints.web!.routers.map((r) => r.name).sort(), clientAuth: snapshot.tls.options.clientAuth, hostOptions: snapshot.tls.hostOptions.web ?? {}, internalHostOptions: snapshot.tls.hostOptions.internal ?? {}, namedOptions: snapshot.tls.namedOptions, problems };
  };
}

describe('TLS options routers ask for', () => {
  it('a router naming TLS options is served with them when they exist and decode, and disabled otherwise', () => {
    const build = builder();
    const named = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'strict', 'traefik/tls/options/strict/minVersion': 'VersionTLS13' });
    assert.equal(named.status('secure'), 'enabled');
    assert.deepEqual(named.served, ['plain@etcd', 'secure@etcd']);
    assert.deepEqual(named.hostOptions, { 'secure.test': 'strict@etcd' });
    assert.equal(named.namedOptions['strict@etcd']?.minVersion, 'VersionTLS13');
    const qualified = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'strict@etcd', 'traefik/tls/options/strict/minVersion': 'VersionTLS13' });
    assert.deepEqual(qualified.hostOptions, { 'secure.test': 'strict@etcd' });
    const missing = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'nosuch' });
    assert.equal(missing.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    const otherProvider = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'strict@file', 'traefik/tls/options/strict/minVersion': 'VersionTLS13' });
    assert.equal(otherProvider.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    // A verify type with nothing to verify against: the set does not decode, and its router is not served without it.
    const invalid = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'mtls', 'traefik/tls/options/mtls/clientAuth/clientAuthType': 'RequireAndVerifyClientCert' });
    assert.equal(invalid.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    assert.equal(invalid.status('plain'), 'enabled');
    const byDefault = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'default' });
    assert.equal(byDefault.status('secure'), 'enabled');
    assert.deepEqual(byDefault.hostOptions, {});
  });

  it('a named set carries its own client authentication; sets no host uses are not sent to the data planes', () => {
    const build = builder();
    const built = build({
      ...routers,
      'traefik/http/routers/secure/tls/options': 'mtls',
      'traefik/tls/options/mtls/clientAuth/caFiles/0': CA,
      'traefik/tls/options/unused/minVersion': 'VersionTLS12',
    });
    assert.equal(built.status('secure'), 'enabled');
    assert.equal(built.clientAuth, undefined, 'the default options ask for no certificate');
    assert.deepEqual(built.namedOptions['mtls@etcd']?.clientAuth, { type: 'RequireAndVerifyClientCert', caPems: [CA] });
    assert.deepEqual(Object.keys(built.namedOptions), ['mtls@etcd']);
  });

  it('a host claimed with different options gets the default options: the router naming others is disabled, the default one warned', () => {
    const build = builder();
    const shared = {
      ...routers,
      'traefik/http/routers/secure/tls/options': 'strict',
      'traefik/tls/options/strict/minVersion': 'VersionTLS13',
      'traefik/http/routers/api/rule': 'Host(`secure.test`) && PathPrefix(`/api`)',
      'traefik/http/routers/api/service': 's',
      'traefik/http/routers/api/tls': '',
      'traefik/http/routers/other/rule': 'Host(`other.test`) || Host(`Strict.Test`)',
      'traefik/http/routers/other/service': 's',
      'traefik/http/routers/other/tls/options': 'strict',
    };
    const built = build(shared);
    // Traefik serves both with the default options; `secure` would then go without the minimum version it asked for.
    assert.equal(built.status('secure'), 'disabled SY_ROUTER_TLS_CONFLICT traefik/http/routers/secure/tls/options');
    assert.equal(built.status('api'), 'warning SY_ROUTER_TLS_CONFLICT traefik/http/routers/api/tls/options');
    assert.equal(built.status('other'), 'enabled');
    assert.deepEqual(built.hostOptions, { 'other.test': 'strict@etcd', 'strict.test': 'strict@etcd' });
    assert.deepEqual(built.served, ['api@etcd', 'other@etcd', 'plain@etcd']);
    // The conflicting router goes: the host is strict's again, and the other router's error goes too.
    const { 'traefik/http/routers/api/rule': _rule, 'traefik/http/routers/api/service': _service, 'traefik/http/routers/api/tls': _tls, ...rest } = shared;
    const resolved = build(rest);
    assert.equal(resolved.status('secure'), 'enabled');
    assert.deepEqual(resolved.served, ['other@etcd', 'plain@etcd', 'secure@etcd']);
    assert.deepEqual(resolved.hostOptions, { 'other.test': 'strict@etcd', 'secure.test': 'strict@etcd', 'strict.test': 'strict@etcd' });
  });

  it('the hosts claimed for a set follow router changes that rebuild only the routers', () => {
    const build = builder();
    const strict = { ...routers, 'traefik/http/routers/secure/tls/options': 'strict', 'traefik/tls/options/strict/minVersion': 'VersionTLS13' };
    assert.deepEqual(build(strict).hostOptions, { 'secure.test': 'strict@etcd' });
    const moved = build({ ...strict, 'traefik/http/routers/secure/rule': 'Host(`moved.test`)' });
    assert.deepEqual(moved.hostOptions, { 'moved.test': 'strict@etcd' });
    const added = build({
      ...strict,
      'traefik/http/routers/secure/rule': 'Host(`moved.test`)',
      'traefik/http/routers/added/rule': 'Host(`added.test`)',
      'traefik/http/routers/added/service': 's',
      'traefik/http/routers/added/tls/options': 'strict',
    });
    assert.deepEqual(added.hostOptions, { 'added.test': 'strict@etcd', 'moved.test': 'strict@etcd' });
    assert.equal(added.status('added'), 'enabled');
  });

  it('hosts are claimed per entry point: one host with different options on two entry points is no conflict', () => {
    const build = builder();
    const built = build({
      ...routers,
      'traefik/http/routers/secure/tls/options': 'mtls',
      'traefik/tls/options/mtls/clientAuth/caFiles/0': CA,
      'traefik/http/routers/secure/entryPoints/0': 'internal',
      'traefik/http/routers/public/rule': 'Host(`secure.test`)',
      'traefik/http/routers/public/service': 's',
      'traefik/http/routers/public/tls': '',
    });
    assert.equal(built.status('secure'), 'enabled');
    assert.equal(built.status('public'), 'enabled');
    assert.deepEqual(built.internalHostOptions, { 'secure.test': 'mtls@etcd' });
    assert.deepEqual(built.hostOptions, {}, 'web: the default options');
  });

  it('every Host() of a rule is claimed, whatever surrounds it; wildcards claim their pattern; a rule without Host() is warned', () => {
    const build = builder();
    const built = build({
      ...routers,
      'traefik/http/routers/secure/rule': 'Host(`or.test`) || PathPrefix(`/admin`)',
      'traefik/http/routers/secure/tls/options': 'strict',
      'traefik/tls/options/strict/minVersion': 'VersionTLS13',
      'traefik/http/routers/wild/rule': 'Host(`*.wild.test`) && !Host(`not.wild.test`)',
      'traefik/http/routers/wild/service': 's',
      'traefik/http/routers/wild/tls/options': 'strict',
      'traefik/http/routers/regexp/rule': 'HostRegexp(`^r\\.test$`)',
      'traefik/http/routers/regexp/service': 's',
      'traefik/http/routers/regexp/tls/options': 'strict',
    });
    assert.deepEqual(built.hostOptions, { '*.wild.test': 'strict@etcd', 'not.wild.test': 'strict@etcd', 'or.test': 'strict@etcd' });
    assert.equal(built.status('secure'), 'enabled');
    // As Traefik: a warning. The data plane serves it only on connections handshaken under its options.
    assert.equal(built.status('regexp'), 'warning SY_ROUTER_TLS_NO_HOST traefik/http/routers/regexp/rule');
  });

  it('a host claimed for the default options is mapped to them explicitly when a wildcard or catch-all claim would cover it', () => {
    const build = builder();
    const built = build({
      ...routers,
      'traefik/http/routers/secure/rule': 'Host(`admin.example.test`)',
      'traefik/http/routers/wild/rule': 'Host(`*.example.test`)',
      'traefik/http/routers/wild/service': 's',
      'traefik/http/routers/wild/tls/options': 'lax',
      'traefik/tls/options/lax/minVersion': 'VersionTLS12',
      'traefik/tls/options/default/clientAuth/caFiles/0': CA,
    });
    assert.deepEqual(built.hostOptions, { '*.example.test': 'lax@etcd', 'admin.example.test': 'default' });
    assert.deepEqual(Object.keys(built.namedOptions), ['lax@etcd']);
    const everything = build({
      ...routers,
      'traefik/http/routers/all/rule': 'Host(`*`)',
      'traefik/http/routers/all/service': 's',
      'traefik/http/routers/all/tls/options': 'lax',
      'traefik/tls/options/lax/minVersion': 'VersionTLS12',
    });
    assert.deepEqual(everything.hostOptions, { '*': 'lax@etcd', 'secure.test': 'default' });
    assert.equal(everything.status('all'), 'enabled');
    // Without a broader claim, default hosts are not listed (adding an ordinary TLS router leaves the TLS section as it was).
    assert.deepEqual(build(routers).hostOptions, {});
  });

  it('v2 rules: HostHeader() claims like Host(); a `*.x` host is a literal name and claims nothing', () => {
    const build = builder();
    const built = build({
      ...routers,
      'traefik/http/routers/secure/rule': 'HostHeader(`v2.test`) || Host(`*.literal.test`)',
      'traefik/http/routers/secure/ruleSyntax': 'v2',
      'traefik/http/routers/secure/tls/options': 'strict',
      'traefik/tls/options/strict/minVersion': 'VersionTLS13',
    });
    assert.equal(built.status('secure'), 'enabled');
    assert.deepEqual(built.hostOptions, { 'v2.test': 'strict@etcd' });
  });

  it('a router naming options that do not exist is disabled but keeps its hosts claimed for them (their connections are refused)', () => {
    const build = builder();
    const built = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'nosuch' });
    assert.equal(built.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    assert.deepEqual(built.hostOptions, { 'secure.test': 'nosuch@etcd' });
    assert.deepEqual(built.namedOptions, {});
  });

  it('default options that demand client certificates are applied: TLS routers stay served', () => {
    const build = builder();
    assert.deepEqual(build(routers).served, ['plain@etcd', 'secure@etcd']);
    for (const type of ['RequestClientCert', 'RequireAnyClientCert']) {
      const built = build({ ...routers, 'traefik/tls/options/default/clientAuth/clientAuthType': type });
      assert.equal(built.status('secure'), 'enabled', type);
      assert.deepEqual(built.clientAuth, { type, caPems: [] }, type);
    }
    const caOnly = build({ ...routers, 'traefik/tls/options/default/clientAuth/caFiles/0': CA });
    assert.equal(caOnly.status('secure'), 'enabled');
    assert.deepEqual(caOnly.clientAuth, { type: 'RequireAndVerifyClientCert', caPems: [CA] }, 'caFiles alone means verify');
    const none = build({ ...routers, 'traefik/tls/options/default/clientAuth/caFiles/0': CA, 'traefik/tls/options/default/clientAuth/clientAuthType': 'NoClientCert' });
    assert.equal(none.clientAuth, undefined);
  });

  it('invalid default options disable every TLS router, and only those; fixing them re-enables', () => {
    const build = builder();
    // Only the options change: the routers themselves did not, and are judged again all the same.
    const unverifiable = build({ ...routers, 'traefik/tls/options/default/clientAuth/clientAuthType': 'RequireAndVerifyClientCert' });
    assert.equal(unverifiable.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls');
    assert.equal(unverifiable.status('plain'), 'enabled');
    assert.deepEqual(unverifiable.served, ['plain@etcd']);
    assert.deepEqual(unverifiable.problems, ['SY_TLS_CLIENT_AUTH traefik/tls/options/default/clientAuth/clientAuthType'], 'Traefik: CAFiles is required');
    const ifGiven = build({ ...routers, 'traefik/tls/options/default/clientAuth/clientAuthType': 'VerifyClientCertIfGiven' });
    assert.equal(ifGiven.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls');
    const badCa = build({ ...routers, 'traefik/tls/options/default/clientAuth/caFiles/0': '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----' });
    assert.equal(badCa.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls');
    assert.deepEqual(badCa.problems, ['SY_TLS_CLIENT_AUTH traefik/tls/options/default/clientAuth/caFiles/0']);
    const badVersion = build({ ...routers, 'traefik/tls/options/default/minVersion': 'VersionTLS99' });
    assert.equal(badVersion.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls');
    assert.deepEqual(build(routers).served, ['plain@etcd', 'secure@etcd']);
  });

  it('a CA file that cannot be read is reported on its key and left out (refusing more, never admitting more)', () => {
    const decoded = new IncrementalDecoder('traefik').decode(Object.entries({ ...routers, 'traefik/tls/options/default/clientAuth/caFiles/0': '/nonexistent/ca.pem', 'traefik/tls/options/default/clientAuth/caFiles/1': CA }));
    const { view, snapshot } = buildRuntime({ revision: 1, providers: new Map([['etcd', { decoded, root: 'traefik' }]]), entryPoints: ['web'], defaultEntryPoints: ['web'], defaultRuleSyntax: 'v3', readPem: readPemValue });
    assert.deepEqual(view.problems.map((p) => `${p.code} ${p.key}`), ['SY_TLS_CLIENT_AUTH traefik/tls/options/default/clientAuth/caFiles/0']);
    assert.deepEqual(snapshot.tls.options.clientAuth, { type: 'RequireAndVerifyClientCert', caPems: [CA] });
  });

  it('a router naming a certificate resolver the node does not have is served, with a warning on its key', () => {
    const decoded = new IncrementalDecoder('traefik').decode(Object.entries({ ...routers, 'traefik/http/routers/secure/tls/certResolver': 'nosuch', 'traefik/http/routers/plain/tls/certResolver': 'le' }));
    const { view, snapshot } = buildRuntime({ revision: 1, providers: new Map([['etcd', { decoded, root: 'traefik' }]]), entryPoints: ['web'], defaultEntryPoints: ['web'], defaultRuleSyntax: 'v3', resolvers: new Set(['le']) });
    const secure = view.routers.get('secure@etcd')!;
    assert.equal(secure.status, 'warning');
    assert.deepEqual(secure.errors.map((e) => `${e.code} ${e.key}`), ['SY_ROUTER_RESOLVER traefik/http/routers/secure/tls/certResolver']);
    assert.equal(view.routers.get('plain@etcd')!.status, 'enabled');
    assert.deepEqual(snapshot.entryPoints.web!.routers.map((r) => r.name).sort(), ['plain@etcd', 'secure@etcd']);
  });
});
