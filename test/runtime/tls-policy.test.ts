/**
 * A router is never served with TLS options other than the ones it names: only the default options
 * are applied, and client certificates (clientAuth) are not implemented, so a router naming other
 * options, or any TLS router while the default options demand client certificates, is disabled with
 * an error on its key. Plain routers are untouched; a later change of the options re-judges routers
 * that did not change themselves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncrementalDecoder } from '../../src/config/incremental-decode.ts';
import { buildRuntime, RuntimeBuilder, type BuildInput } from '../../src/runtime/build-runtime.ts';

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
  return (keys: Record<string, string>) => {
    const decoded = decoder.decode(Object.entries(keys));
    const input: BuildInput = {
      revision: ++revision,
      providers: new Map([['etcd', { decoded, root: 'traefik' }]]),
      changes: new Map([['etcd', decoder.takeChanges()]]),
      entryPoints: ['web'],
      defaultEntryPoints: ['web'],
      defaultRuleSyntax: 'v3',
    };
    const { view, snapshot } = runtime.build(input);
    const status = (name: string) => {
      const info = view.routers.get(`${name}@etcd`)!;
      return `${info.status}${info.errors.map((e) => ` ${e.code} ${e.key}`).join('')}`;
    };
    return { status, served: snapshot.entryPoints.web!.routers.map((r) => r.name).sort() };
  };
}

describe('TLS options routers ask for', () => {
  it('a router naming TLS options other than the default is disabled, whether they exist or not', () => {
    const build = builder();
    const named = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'strict', 'traefik/tls/options/strict/minVersion': 'VersionTLS13' });
    assert.equal(named.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    assert.deepEqual(named.served, ['plain@etcd']);
    const missing = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'nosuch' });
    assert.equal(missing.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls/options');
    const byDefault = build({ ...routers, 'traefik/http/routers/secure/tls/options': 'default' });
    assert.equal(byDefault.status('secure'), 'enabled');
  });

  it('default options that demand client certificates disable every TLS router, and only those; lifting them re-enables', () => {
    const build = builder();
    assert.deepEqual(build(routers).served, ['plain@etcd', 'secure@etcd']);
    // Only the options change: the routers themselves did not, and are judged again all the same.
    const demanding = build({ ...routers, 'traefik/tls/options/default/clientAuth/clientAuthType': 'RequireAndVerifyClientCert' });
    assert.equal(demanding.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls');
    assert.equal(demanding.status('plain'), 'enabled');
    assert.deepEqual(demanding.served, ['plain@etcd']);
    const caOnly = build({ ...routers, 'traefik/tls/options/default/clientAuth/caFiles/0': '/etc/ca.pem' });
    assert.equal(caOnly.status('secure'), 'disabled SY_ROUTER_TLS_OPTIONS traefik/http/routers/secure/tls', 'caFiles alone means verify');
    const requestOnly = build({ ...routers, 'traefik/tls/options/default/clientAuth/clientAuthType': 'RequestClientCert' });
    assert.equal(requestOnly.status('secure'), 'enabled', 'asking for a certificate without requiring one changes nothing served');
    assert.deepEqual(build(routers).served, ['plain@etcd', 'secure@etcd']);
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
