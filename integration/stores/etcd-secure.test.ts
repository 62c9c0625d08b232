/**
 * @module A secured etcd, end to end through `bin/switchyard`: with client-certificate TLS and with
 * password auth, a node given the right `--providers.etcd.*` flags serves routes written with
 * etcdctl, and one given the wrong certificate or password refuses to start, naming the flag to fix
 * (SY_STORE_TLS / SY_STORE_AUTH) instead of serving an empty configuration. `switchyard check` works
 * against the TLS etcd too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { runCli } from '../support/cli-run.ts';
import { startNodes, stopNodes, untilAll } from '../support/cluster.ts';
import { startEtcd, type EtcdServer } from '../support/etcd/index.ts';
import type { NodeProcess } from '../support/node-process.ts';

const USER = { user: 'switchyard', password: 'correct horse:battery' };
/** What `startNodes` passes, for runs that are expected to fail before they start. */
const NODE_FLAGS = ['--entryPoints.web.address=127.0.0.1:0', '--entryPoints.traefik.address=127.0.0.1:0', '--api.insecure=true', '--cluster.nodeId=refused'];

/** Writes one route with etcdctl, as an operator would (root credentials when auth is on). */
async function putRoute(etcd: EtcdServer, name: string, host: string, upstream: string): Promise<void> {
  for (const [key, value] of [
    [`traefik/http/services/${name}/loadBalancer/servers/0/url`, upstream],
    [`traefik/http/routers/${name}/service`, name],
    [`traefik/http/routers/${name}/rule`, `Host(\`${host}\`)`],
  ] as const) {
    const result = await etcd.etcdctl(['put', key, value]);
    assert.equal(result.code, 0, result.stderr);
  }
}

/** Runs a node that must refuse to start; asserts it exits 1 on its own, and returns its stderr. */
async function refusedStart(flags: readonly string[]): Promise<string> {
  const result = await runCli(['run', ...NODE_FLAGS, ...flags], 30_000);
  assert.equal(result.timedOut, false, `the node kept running instead of refusing to start\n${result.stderr}`);
  assert.equal(result.code, 1, `exit code\n${result.stderr}`);
  return result.stderr;
}

describe('etcd with client-certificate TLS', { timeout: 120_000 }, () => {
  let etcd: EtcdServer;
  let upstream: TestUpstream;
  let nodes: NodeProcess[] = [];
  const endpoints = () => `--providers.etcd.endpoints=${etcd.endpoints.join(',')}`;
  const tlsFlags = (cert: string, key: string) => [`--providers.etcd.tls.ca=${etcd.tls!.ca}`, `--providers.etcd.tls.cert=${cert}`, `--providers.etcd.tls.key=${key}`];

  before(async () => {
    etcd = await startEtcd({ tls: 'client-cert' });
    upstream = await startUpstream('tls-up');
    await putRoute(etcd, 'secure', 'secure.test', upstream.url);
  });

  after(async () => {
    await stopNodes(nodes);
    await etcd?.close();
    await upstream?.close();
  });

  test('a node with --providers.etcd.tls.ca|cert|key serves what etcdctl wrote, and later changes', async () => {
    nodes = await startNodes(1, [endpoints(), ...tlsFlags(etcd.tls!.cert, etcd.tls!.key)]);
    await untilAll(nodes, 'secure.test', 200);
    await putRoute(etcd, 'later', 'later.test', upstream.url);
    await untilAll(nodes, 'later.test', 200);
  });

  test('with a client certificate the server does not trust, the node refuses to start, naming --providers.etcd.tls', async () => {
    const { cert, key } = etcd.tls!.untrusted;
    const stderr = await refusedStart([endpoints(), ...tlsFlags(cert, key)]);
    assert.match(stderr, /--providers\.etcd\.tls/);
    assert.match(stderr, /SY_STORE_TLS/);
  });

  test('switchyard check reads the keys through TLS; with the untrusted certificate it fails naming the flag', async () => {
    const ok = await runCli(['check', endpoints(), ...tlsFlags(etcd.tls!.cert, etcd.tls!.key)]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /2 routers \(2 would serve\)/);
    const refused = await runCli(['check', endpoints(), ...tlsFlags(etcd.tls!.untrusted.cert, etcd.tls!.untrusted.key)]);
    assert.equal(refused.timedOut, false);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /--providers\.etcd\.tls.*SY_STORE_TLS/s);
  });
});

describe('etcd with password auth', { timeout: 120_000 }, () => {
  let etcd: EtcdServer;
  let upstream: TestUpstream;
  let nodes: NodeProcess[] = [];
  const endpoints = () => `--providers.etcd.endpoints=${etcd.endpoints.join(',')}`;

  before(async () => {
    etcd = await startEtcd({ auth: USER });
    upstream = await startUpstream('auth-up');
    await putRoute(etcd, 'authed', 'authed.test', upstream.url);
  });

  after(async () => {
    await stopNodes(nodes);
    await etcd?.close();
    await upstream?.close();
  });

  test('a node with --providers.etcd.username|password serves what etcdctl wrote, and later changes', async () => {
    nodes = await startNodes(1, [endpoints(), `--providers.etcd.username=${USER.user}`, `--providers.etcd.password=${USER.password}`]);
    await untilAll(nodes, 'authed.test', 200);
    await putRoute(etcd, 'later', 'later.test', upstream.url);
    await untilAll(nodes, 'later.test', 200);
  });

  test('with a wrong password the node refuses to start, naming --providers.etcd.password', async () => {
    const stderr = await refusedStart([endpoints(), `--providers.etcd.username=${USER.user}`, '--providers.etcd.password=wrong']);
    assert.match(stderr, /--providers\.etcd\.password/);
    assert.match(stderr, /SY_STORE_AUTH/);
  });

  test('without credentials the node refuses to start, naming --providers.etcd.password', async () => {
    const stderr = await refusedStart([endpoints()]);
    assert.match(stderr, /--providers\.etcd\.password/);
    assert.match(stderr, /SY_STORE_AUTH/);
  });

  describe('a user with read access to the rootKey only (as Traefik is usually given)', () => {
    const READER = { user: 'traefik-reader', password: 'reader-pw' };
    const asReader = () => [`--providers.etcd.username=${READER.user}`, `--providers.etcd.password=${READER.password}`];

    before(async () => {
      for (const args of [
        ['role', 'add', 'traefik-read'],
        ['role', 'grant-permission', 'traefik-read', 'read', 'traefik/', '--prefix=true'],
        ['user', 'add', READER.user, `--new-user-password=${READER.password}`, '--interactive=false'],
        ['user', 'grant-role', READER.user, 'traefik-read'],
      ]) {
        const result = await etcd.etcdctl(args);
        assert.equal(result.code, 0, result.stderr);
      }
    });

    test('switchyard check needs nothing more: it reads the routes and exits 0', async () => {
      const result = await runCli(['check', endpoints(), ...asReader()]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /would serve/);
    });

    test('a node serves the routes; the refused leader campaign is logged once, naming the stateKey prefix and --cluster.stateKey', async () => {
      const readers = await startNodes(1, [endpoints(), ...asReader()]);
      try {
        await untilAll(readers, 'authed.test', 200);
        const refused = () => readers[0]!.logs.filter((l) => l['scope'] === 'acme' && l['code'] === 'SY_STORE_PERMISSION');
        const deadline = Date.now() + 10_000;
        while (refused().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        // Refused campaigns back off from 1 s: over the next 2.5 s at most two more tries, none logged again.
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(refused().length, 1, JSON.stringify(readers[0]!.logs));
        assert.match(String(refused()[0]!['msg']), /"switchyard\/leader\/acme\/".*--cluster\.stateKey/);
        assert.equal(readers[0]!.logs.filter((l) => l['msg'] === 'ACME leadership ended; campaigning again').length, 0);
      } finally {
        await stopNodes(readers);
      }
    });
  });
});
