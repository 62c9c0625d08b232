/**
 * @module A secured Consul (our HTTP-API double), end to end through `bin/switchyard`: with an ACL
 * token a node serves; without it, Consul's ACL-filtered empty listing is refused rather than taken
 * for "no routes" (the node exits naming --providers.consul.token, SY_STORE_AUTH); over TLS a node
 * trusting the CA serves, with client certificates too, and one that cannot verify the server refuses
 * to start (SY_STORE_TLS); with a dead first endpoint the node fails over to the next and serves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startConsulDouble, type ConsulDouble } from '../../test/support/consul-double/consul-double.ts';
import { startUpstream, type TestUpstream } from '../../test/support/upstream.ts';
import { runCli } from '../support/cli-run.ts';
import { startNodes, stopNodes, untilAll } from '../support/cluster.ts';
import { createPki, type Pki } from '../support/etcd/pki.ts';
import { freePorts } from '../support/etcd/ports.ts';
import type { NodeProcess } from '../support/node-process.ts';

const TOKEN = 'b1gs3cr3t-acl-token';
/** What `startNodes` passes, for runs that are expected to fail before they start. */
const NODE_FLAGS = ['--entryPoints.web.address=127.0.0.1:0', '--entryPoints.traefik.address=127.0.0.1:0', '--api.insecure=true', '--cluster.nodeId=refused'];

/** Writes keys to the double as `consul kv put` would, with the token and TLS material given. */
function writer(double: ConsulDouble, options: { token?: string; tls?: { ca: Buffer; cert?: Buffer; key?: Buffer } } = {}) {
  const dispatcher = options.tls === undefined ? undefined : new Agent({ connect: options.tls });
  const put = async (key: string, value: string) => {
    const res = await request(`${double.url}/v1/kv/${key}`, {
      method: 'PUT',
      body: value,
      headers: options.token === undefined ? {} : { 'x-consul-token': options.token },
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    await res.body.dump();
    assert.equal(res.statusCode, 200, `PUT ${key}`);
  };
  return {
    route: async (name: string, upstream: string) => {
      await put(`traefik/http/services/${name}/loadBalancer/servers/0/url`, upstream);
      await put(`traefik/http/routers/${name}/service`, name);
      await put(`traefik/http/routers/${name}/rule`, `Host(\`${name}.test\`)`);
    },
    close: async () => dispatcher?.close(),
  };
}

/** Runs a node that must refuse to start; asserts it exits 1 on its own, and returns its stderr. */
async function refusedStart(flags: readonly string[]): Promise<string> {
  const result = await runCli(['run', ...NODE_FLAGS, ...flags], 30_000);
  assert.equal(result.timedOut, false, `the node kept running instead of refusing to start\n${result.stderr}`);
  assert.equal(result.code, 1, `exit code\n${result.stderr}`);
  return result.stderr;
}

describe('Consul', { timeout: 120_000 }, () => {
  let upstream: TestUpstream;
  let pki: Pki;
  let dir: string;
  const nodes: NodeProcess[] = [];
  const doubles: ConsulDouble[] = [];
  const double = async (options: Parameters<typeof startConsulDouble>[0]) => {
    const started = await startConsulDouble(options);
    doubles.push(started);
    return started;
  };
  const serve = async (flags: readonly string[], host: string) => {
    const [node] = await startNodes(1, flags);
    nodes.push(node!);
    await untilAll([node!], host, 200);
    return node!;
  };

  before(async () => {
    upstream = await startUpstream('up');
    dir = await mkdtemp(join(tmpdir(), 'switchyard-consul-pki-'));
    pki = await createPki(dir);
  });

  after(async () => {
    await stopNodes(nodes);
    await Promise.all(doubles.map((d) => d.close()));
    await upstream?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe('with an ACL token', () => {
    let acl: ConsulDouble;

    before(async () => {
      acl = await double({ token: TOKEN, sessionTtlMin: '1s' });
      const keys = writer(acl, { token: TOKEN });
      await keys.route('acl', upstream.url);
      await keys.close();
    });

    test('a node with --providers.consul.token serves, and applies later changes', async () => {
      const node = await serve([`--providers.consul.endpoints=${acl.address}`, `--providers.consul.token=${TOKEN}`], 'acl.test');
      const keys = writer(acl, { token: TOKEN });
      await keys.route('acl-later', upstream.url);
      await keys.close();
      await untilAll([node], 'acl-later.test', 200);
    });

    test('without the token, the ACL-filtered empty listing is not taken for "no routes": the node refuses to start', async () => {
      const stderr = await refusedStart([`--providers.consul.endpoints=${acl.address}`]);
      assert.match(stderr, /--providers\.consul\.token/);
      assert.match(stderr, /SY_STORE_AUTH/);
    });

    test('with a token Consul does not know, the node refuses to start', async () => {
      const stderr = await refusedStart([`--providers.consul.endpoints=${acl.address}`, '--providers.consul.token=not-the-token']);
      assert.match(stderr, /--providers\.consul\.token/);
      assert.match(stderr, /SY_STORE_AUTH/);
    });

    test('switchyard check without the token fails naming the flag instead of reporting an empty store', async () => {
      const result = await runCli(['check', `--providers.consul.endpoints=${acl.address}`]);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /--providers\.consul\.token.*SY_STORE_AUTH/s);
      assert.doesNotMatch(result.stdout, /0 routers/);
    });
  });

  describe('over TLS', () => {
    test('a node trusting the CA (--providers.consul.tls.ca) serves', async () => {
      const tls = await double({ tls: { cert: await readFile(pki.server.cert, 'utf8'), key: await readFile(pki.server.key, 'utf8') } });
      const keys = writer(tls, { tls: { ca: await readFile(pki.ca) } });
      await keys.route('tls', upstream.url);
      await keys.close();
      await serve([`--providers.consul.endpoints=${tls.address}`, `--providers.consul.tls.ca=${pki.ca}`], 'tls.test');
    });

    test('with client certificates required, a node given --providers.consul.tls.ca|cert|key serves', async () => {
      const mtls = await double({ tls: { cert: await readFile(pki.server.cert, 'utf8'), key: await readFile(pki.server.key, 'utf8'), ca: await readFile(pki.ca, 'utf8') } });
      const keys = writer(mtls, { tls: { ca: await readFile(pki.ca), cert: await readFile(pki.client.cert), key: await readFile(pki.client.key) } });
      await keys.route('mtls', upstream.url);
      await keys.close();
      await serve(
        [`--providers.consul.endpoints=${mtls.address}`, `--providers.consul.tls.ca=${pki.ca}`, `--providers.consul.tls.cert=${pki.client.cert}`, `--providers.consul.tls.key=${pki.client.key}`],
        'mtls.test',
      );
    });

    test('a node that cannot verify the server certificate refuses to start, naming --providers.consul.tls', async () => {
      const tls = await double({ tls: { cert: await readFile(pki.server.cert, 'utf8'), key: await readFile(pki.server.key, 'utf8') } });
      const stderr = await refusedStart([`--providers.consul.endpoints=${tls.address}`, `--providers.consul.tls.ca=${pki.untrusted.ca}`]);
      assert.match(stderr, /--providers\.consul\.tls/);
      assert.match(stderr, /SY_STORE_TLS/);
    });
  });

  describe('with two endpoints', () => {
    test('the first one dead (connection refused): the node fails over to the second, serves, and applies changes', async () => {
      const live = await double({ sessionTtlMin: '1s' });
      const keys = writer(live);
      await keys.route('failover', upstream.url);
      const [deadPort] = await freePorts(1);
      const node = await serve([`--providers.consul.endpoints=127.0.0.1:${deadPort},${live.address}`], 'failover.test');
      await keys.route('failover-later', upstream.url);
      await untilAll([node], 'failover-later.test', 200);
    });
  });
});
