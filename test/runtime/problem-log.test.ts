/**
 * The control plane's log of configuration problems: each is written once when it appears and once
 * ("problem resolved") when it is gone, not again at every change while it stands; an object that
 * still serves logs a warning, one that is disabled an error.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ConfigProvider, ProviderUpdate } from '../../src/providers/provider.ts';
import { ControlPlane } from '../../src/runtime/control-plane.ts';
import { waitFor } from '../support/test-node.ts';

class ManualProvider implements ConfigProvider {
  readonly name = 'file';
  readonly root = 'traefik';
  #push: ((update: ProviderUpdate) => void) | undefined;
  #revision = 0;
  async start(onUpdate: (update: ProviderUpdate) => void): Promise<void> {
    this.#push = onUpdate;
  }
  async stop(): Promise<void> {}
  set(entries: Record<string, string>): void {
    this.#push!({ entries: Object.entries(entries), revision: ++this.#revision });
  }
}

test('a standing problem is logged once, its resolution once', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const provider = new ManualProvider();
  let applied = 0;
  const plane = new ControlPlane({
    providers: [provider],
    entryPoints: ['web'],
    defaultEntryPoints: ['web'],
    defaultRuleSyntax: 'v3',
    throttleMs: 1,
    logger: pino({ level: 'info' }, sink),
    onSnapshot: () => void (applied += 1),
  });
  await plane.start();
  const base = {
    'traefik/http/services/s/loadBalancer/servers/0/url': 'http://127.0.0.1:1',
    'traefik/http/routers/bad/rule': 'Hots(`a.test`)',
    'traefik/http/routers/bad/service': 's',
    'traefik/http/routers/partly/rule': 'Host(`p.test`)',
    'traefik/http/routers/partly/service': 's',
    'traefik/http/routers/partly/entryPoints/0': 'web',
    'traefik/http/routers/partly/entryPoints/1': 'nowhere',
  };
  const change = async (entries: Record<string, string>) => {
    const before = applied;
    provider.set(entries);
    await waitFor(() => applied > before, 5_000, 'a build');
  };
  await change(base);
  for (let i = 0; i < 3; i++) await change({ ...base, [`traefik/http/routers/ok${i}/rule`]: 'Host(`ok.test`)', [`traefik/http/routers/ok${i}/service`]: 's' });
  await plane.stop();
  const about = (router: string) => lines.filter((l) => l.router === `${router}@file`);
  assert.equal(about('bad').length, 1, 'the bad rule is logged once over four builds');
  assert.equal(about('bad')[0]!.level, 50, 'a disabled router is an error');
  assert.equal(about('partly').length, 1);
  assert.equal(about('partly')[0]!.level, 40, 'a router that still serves on another entry point is a warning');
  await plane.start();
  await change({ ...base, 'traefik/http/routers/bad/rule': 'Host(`a.test`)' });
  await plane.stop();
  const resolved = lines.filter((l) => l.msg === 'problem resolved');
  assert.equal(resolved.length, 1);
  assert.equal(resolved[0]!.key, 'traefik/http/routers/bad/rule');
});
