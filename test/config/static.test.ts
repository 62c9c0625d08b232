/**
 * Static configuration: Traefik-named flags, SWITCHYARD_* variables and the YAML file, merged with
 * flags winning, validated, and every error naming the flag, variable or file entry at fault.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStaticConfig } from '../../src/config/static.ts';
import { StaticConfigError } from '../../src/errors.ts';

function load(argv: string[], env: Record<string, string> = {}) {
  return loadStaticConfig({ argv, env });
}

function failure(argv: string[], env: Record<string, string> = {}): StaticConfigError {
  try {
    load(argv, env);
  } catch (error) {
    assert.ok(error instanceof StaticConfigError, String(error));
    return error;
  }
  assert.fail('expected a StaticConfigError');
}

test('Traefik flag names, matched case-insensitively, with defaults filled in', () => {
  const c = load(['--entrypoints.web.address=:8000', '--providers.file.filename=x.yaml', '--api.insecure=true', '--ping']);
  assert.equal(c.entryPoints.web?.address, ':8000');
  assert.equal(c.providers.file?.filename, 'x.yaml');
  assert.equal(c.providers.file?.watch, true);
  assert.deepEqual(c.api, { dashboard: true, insecure: true });
  assert.equal(c.ping, true);
  assert.equal(c.cluster.stateKey, 'switchyard');
  assert.equal(c.cluster.lockTTL, 15_000);
  assert.equal(c.workers, 'auto');
  assert.equal(c.core.defaultRuleSyntax, 'v3');
});

test('durations: Go syntax or bare seconds, kept in milliseconds', () => {
  assert.equal(load(['--providers.providersThrottleDuration=10ms']).providers.providersThrottleDuration, 10);
  assert.equal(load(['--cluster.lockTTL=20']).cluster.lockTTL, 20_000);
  assert.equal(load(['--cluster.lockTTL=1m30s']).cluster.lockTTL, 90_000);
});

test('environment variables: SWITCHYARD_ + the name in upper case, dots as _', () => {
  const c = load([], { SWITCHYARD_ENTRYPOINTS_WEB_ADDRESS: ':81', SWITCHYARD_PROVIDERS_ETCD_ENDPOINTS: 'a:2379,b:2379', SWITCHYARD_CLUSTER_NODEID: 'n1' });
  assert.equal(c.entryPoints.web?.address, ':81');
  assert.deepEqual(c.providers.etcd?.endpoints, ['a:2379', 'b:2379']);
  assert.equal(c.providers.etcd?.rootKey, 'traefik');
  assert.equal(c.cluster.nodeId, 'n1');
});

test('YAML file in Traefik nesting; env overrides the file and flags override both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, 'entryPoints:\n  web:\n    address: ":80"\n  api:\n    address: ":81"\nlog:\n  level: debug\nping: {}\n');
  const c = load([`--configFile=${file}`, '--entryPoints.web.address=:90'], { SWITCHYARD_LOG_LEVEL: 'warn' });
  assert.equal(c.entryPoints.web?.address, ':90');
  assert.equal(c.entryPoints.api?.address, ':81');
  assert.equal(c.log.level, 'warn');
  assert.equal(c.ping, true);
});

test('a bad value names the flag and the accepted form', () => {
  const e = failure(['--entryPoints.web.address=nonsense']);
  assert.equal(e.code, 'SY_STATIC_CONFIG');
  assert.equal(e.key, '--entryPoints.web.address');
  assert.match(e.message, /\[host\]:port/);
});

test('an unknown flag is refused, naming it', () => {
  const e = failure(['--entryPoints.web.adress=:80']);
  assert.equal(e.key, '--entryPoints.web.adress');
  assert.match(e.message, /address/);
});

test('a bad environment variable is named as the variable', () => {
  const e = failure([], { SWITCHYARD_CLUSTER_LOCKTTL: 'soon' });
  assert.equal(e.key, 'SWITCHYARD_CLUSTER_LOCKTTL');
});

test('a bad file entry names the file and the entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'workers: lots\n');
  const e = failure([`--configFile=${file}`]);
  assert.equal(e.key, `${file}: workers`);
});

test('stateKey must not share a text prefix with rootKey', () => {
  const e = failure(['--providers.etcd.endpoints=127.0.0.1:2379', '--cluster.stateKey=traefik-state']);
  assert.equal(e.key, '--cluster.stateKey');
});

test('a positional argument is refused', () => {
  assert.equal(failure(['web']).code, 'SY_STATIC_CONFIG');
});

test('options naming another part of the configuration are refused up front, naming the flag', () => {
  const redirect = failure(['--entryPoints.web.address=:80', '--entryPoints.web.http.redirections.entryPoint.to=nosuch']);
  assert.equal(redirect.key, '--entryPoints.web.http.redirections.entryPoint.to');
  assert.match(redirect.message, /^--entryPoints\.web\.http\.redirections\.entryPoint\.to: .*"nosuch".*not defined/);
  const challenge = failure(['--entryPoints.web.address=:80', '--certificatesResolvers.le.acme.httpChallenge.entryPoint=nosuch']);
  assert.equal(challenge.key, '--certificatesResolvers.le.acme.httpChallenge.entryPoint');
  assert.match(challenge.message, /"nosuch".*not defined/);
  // Without entry points the node listens on "http".
  assert.equal(load(['--certificatesResolvers.le.acme.httpChallenge.entryPoint=http']).certificatesResolvers['le']?.acme.httpChallenge?.entryPoint, 'http');
  const both = failure(['--providers.etcd.endpoints=127.0.0.1:2379', '--providers.consul.endpoints=127.0.0.1:8500']);
  assert.equal(both.key, '--providers.consul.endpoints');
  assert.match(both.message, /^--providers\.consul\.endpoints: use either the etcd or the Consul provider, not both/);
});

test('a listen port above 65535 and an empty endpoint list are refused, naming the flag', () => {
  assert.match(failure(['--entryPoints.web.address=:99999']).message, /^--entryPoints\.web\.address: expected a port from 0 to 65535/);
  assert.equal(load(['--entryPoints.web.address=:65535']).entryPoints.web?.address, ':65535');
  assert.match(failure(['--providers.etcd.endpoints=']).message, /^--providers\.etcd\.endpoints: expected at least one endpoint/);
});

test('store providers default like Traefik: endpoints on the local agent, a bare host gets the usual port, `=true` enables one', () => {
  assert.deepEqual(load(['--providers.etcd.rootKey=x']).providers.etcd?.endpoints, ['127.0.0.1:2379']);
  assert.deepEqual(load(['--providers.consul.rootKey=x']).providers.consul?.endpoints, ['127.0.0.1:8500']);
  assert.deepEqual(load(['--providers.etcd.endpoints=127.0.0.1,10.0.0.2:2390,https://etcd.example,[::1]']).providers.etcd?.endpoints, ['127.0.0.1:2379', '10.0.0.2:2390', 'https://etcd.example:2379', '[::1]:2379']);
  assert.deepEqual(load(['--providers.consul.endpoints=consul.internal']).providers.consul?.endpoints, ['consul.internal:8500']);
  assert.deepEqual(load(['--providers.etcd=true']).providers.etcd, { endpoints: ['127.0.0.1:2379'], rootKey: 'traefik' });
  assert.deepEqual(load(['--providers.etcd=true', '--providers.etcd.rootKey=edge']).providers.etcd?.rootKey, 'edge');
  assert.equal(load(['--providers.consul=false']).providers.consul, undefined);
});

test('--workers: a number from 1 to 256 or auto, and the message says so', () => {
  assert.equal(load(['--workers=4']).workers, 4);
  assert.equal(load(['--workers=auto']).workers, 'auto');
  for (const bad of ['abc', '0', '257', '1.5']) assert.match(failure([`--workers=${bad}`]).message, /^--workers: expected a number of worker threads from 1 to 256, or auto/, bad);
});

test('global.checkNewVersion and global.sendAnonymousUsage are accepted (and ignored); other Traefik options are named as not supported', () => {
  load(['--global.checkNewVersion=false', '--global.sendAnonymousUsage=false']);
  const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
  writeFileSync(join(dir, 'traefik.yaml'), 'global:\n  checkNewVersion: true\n  sendAnonymousUsage: false\nentryPoints:\n  web:\n    address: ":80"\n');
  assert.equal(load([`--configFile=${join(dir, 'traefik.yaml')}`]).entryPoints.web?.address, ':80');
  const tracing = failure(['--tracing.otlp=true']);
  assert.equal(tracing.key, '--tracing.otlp');
  assert.match(tracing.message, /--tracing\.otlp: "tracing" is not supported/);
  assert.match(failure(['--entryPoints.web.address=:80', '--entryPoints.web.proxyProtocol.insecure=true']).message, /--entryPoints\.web\.proxyProtocol\.insecure: "proxyProtocol" is not supported under entryPoints\.web/);
});
