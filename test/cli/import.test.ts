/**
 * `switchyard import haproxy` as operators run it: --dry-run prints the keys as one JSON object on
 * stdout (and nothing else there), the report goes to stderr with the entry-point flags, exit 3
 * when anything is unsupported, 1 for a file that does not parse (naming the line), 2 for bad
 * usage; writing to a store (the Consul double here; etcd in integration/haproxy-import.test.ts),
 * and --watch re-importing when the file is replaced.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ConsulStore } from '../../src/stores/consul-store.ts';
import { startConsulDouble, type ConsulDouble } from '../support/consul-double/consul-double.ts';
import { translate } from '../importers/haproxy/translate-fixture.ts';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../importers/haproxy/fixtures/', import.meta.url));

/** Runs the CLI without blocking: the Consul double lives in this process and must keep answering. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

let double: ConsulDouble;
let store: ConsulStore;
const dir = mkdtempSync(join(tmpdir(), 'sy-import-'));

before(async () => {
  double = await startConsulDouble();
  store = new ConsulStore({ endpoints: [double.address], flagPrefix: '--providers.consul' });
});

after(async () => {
  await store.close();
  await double.close();
});

test('--dry-run prints exactly the translated keys as JSON on stdout, the report on stderr, exit 0', async () => {
  const file = `${FIXTURES}host-routing.cfg`;
  const r = await run(['import', 'haproxy', file, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as Record<string, string>;
  assert.deepEqual(printed, Object.fromEntries(translate(readFileSync(file, 'utf8'), { importName: 'host-routing' }).keys));
  assert.match(r.stderr, /--entryPoints\.http-80\.address=:80/);
  assert.match(r.stderr, /^ {2}--serversTransport\.forwardingTimeouts\.dialTimeout=5s$/m, 'the defaults\' timeouts as node flags');
  assert.match(r.stderr, /0 unsupported/);
});

test('--dry-run with store flags takes the rootKey from them and writes nothing', async () => {
  const r = await run(['import', 'haproxy', `${FIXTURES}host-routing.cfg`, '--dry-run', `--providers.consul.endpoints=${double.address}`, '--providers.consul.rootKey=edge']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Object.keys(JSON.parse(r.stdout) as object).every((k) => k.startsWith('edge/http/')));
  assert.equal((await store.list('edge/')).entries.size, 0);
});

test('unsupported constructs: listed on stderr with their lines, exit 3, the translatable part still printed', async () => {
  const r = await run(['import', 'haproxy', `${FIXTURES}unsupported.cfg`, '--dry-run']);
  assert.equal(r.code, 3);
  for (const line of [13, 17, 18, 19, 29, 30, 33, 38, 41, 47]) assert.match(r.stderr, new RegExp(`unsupported\\.cfg:${line} \\[[^\\]]+\\] unsupported: `));
  assert.match(r.stderr, /15 unsupported/);
  const printed = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(printed['traefik/http/services/lc/loadBalancer/servers/lc1/url'], 'http://10.4.0.1:80');
});

test('a file that does not parse: exit 1, the line and SY_HAPROXY_PARSE on stderr, nothing on stdout', async () => {
  const file = join(dir, 'broken.cfg');
  writeFileSync(file, 'frontend fe\n  bind :80\n  acl a path "/unterminated\n');
  const r = await run(['import', 'haproxy', file, '--dry-run']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.cfg:3: .*SY_HAPROXY_PARSE/);
  assert.equal(r.stdout, '');
});

test('usage errors exit 2: no store without --dry-run, an unknown source type; a missing file exits 1', async () => {
  assert.equal((await run(['import', 'haproxy', `${FIXTURES}host-routing.cfg`])).code, 2);
  assert.equal((await run(['import', 'nginx', `${FIXTURES}host-routing.cfg`, '--dry-run'])).code, 2);
  const missing = await run(['import', 'haproxy', join(dir, 'nope.cfg'), '--dry-run']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /SY_HAPROXY_READ/);
});

test('writing to Consul: the keys and a manifest land; a second run writes nothing', async () => {
  const file = `${FIXTURES}api-gateway.cfg`;
  const flags = [`--providers.consul.endpoints=${double.address}`, '--providers.consul.rootKey=gw', '--cluster.stateKey=state'];
  const first = await run(['import', 'haproxy', file, ...flags]);
  assert.equal(first.code, 0, first.stderr);
  const expected = translate(readFileSync(file, 'utf8'), { importName: 'api-gateway', rootKey: 'gw' }).keys;
  assert.deepEqual((await store.list('gw/')).entries, expected);
  assert.ok((await store.list('state/import/haproxy/api-gateway')).entries.has('state/import/haproxy/api-gateway'));
  const second = await run(['import', 'haproxy', file, ...flags]);
  assert.equal(second.code, 0);
  assert.match(second.stderr, /consul: 0 key\(s\) written, 0 deleted/);
});

test('--watch re-imports when the generator replaces the file, and stops on SIGTERM', async () => {
  const file = join(dir, 'watched.cfg');
  const config = (server: string) => ['defaults', '  mode http', 'frontend fe', '  bind :80', '  default_backend be', 'backend be', `  server s ${server}`, ''].join('\n');
  writeFileSync(file, config('10.0.0.1:80'));
  const child = spawn(BIN, ['import', 'haproxy', file, '--watch', `--providers.consul.endpoints=${double.address}`, '--providers.consul.rootKey=watched'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = async () => (await store.list('watched/')).entries.get('watched/http/services/be/loadBalancer/servers/s/url');
  const until = async (wanted: string) => {
    for (let i = 0; i < 200 && (await url()) !== wanted; i++) await sleep(50);
    assert.equal(await url(), wanted, stderr);
  };
  try {
    await until('http://10.0.0.1:80');
    for (let i = 0; i < 100 && !stderr.includes('watching'); i++) await sleep(50);
    // Generators write a temporary file and rename it over the old one.
    writeFileSync(`${file}.tmp`, config('10.0.0.2:80'));
    renameSync(`${file}.tmp`, file);
    await until('http://10.0.0.2:80');
    // A half-written file is reported and skipped; the previous keys stay.
    writeFileSync(file, 'frontend fe\n  acl a path "/x\n');
    await sleep(800);
    assert.equal(await url(), 'http://10.0.0.2:80');
    assert.match(stderr, /SY_HAPROXY_PARSE.*previous import stays/);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
