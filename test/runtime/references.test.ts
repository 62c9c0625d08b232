/**
 * Services and middlewares that reference others: a reference to something missing or disabled, and
 * a service or chain that contains itself, disable the referencing object with an error naming the
 * key that holds the reference (what `switchyard check` prints), and the routers using it with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncrementalDecoder } from '../../src/config/incremental-decode.ts';
import { buildRuntime } from '../../src/runtime/build-runtime.ts';

function build(keys: Record<string, string>) {
  const decoded = new IncrementalDecoder('traefik').decode(Object.entries(keys));
  const { view } = buildRuntime({ revision: 1, providers: new Map([['etcd', { decoded, root: 'traefik' }]]), entryPoints: ['web'], defaultEntryPoints: ['web'], defaultRuleSyntax: 'v3' });
  const errors = (kind: 'services' | 'middlewares' | 'routers', name: string) => {
    const info = view[kind].get(`${name}@etcd`)!;
    return [info.status, ...info.errors.map((e) => `${e.code} ${e.key}`)];
  };
  return errors;
}

const server = { 'traefik/http/services/lb/loadBalancer/servers/0/url': 'http://127.0.0.1:1' };

describe('references between services and middlewares', () => {
  it('a mirroring service whose mirror does not exist names the mirror key', () => {
    const errors = build({ ...server, 'traefik/http/services/m/mirroring/service': 'lb', 'traefik/http/services/m/mirroring/mirrors/0/name': 'nosuch' });
    assert.deepEqual(errors('services', 'm'), ['disabled', 'SY_SERVICE_REFERENCE traefik/http/services/m/mirroring/mirrors/0/name']);
  });

  it('a weighted service that lists itself is disabled (it answered 503 for ever)', () => {
    const errors = build({ ...server, 'traefik/http/services/w/weighted/services/0/name': 'lb', 'traefik/http/services/w/weighted/services/1/name': 'w' });
    assert.deepEqual(errors('services', 'w'), ['disabled', 'SY_SERVICE_REFERENCE traefik/http/services/w/weighted/services/1/name']);
    assert.deepEqual(errors('services', 'lb'), ['enabled']);
  });

  it('two services that contain each other are both disabled, and so is what uses them', () => {
    const errors = build({
      ...server,
      'traefik/http/services/a/failover/service': 'b',
      'traefik/http/services/a/failover/fallback': 'lb',
      'traefik/http/services/b/weighted/services/0/name': 'a',
      'traefik/http/services/top/weighted/services/0/name': 'a',
      'traefik/http/routers/r/rule': 'Host(`r.test`)',
      'traefik/http/routers/r/service': 'top',
    });
    assert.equal(errors('services', 'a')[0], 'disabled');
    assert.equal(errors('services', 'b')[0], 'disabled');
    assert.deepEqual(errors('services', 'top'), ['disabled', 'SY_SERVICE_REFERENCE traefik/http/services/top/weighted/services/0/name'], 'disabled in turn, whatever the order');
    assert.equal(errors('routers', 'r')[0], 'disabled');
  });

  it('a chain that contains itself names its chain key', () => {
    const errors = build({ 'traefik/http/middlewares/c/chain/middlewares/0': 'c' });
    assert.deepEqual(errors('middlewares', 'c'), ['disabled', 'SY_MIDDLEWARE_REFERENCE traefik/http/middlewares/c/chain']);
  });
});
