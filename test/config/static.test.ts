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
