/**
 * Certificates and TLS options that cannot serve are reported with the key at fault (decode time for
 * inline PEM, build time for files), instead of being listed as served while SNI falls back to the
 * generated default certificate.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeKeyValues } from '../../src/config/decode.ts';
import { buildRuntime } from '../../src/runtime/build-runtime.ts';
import { readPemValue } from '../../src/tls/certificate-pem.ts';
import { selfSignedCertificate, type PemPair } from '../../src/tls/self-signed.ts';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));

let a: PemPair;
let b: PemPair;
before(async () => {
  [a, b] = await Promise.all([selfSignedCertificate('a.test'), selfSignedCertificate('b.test')]);
});

function build(pairs: Record<string, string>) {
  const decoded = decodeKeyValues(Object.entries(pairs), 'traefik');
  return buildRuntime({
    revision: 1,
    providers: new Map([['etcd', { decoded, root: 'traefik' }]]),
    entryPoints: ['websecure'],
    defaultEntryPoints: ['websecure'],
    defaultRuleSyntax: 'v3',
    readPem: readPemValue,
  });
}

const problemKeys = (problems: readonly { code: string; key?: string | undefined }[]) => problems.map((p) => `${p.code} ${p.key}`).sort();

describe('TLS certificate and option errors', () => {
  it('an inline key that is not the certificate\'s is an error on keyFile, and the pair is not served', () => {
    const { view, snapshot } = build({ 'traefik/tls/certificates/x/certFile': a.certPem, 'traefik/tls/certificates/x/keyFile': b.keyPem });
    assert.deepEqual(problemKeys(view.problems), ['SY_TLS_CERTIFICATE traefik/tls/certificates/x/keyFile']);
    assert.match(view.problems[0]!.message, /does not belong to the certificate/);
    assert.deepEqual(snapshot.tls.certificates, []);
  });

  it('a matching inline pair is served without problems', () => {
    const { view, snapshot } = build({ 'traefik/tls/certificates/x/certFile': a.certPem, 'traefik/tls/certificates/x/keyFile': a.keyPem });
    assert.deepEqual(view.problems, []);
    assert.equal(snapshot.tls.certificates.length, 1);
  });

  it('a certFile without keyFile is reported as missing, not dropped silently', () => {
    const { view } = build({ 'traefik/tls/certificates/onlycert/certFile': a.certPem });
    assert.deepEqual(problemKeys(view.problems), ['SY_KEY_MISSING traefik/tls/certificates/onlycert/keyFile']);
  });

  it('an unknown TLS version in any options set is reported', () => {
    const { view } = build({ 'traefik/tls/options/strict/minVersion': 'VersionTLS99' });
    assert.deepEqual(problemKeys(view.problems), ['SY_KEY_INVALID traefik/tls/options/strict/minVersion']);
  });

  it('files are checked once read: a mismatched pair names keyFile, text that is not PEM names certFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-pem-'));
    writeFileSync(join(dir, 'a.crt'), a.certPem);
    writeFileSync(join(dir, 'b.key'), b.keyPem);
    writeFileSync(join(dir, 'junk.crt'), 'not a pem');
    const { view } = build({
      'traefik/tls/certificates/mismatch/certFile': join(dir, 'a.crt'),
      'traefik/tls/certificates/mismatch/keyFile': join(dir, 'b.key'),
      'traefik/tls/certificates/junk/certFile': join(dir, 'junk.crt'),
      'traefik/tls/certificates/junk/keyFile': join(dir, 'b.key'),
    });
    assert.deepEqual(problemKeys(view.problems), [
      'SY_TLS_CERTIFICATE traefik/tls/certificates/junk/certFile',
      'SY_TLS_CERTIFICATE traefik/tls/certificates/mismatch/keyFile',
    ]);
  });

  it('switchyard check prints each of them with its key and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-check-tls-'));
    const file = join(dir, 'dynamic.json');
    writeFileSync(file, JSON.stringify({
      tls: {
        certificates: [
          { certFile: a.certPem, keyFile: b.keyPem },
          { certFile: a.certPem },
          { certFile: 'not a pem', keyFile: a.keyPem },
        ],
        options: { strict: { minVersion: 'VersionTLS99' } },
      },
    }));
    const r = spawnSync(BIN, ['check', `--providers.file.filename=${file}`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    for (const key of ['tls/certificates/0/keyFile', 'tls/certificates/1/keyFile', 'tls/certificates/2/certFile', 'tls/options/strict/minVersion']) {
      assert.match(r.stdout, new RegExp(`error +\\S*/${key}: `), `${key} in:\n${r.stdout}`);
    }
  });
});
