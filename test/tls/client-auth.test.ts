/**
 * Client-certificate authentication (`tls/options/default/clientAuth`) on a real node, with Traefik's
 * (Go's) semantics per clientAuthType: a client without a certificate, with one signed by the
 * configured CA and with one signed by another CA is either answered or refused before any HTTP
 * (the handshake fails, or the connection is closed right after it), and a refused one never
 * reaches the upstream. Both through the fast path and through node:http; by SNI and without it;
 * a resumed session keeps the certificate of its first handshake and cannot skip a newer demand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { selfSignedCertificate, type PemPair } from '../../src/tls/self-signed.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { certificateAuthority } from './certificate-authority.ts';

const indent = (pem: string, spaces: number) => pem.trim().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

let upstream: TestUpstream;
let server: PemPair;
let ca: PemPair;
let good: PemPair;
let foreign: PemPair;

before(async () => {
  upstream = await startUpstream('up');
  server = await selfSignedCertificate('secure.test');
  const authority = await certificateAuthority('switchyard test client CA');
  const other = await certificateAuthority('another CA');
  ca = authority;
  good = await authority.issue('good client');
  foreign = await other.issue('foreign client');
});

after(async () => {
  await upstream.close();
});

/** The dynamic configuration with `clientAuth` lines (YAML under `options.default`), if any. */
function config(clientAuth: string | undefined): string {
  return `
http:
  routers:
    secure:
      rule: Host(\`secure.test\`)
      service: svc
      tls: {}
  services:
    svc:
      loadBalancer:
        servers:
          - url: ${upstream.url}
tls:
  certificates:
    - certFile: |
${indent(server.certPem, 8)}
      keyFile: |
${indent(server.keyPem, 8)}
${clientAuth === undefined ? '' : `  options:\n    default:\n      clientAuth:\n${clientAuth}`}
`;
}

interface Attempt {
  /** `200` (the status line's code) or `refused` (handshake failed, or closed with no answer). */
  readonly outcome: string;
  readonly reused: boolean;
  readonly session: Buffer | undefined;
}

/** One HTTPS request over a fresh connection, by SNI (secure.test) or without it. */
function attempt(port: number, cert: PemPair | undefined, options: { sni?: boolean; session?: Buffer } = {}): Promise<Attempt> {
  return new Promise((resolve) => {
    let answer = '';
    let reused = false;
    let session: Buffer | undefined;
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      ...(options.sni === false ? {} : { servername: 'secure.test' }),
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
      ...(options.session === undefined ? {} : { session: options.session }),
    }, () => {
      reused = socket.isSessionReused();
      socket.write('GET / HTTP/1.1\r\nHost: secure.test\r\nConnection: close\r\n\r\n');
    });
    socket.on('session', (s: Buffer) => (session = s));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ outcome: status ?? 'refused', reused, session });
    });
  });
}

const CASES: ReadonlyArray<{ name: string; clientAuth: (caPath: string) => string | undefined; none: string; good: string; foreign: string }> = [
  { name: 'no clientAuth', clientAuth: () => undefined, none: '200', good: '200', foreign: '200' },
  { name: 'NoClientCert (caFiles ignored)', clientAuth: (caPath) => `        clientAuthType: NoClientCert\n        caFiles: [${caPath}]\n`, none: '200', good: '200', foreign: '200' },
  { name: 'RequestClientCert', clientAuth: () => '        clientAuthType: RequestClientCert\n', none: '200', good: '200', foreign: '200' },
  { name: 'RequireAnyClientCert', clientAuth: () => '        clientAuthType: RequireAnyClientCert\n', none: 'refused', good: '200', foreign: '200' },
  { name: 'VerifyClientCertIfGiven (inline CA)', clientAuth: () => `        clientAuthType: VerifyClientCertIfGiven\n        caFiles:\n          - |\n${indent(ca.certPem, 12)}\n`, none: '200', good: '200', foreign: 'refused' },
  { name: 'RequireAndVerifyClientCert (CA file)', clientAuth: (caPath) => `        clientAuthType: RequireAndVerifyClientCert\n        caFiles: [${caPath}]\n`, none: 'refused', good: '200', foreign: 'refused' },
  { name: 'caFiles alone (RequireAndVerifyClientCert)', clientAuth: (caPath) => `        caFiles: [${caPath}]\n`, none: 'refused', good: '200', foreign: 'refused' },
];

for (const fastPath of [true, false]) {
  describe(`client certificates (${fastPath ? 'fast path' : 'node:http'})`, () => {
    let node: TestNode;
    let caPath: string;
    let current: string;
    // writeConfig waits for a new revision, and an unchanged file makes none.
    const apply = async (yaml: string) => {
      if (yaml !== current) await node.writeConfig(yaml);
      current = yaml;
    };

    before(async () => {
      current = config(undefined);
      node = await startTestNode(current, [], { fastPath });
      caPath = join(node.dir, 'client-ca.pem');
      await writeFile(caPath, ca.certPem);
    });

    after(async () => {
      await node.stop();
    });

    for (const c of CASES) {
      it(`${c.name}: no certificate ${c.none}, the CA's ${c.good}, another CA's ${c.foreign}; by SNI and without`, async () => {
        await apply(config(c.clientAuth(caPath)));
        assert.equal(node.node.controlPlane.view.routers.get('secure@file')?.status, 'enabled');
        for (const sni of [true, false]) {
          const seen = upstream.seen.length;
          const outcomes = {
            none: (await attempt(node.web, undefined, { sni })).outcome,
            good: (await attempt(node.web, good, { sni })).outcome,
            foreign: (await attempt(node.web, foreign, { sni })).outcome,
          };
          assert.deepEqual(outcomes, { none: c.none, good: c.good, foreign: c.foreign }, `sni ${sni}`);
          const answered = Object.values(outcomes).filter((o) => o === '200').length;
          assert.equal(upstream.seen.length - seen, answered, 'a refused client never reaches the upstream');
        }
      });
    }

    it('a verified session resumes; a session from before the demand does not skip it', async () => {
      await apply(config('        clientAuthType: RequestClientCert\n'));
      const anonymous = await attempt(node.web, undefined);
      assert.equal(anonymous.outcome, '200');
      assert.ok(anonymous.session !== undefined);
      await apply(config(`        clientAuthType: RequireAndVerifyClientCert\n        caFiles: [${caPath}]\n`));
      assert.equal((await attempt(node.web, undefined, { session: anonymous.session })).outcome, 'refused');
      const first = await attempt(node.web, good);
      assert.equal(first.outcome, '200');
      assert.ok(first.session !== undefined);
      const resumed = await attempt(node.web, good, { session: first.session });
      assert.deepEqual({ outcome: resumed.outcome, reused: resumed.reused }, { outcome: '200', reused: true });
    });

    it('a verify type without caFiles disables the TLS routers, naming the key', async () => {
      await apply(config('        clientAuthType: RequireAndVerifyClientCert\n'));
      const info = node.node.controlPlane.view.routers.get('secure@file')!;
      assert.equal(info.status, 'disabled');
      assert.deepEqual(info.errors.map((e) => e.code), ['SY_ROUTER_TLS_OPTIONS']);
      assert.ok(node.node.controlPlane.view.problems.some((p) => p.code === 'SY_TLS_CLIENT_AUTH' && p.key?.endsWith('tls/options/default/clientAuth/clientAuthType')));
      assert.equal((await attempt(node.web, good)).outcome, '404');
    });
  });
}
