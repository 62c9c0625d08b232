/**
 * @module Starts a real node in-process for tests: a temp dynamic-configuration file for the file
 * provider, entry points on free loopback ports, and a way to rewrite the file and wait until the
 * node applied it.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../src/cli/node.ts';
import { loadStaticConfig } from '../../src/config/static.ts';

export interface TestNode {
  readonly node: RunningNode;
  readonly web: number;
  readonly api: number;
  readonly dir: string;
  readonly url: (path: string) => string;
  /** Replaces the dynamic file atomically and waits until the node applied a new revision. */
  writeConfig(yaml: string): Promise<void>;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  /**
   * Serve plain HTTP on the fast path (src/proxy/fast-path/) or only on node:http. Default: as the
   * environment says (SY_FAST_PATH=0 turns it off), so `SY_FAST_PATH=0 node --test …` runs a whole
   * suite against the full path.
   */
  readonly fastPath?: boolean;
}

export async function startTestNode(yaml: string, flags: readonly string[] = [], options: TestNodeOptions = {}): Promise<TestNode> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-test-'));
  const file = join(dir, 'dynamic.yaml');
  await writeFile(file, yaml);
  const config = loadStaticConfig({
    argv: [
      '--entryPoints.web.address=127.0.0.1:0',
      '--entryPoints.traefik.address=127.0.0.1:0',
      `--providers.file.filename=${file}`,
      '--providers.providersThrottleDuration=1ms',
      '--api.insecure=true',
      '--ping=true',
      ...flags,
    ],
    env: {},
  });
  // The worker threads read SY_FAST_PATH when they start, which is inside startNode.
  const inherited = process.env.SY_FAST_PATH;
  if (options.fastPath !== undefined) process.env.SY_FAST_PATH = options.fastPath ? '1' : '0';
  let node: RunningNode;
  try {
    node = await startNode(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  } finally {
    if (inherited === undefined) delete process.env.SY_FAST_PATH;
    else process.env.SY_FAST_PATH = inherited;
  }
  await waitFor(() => node.controlPlane.view.revision >= 1);
  const web = node.ports.get('web')!;
  const api = node.ports.get('traefik')!;
  let counter = 0;
  return {
    node,
    web,
    api,
    dir,
    url: (path) => `http://127.0.0.1:${web}${path}`,
    async writeConfig(next) {
      const before = node.controlPlane.view.revision;
      const tmp = join(dir, `.dynamic.${counter++}.tmp`);
      await writeFile(tmp, next);
      await rename(tmp, file);
      await waitFor(() => node.controlPlane.view.revision > before);
      // The worker threads get the snapshot by message; wait until every one serves it.
      const revision = node.controlPlane.view.revision;
      await waitFor(() => node.appliedRevision() >= revision);
    },
    async stop() {
      await node.stop(1_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
