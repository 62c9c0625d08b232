/**
 * The command line as operators use it: exit codes and messages of `run` and `check`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));

function run(args: string[]) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('run with a bad flag exits 2 and names the flag', () => {
  const r = run(['run', '--entryPoints.web.address=oops']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--entryPoints\.web\.address/);
});

test('an unknown command exits 2', () => {
  assert.equal(run(['frobnicate']).code, 2);
});

test('check exits 1 and prints the broken router\'s key; the good one is fine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-check-'));
  const file = join(dir, 'dynamic.yaml');
  writeFileSync(file, `
http:
  routers:
    good:
      rule: Host(\`good.test\`)
      service: svc
    broken:
      rule: Host(\`broken.test\`) &&
      service: svc
  services:
    svc:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:1
`);
  const r = run(['check', `--providers.file.filename=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`error +${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/http/routers/broken/rule: .*\\(SY_RULE_SYNTAX\\)`));
  assert.doesNotMatch(r.stdout, /routers\/good/);
});

test('check exits 0 on a valid file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-check-'));
  const file = join(dir, 'dynamic.yaml');
  writeFileSync(file, 'http:\n  routers:\n    r:\n      rule: Path(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n');
  const r = run(['check', `--providers.file.filename=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('bad static input exits 2 with a message naming the flag, before any store or port is touched', () => {
  const cases: [string[], RegExp][] = [
    [['--entryPoints.web.address=:8081', '--entryPoints.web.http.redirections.entryPoint.to=nosuch'], /--entryPoints\.web\.http\.redirections\.entryPoint\.to/],
    [['--providers.etcd.endpoints=127.0.0.1:1', '--providers.consul.endpoints=127.0.0.1:2'], /--providers\.consul\.endpoints/],
    [['--entryPoints.web.address=:99999'], /--entryPoints\.web\.address/],
    [['--providers.etcd.endpoints='], /--providers\.etcd\.endpoints/],
    [['--entryPoints.web.address=127.0.0.1:0', '--certificatesResolvers.le.acme.httpChallenge.entryPoint=nosuch', '--providers.etcd.endpoints=127.0.0.1:1'], /--certificatesResolvers\.le\.acme\.httpChallenge\.entryPoint/],
  ];
  for (const [args, flag] of cases) {
    for (const command of ['run', 'check']) {
      const r = run([command, ...args]);
      assert.equal(r.code, 2, `${command} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, flag);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  }
});
