/**
 * TLS on the entry points: one port serves both protocols (the first byte decides), SNI picks the
 * certificate (exact, wildcard, else the generated default), `tls` routers answer only over TLS and
 * the others only over plain HTTP, certificates change without a restart, and an entry point can
 * redirect plain requests to the TLS one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { selfSignedCertificate, type PemPair } from '../../src/tls/self-signed.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { closedPort, startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 10 });
let upstream: TestUpstream;
let node: TestNode;
let secure: PemPair;
let wildcard: PemPair;
let websecurePort: number;

const indent = (pem: string, spaces: number) => pem.trim().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

function config(extraCert?: PemPair): string {
  const certs = [secure, wildcard, ...(extraCert === undefined ? [] : [extraCert])];
  return `
http:
  routers:
    secure:
      rule: Host(\`secure.test\`) || Host(\`a.wild.test\`)
      service: svc
      tls: {}
    plain:
      rule: Host(\`plain.test\`)
      service: svc
  services:
    svc:
      loadBalancer:
        servers:
          - url: ${upstream.url}
tls:
  certificates:
${certs.map((c) => `    - certFile: |\n${indent(c.certPem, 8)}\n      keyFile: |\n${indent(c.keyPem, 8)}`).join('\n')}
`;
}

/** The certificate a TLS client is shown for `servername` on `port`. */
function peerCertificate(port: number, servername?: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

before(async () => {
  upstream = await startUpstream('up');
  secure = await selfSignedCertificate('secure.test');
  wildcard = await selfSignedCertificate('wild.test', ['*.wild.test']);
  websecurePort = await closedPort();
  node = await startTestNode(config(), [
    `--entryPoints.websecure.address=127.0.0.1:${websecurePort}`,
    '--entryPoints.redirecting.address=127.0.0.1:0',
    '--entryPoints.redirecting.http.redirections.entryPoint.to=websecure',
  ]);
});

after(async () => {
  await node.stop();
  await upstream.close();
  await agent.close();
});

async function get(url: string, host: string) {
  const res = await request(url, { headers: { host }, dispatcher: agent });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

test('one port, both protocols: a tls router answers over TLS only, a plain one over HTTP only', async () => {
  const https = `https://127.0.0.1:${node.web}/`;
  const http = `http://127.0.0.1:${node.web}/`;
  assert.equal((await get(https, 'secure.test')).status, 200);
  assert.equal((await get(http, 'secure.test')).status, 404);
  assert.equal((await get(http, 'plain.test')).status, 200);
  assert.equal((await get(https, 'plain.test')).status, 404);
});

test('SNI picks the certificate: exact, wildcard, else the generated default', async () => {
  assert.equal((await peerCertificate(node.web, 'secure.test')).subject.CN, 'secure.test');
  assert.equal((await peerCertificate(node.web, 'a.wild.test')).subject.CN, 'wild.test');
  assert.equal((await peerCertificate(node.web, 'unknown.test')).subject.CN, 'TRAEFIK DEFAULT CERT');
  assert.equal((await peerCertificate(node.web)).subject.CN, 'TRAEFIK DEFAULT CERT');
});

test('X-Forwarded-Proto is https over TLS, and the client address is the real one', async () => {
  upstream.seen.length = 0;
  await get(`https://127.0.0.1:${node.web}/`, 'secure.test');
  assert.equal(upstream.seen[0]!.headers['x-forwarded-proto'], 'https');
  assert.equal(upstream.seen[0]!.headers['x-forwarded-for'], '127.0.0.1');
});

test('a new certificate applies without a restart', async () => {
  const fresh = await selfSignedCertificate('fresh.test');
  await node.writeConfig(config(fresh));
  assert.equal((await peerCertificate(node.web, 'fresh.test')).subject.CN, 'fresh.test');
});

test('entry-point redirection sends plain requests to the TLS entry point, Traefik codes', async () => {
  const port = node.node.ports.get('redirecting')!;
  const res = await get(`http://127.0.0.1:${port}/path?q=1`, 'secure.test');
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, `https://secure.test:${websecurePort}/path?q=1`);
  const post = await request(`http://127.0.0.1:${port}/form`, { method: 'POST', body: 'x', headers: { host: 'secure.test' }, dispatcher: agent });
  await post.body.dump();
  assert.equal(post.statusCode, 308);
});

test('TLS options: maxVersion and Go cipher-suite names apply to TLS 1.2 connections', async () => {
  await node.writeConfig(`${config()}
  options:
    default:
      maxVersion: VersionTLS12
      cipherSuites:
        - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
`);
  const cipher = await new Promise<{ name: string; version: string }>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: node.web, servername: 'secure.test', rejectUnauthorized: false }, () => {
      resolve({ name: socket.getCipher().name, version: socket.getProtocol() ?? '' });
      socket.end();
    });
    socket.on('error', reject);
  });
  assert.equal(cipher.version, 'TLSv1.2');
  assert.equal(cipher.name, 'ECDHE-ECDSA-AES128-GCM-SHA256');
});
