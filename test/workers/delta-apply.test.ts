/**
 * A worker's data plane takes a delta only on the snapshot it was made from; otherwise it refuses
 * (the worker then asks the main thread for the full snapshot) and keeps its revision.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DataPlane } from '../../src/proxy/data-plane.ts';
import { diffSnapshots } from '../../src/runtime/snapshot-delta.ts';
import { EMPTY_TLS, type RouterSpec, type Snapshot } from '../../src/runtime/snapshot.ts';

const plane = new DataPlane({ timeouts: { dialTimeoutMs: 1_000, responseHeaderTimeoutMs: 1_000, idleConnTimeoutMs: 1_000 }, entryPoints: new Map() });
after(() => plane.close());

const service = { kind: 'loadBalancer', servers: [{ url: 'http://127.0.0.1:1', weight: 1, preservePath: false }], passHostHeader: true, healthCheck: undefined, sticky: undefined } as const;
const router = (name: string, host: string): RouterSpec => ({ name, rule: `Host(\`${host}\`)`, syntax: 'v3', priority: undefined, service: 's@file', middlewares: [], tls: false });
const snapshot = (revision: number, routers: RouterSpec[], challenges: Record<string, string> = {}): Snapshot => ({
  revision,
  entryPoints: { web: { routers } },
  services: { 's@file': service },
  middlewares: {},
  tls: { ...EMPTY_TLS, challenges },
});

describe('DataPlane.applyDelta', () => {
  it('applies a delta made from the snapshot it serves, and refuses one made from another', () => {
    const first = snapshot(1, [router('a@file', 'a.test')]);
    const second = snapshot(2, [router('a@file', 'a.test'), router('b@file', 'b.test')], { token: 'answer' });
    const third = snapshot(3, [router('b@file', 'b.test')]);
    plane.apply(first);
    assert.equal(plane.applyDelta(diffSnapshots(second, third)), false, 'base 2 does not fit revision 1');
    assert.equal(plane.revision, 1);
    assert.equal(plane.applyDelta(diffSnapshots(first, second)), true);
    assert.equal(plane.revision, 2);
    assert.equal(plane.applyDelta(diffSnapshots(first, second)), false, 'the same delta twice');
    assert.equal(plane.applyDelta(diffSnapshots(second, third)), true);
    assert.equal(plane.revision, 3);
  });
});
