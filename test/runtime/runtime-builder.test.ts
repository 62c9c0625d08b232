import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncrementalDecoder } from '../../src/config/incremental-decode.ts';
import { buildRuntime, RuntimeBuilder, type BuildInput, type BuildOutput } from '../../src/runtime/build-runtime.ts';
import { applySnapshotDelta, diffSnapshots } from '../../src/runtime/snapshot-delta.ts';
import type { Snapshot } from '../../src/runtime/snapshot.ts';
import { pick, random } from '../support/random.ts';

/** One key of a router: good and bad rules, missing and invalid services and middlewares, unknown entry points. */
function routerKey(r: () => number): [string, string] {
  const name = `r${Math.floor(r() * 12)}`;
  return pick(r, [
    (): [string, string] => [`traefik/http/routers/${name}/rule`, pick(r, ['Host(`a.test`)', 'Host(`b.test`) && PathPrefix(`/x`)', 'PathPrefix(`/`)', 'Hots(`a.test`)'])],
    (): [string, string] => [`traefik/http/routers/${name}/service`, pick(r, ['s0', 's1', 's2', 'missing', 'bad'])],
    (): [string, string] => [`traefik/http/routers/${name}/middlewares/0`, pick(r, ['m0', 'm1', 'missing', 'badm'])],
    (): [string, string] => [`traefik/http/routers/${name}/entryPoints/0`, pick(r, ['web', 'websecure', 'nowhere'])],
    (): [string, string] => [`traefik/http/routers/${name}/tls/certResolver`, 'le'],
    (): [string, string] => [`traefik/http/routers/${name}/priority`, pick(r, ['3', 'x'])],
  ])();
}

function otherKey(r: () => number): [string, string] {
  return pick(r, [
    (): [string, string] => [`traefik/http/services/s${Math.floor(r() * 3)}/loadBalancer/servers/0/url`, pick(r, ['http://127.0.0.1:1', 'http://127.0.0.1:2'])],
    (): [string, string] => ['traefik/http/services/s2/weighted/services/0/name', pick(r, ['s0', 'missing'])],
    (): [string, string] => ['traefik/http/services/bad/loadBalancer/servers/0/weight', 'heavy'],
    (): [string, string] => [`traefik/http/middlewares/m${Math.floor(r() * 2)}/addPrefix/prefix`, pick(r, ['/p', '/q'])],
    (): [string, string] => ['traefik/http/middlewares/badm/chain/middlewares/0', pick(r, ['m0', 'badm'])],
    (): [string, string] => ['traefik/udp/routers/x/service', 'x'],
  ])();
}

/** The build as a user sees it: every object's status, errors and links, and what the data planes get (order aside). */
function observed({ view, snapshot }: BuildOutput): unknown {
  const sorted = <T>(entries: Iterable<[string, T]>) => Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    routers: sorted([...view.routers].map(([n, i]) => [n, { status: i.status, errors: i.errors, using: i.using, config: i.config }])),
    services: sorted([...view.services].map(([n, i]) => [n, { status: i.status, errors: i.errors, usedBy: i.usedBy }])),
    middlewares: sorted([...view.middlewares].map(([n, i]) => [n, { status: i.status, errors: i.errors, usedBy: i.usedBy }])),
    problems: view.problems,
    tlsRouters: [...view.tlsRouters].sort((a, b) => (a.name < b.name ? -1 : 1)),
    entryPoints: sorted(Object.entries(snapshot.entryPoints).map(([ep, { routers }]) => [ep, sorted(routers.map((x) => [x.name, x]))])),
    services_: snapshot.services,
    middlewares_: snapshot.middlewares,
    tls: snapshot.tls,
  };
}

describe('a runtime builder kept across builds', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    // Odd seeds give the builder the decoder's change sets (as a node does), even ones let it compare every object.
    it(`seed ${seed}: 120 random changes build as from scratch (${seed % 2 === 1 ? 'decoder changes' : 'compared'})`, () => {
      const r = random(seed);
      const keys = new Map<string, string>();
      for (let i = 0; i < 60; i++) keys.set(...(i % 3 === 0 ? otherKey(r) : routerKey(r)));
      const decoder = new IncrementalDecoder('traefik');
      const builder = new RuntimeBuilder();
      const entryPoints = ['web', 'websecure'];
      const input = (revision: number): BuildInput => {
        const decoded = decoder.decode([...keys]);
        const changes = decoder.takeChanges();
        return {
          revision,
          providers: new Map([['etcd', { decoded, root: 'traefik' }]]),
          changes: seed % 2 === 1 ? new Map([['etcd', changes]]) : undefined,
          entryPoints,
          defaultEntryPoints: entryPoints,
          defaultRuleSyntax: 'v3',
        };
      };
      let previous: Snapshot | undefined;
      for (let step = 1; step <= 120; step++) {
        // Mostly router changes (patched), sometimes a service or middleware (built again).
        const [key, value] = r() < 0.8 ? routerKey(r) : otherKey(r);
        if (r() < 0.25) keys.delete(key);
        else keys.set(key, value);
        const kept = builder.build(input(step));
        const scratch = buildRuntime({ ...input(step), providers: new Map([['etcd', { decoded: new IncrementalDecoder('traefik').decode([...keys]), root: 'traefik' }]]) });
        assert.deepEqual(observed(kept), observed(scratch), `step ${step}: ${key}=${value}`);
        assert.equal(kept.snapshot.revision, step);
        if (previous !== undefined) {
          // What the workers are sent leads from the last snapshot to this one.
          const patched = applySnapshotDelta(previous, diffSnapshots(previous, kept.snapshot));
          assert.deepEqual(observed({ view: kept.view, snapshot: patched }), observed(kept), `step ${step}: delta`);
        }
        previous = kept.snapshot;
      }
    });
  }
});
