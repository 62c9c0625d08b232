/**
 * Routers' named TLS options on a real node, as Traefik applies them: a connection gets the options
 * of the host its ClientHello names (minimum version, client certificates), other names the default
 * options; a request whose Host asks for other options than the handshake's name gets 421
 * Misdirected Request and never reaches the upstream (no handshake under an open name, then a
 * request to a host that demands a certificate); a ClientHello split over two reads still gets its
 * host's options; every Host() of a rule claims its host (wildcards their subdomains); and a host
 * whose router names options that do not exist is refused rather than served under the defaults by
 * another router. Through the fast path and through node:http.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { type PemPair } from '../../src/tls/self-signed.ts';
import { startTestNode, waitFor, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { certificateAuthority } from './certificate-authority.ts';

const indent = (pem: string, spaces: number) => pem.trim().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

let upstream: TestUpstream;
let ca: PemPair;
let client: PemPair;

before(async () => {
  upstream = await startUpstream('up');
  const authority = await certificateAuthority('per-host options test CA');
  ca = authority;
  client = await authority.issue('a client');
});

after(async () => {
  await upstream.close();
});

function config(): string {
  return `
http:
  routers:
    open:
      rule: Host(\`open.test\`)
      service: svc
      tls: {}
    locked:
      rule: Host(\`locked.test\`)
      service: svc
      tls:
        options: mtls
    modern:
      rule: Host(\`modern.test\`)
      service: svc
      tls:
        options: modern
    either:
      rule: Host(\`either.test\`) || PathPrefix(\`/either\`)
      service: svc
      tls:
        options: mtls
    wild:
      rule: Host(\`*.wild.test\`)
      service: svc
      tls:
        options: mtls
    admin:
      rule: Host(\`admin.wild.test\`)
      service: svc
      tls: {}
    broken:
      rule: Host(\`broken.test\`)
      service: svc
      tls:
        options: nosuch
    inside:
      rule: Host(\`inside.test\`)
      entryPoints: [internal]
      service: svc
      tls:
        options: mtls
    anything:
      rule: PathPrefix(\`/\`)
      priority: 1
      service: svc
      tls: {}
  services:
    svc:
      loadBalancer:
        servers:
          - url: ${upstream.url}
tls:
  options:
    mtls:
      clientAuth:
        caFiles:
          - |
${indent(ca.certPem, 12)}
    modern:
      minVersion: VersionTLS13
`;
}

interface Request {
  readonly sni?: string | undefined;
  readonly host: string;
  readonly path?: string;
  readonly cert?: PemPair | undefined;
  readonly maxVersion?: ConnectionOptions['maxVersion'];
  /** Sends the ClientHello in two writes, 30 ms apart (the second holds the server name). */
  readonly splitHello?: boolean;
}

/** The status code of one HTTPS request on a fresh connection, or `refused` (handshake failed or closed unanswered). */
function request(port: number, r: Request): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const options: ConnectionOptions = {
      rejectUnauthorized: false,
      ...(r.sni === undefined ? {} : { servername: r.sni }),
      ...(r.cert === undefined ? {} : { cert: r.cert.certPem, key: r.cert.keyPem }),
      ...(r.maxVersion === undefined ? {} : { maxVersion: r.maxVersion }),
    };
    const raw = netConnect({ host: '127.0.0.1', port });
    // Over a JS stream the TLS layer's writes pass through here (over a net.Socket they would go
    // to its handle natively), so the first one, the ClientHello, can be cut in two.
    let first = r.splitHello === true;
    const relay = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        if (!first) return void raw.write(chunk, callback);
        first = false;
        raw.write(chunk.subarray(0, 40));
        setTimeout(() => raw.write(chunk.subarray(40), callback), 30);
      },
      read() {},
      final(callback) {
        raw.end();
        callback();
      },
    });
    raw.on('data', (chunk: Buffer) => relay.push(chunk));
    raw.on('end', () => relay.push(null));
    raw.on('error', () => relay.destroy());
    raw.on('close', () => relay.destroy());
    const socket = tlsConnect({ ...options, socket: relay }, () => {
      socket.write(`GET ${r.path ?? '/'} HTTP/1.1\r\nHost: ${r.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'refused'));
  });
}

for (const fastPath of [true, false]) {
  describe(`TLS options per host (${fastPath ? 'fast path' : 'node:http'})`, () => {
    let node: TestNode;

    before(async () => {
      node = await startTestNode(config(), ['--entryPoints.internal.address=127.0.0.1:0'], { fastPath });
      for (const router of ['open', 'locked', 'modern', 'either', 'wild', 'admin', 'inside', 'anything']) assert.equal(node.node.controlPlane.view.routers.get(`${router}@file`)?.status, 'enabled', router);
      assert.equal(node.node.controlPlane.view.routers.get('broken@file')?.status, 'disabled');
    });

    after(async () => {
      await node.stop();
    });

    it("a host's named options demand a client certificate; the default options' hosts do not", async () => {
      assert.equal(await request(node.web, { sni: 'open.test', host: 'open.test' }), '200');
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'locked.test' }), 'refused');
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'locked.test', cert: client }), '200');
      // Names are case-insensitive, in the ClientHello as in the Host header.
      assert.equal(await request(node.web, { sni: 'LOCKED.test', host: 'Locked.Test', cert: client }), '200');
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'locked.test:443', cert: client }), '200', 'a port in Host is not part of the name');
      assert.equal(await request(node.web, { sni: 'Locked.Test', host: 'locked.test' }), 'refused');
    });

    it('a Host() anywhere in the rule claims its host, a wildcard Host() its subdomains', async () => {
      assert.equal(await request(node.web, { sni: 'either.test', host: 'either.test' }), 'refused');
      assert.equal(await request(node.web, { sni: 'either.test', host: 'either.test', cert: client }), '200');
      assert.equal(await request(node.web, { sni: 'a.wild.test', host: 'a.wild.test' }), 'refused');
      assert.equal(await request(node.web, { sni: 'a.wild.test', host: 'a.wild.test', cert: client }), '200');
      // An exact host of a router with the default options is not the wildcard's.
      assert.equal(await request(node.web, { sni: 'admin.wild.test', host: 'admin.wild.test' }), '200');
    });

    it('a router serves TLS requests only on connections handshaken under the options it names, whatever else its rule matches', async () => {
      const seen = upstream.seen.length;
      // `either` (mtls) matches /either on any host, `wild` (mtls) any subdomain of wild.test.
      assert.equal(await request(node.web, { sni: 'open.test', host: 'open.test', path: '/either' }), '421');
      assert.equal(await request(node.web, { sni: 'admin.wild.test', host: 'admin.wild.test', path: '/either' }), '421');
      assert.equal(upstream.seen.length, seen, 'nothing reached the upstream');
      assert.equal(await request(node.web, { sni: 'either.test', host: 'either.test', path: '/either', cert: client }), '200');
    });

    it('a host whose router names options that do not exist is refused, not served under the defaults by another router', async () => {
      // `anything` (PathPrefix(/), default options) would match it.
      assert.equal(await request(node.web, { sni: 'broken.test', host: 'broken.test' }), 'refused');
      assert.equal(await request(node.web, { sni: 'open.test', host: 'broken.test' }), '421');
      assert.equal(await request(node.web, { sni: 'elsewhere.test', host: 'elsewhere.test' }), '200', 'an unclaimed name: default options, the catch-all router');
    });

    it("a host's options are its routers' on that entry point only", async () => {
      const internal = node.node.ports.get('internal')!;
      assert.equal(await request(internal, { sni: 'inside.test', host: 'inside.test' }), 'refused');
      assert.equal(await request(internal, { sni: 'inside.test', host: 'inside.test', cert: client }), '200');
      // On web no router claims inside.test: the default options, and the catch-all router answers.
      assert.equal(await request(node.web, { sni: 'inside.test', host: 'inside.test' }), '200');
    });

    it("a host's named minimum version refuses older clients; other hosts accept them", async () => {
      assert.equal(await request(node.web, { sni: 'modern.test', host: 'modern.test', maxVersion: 'TLSv1.2' }), 'refused');
      assert.equal(await request(node.web, { sni: 'modern.test', host: 'modern.test' }), '200');
      assert.equal(await request(node.web, { sni: 'open.test', host: 'open.test', maxVersion: 'TLSv1.2' }), '200');
    });

    it('a Host asking for other options than the handshake name gets 421 and never reaches the upstream', async () => {
      const seen = upstream.seen.length;
      assert.equal(await request(node.web, { sni: 'open.test', host: 'locked.test' }), '421');
      assert.equal(await request(node.web, { host: 'locked.test' }), '421', 'no SNI: the default options');
      assert.equal(await request(node.web, { sni: 'open.test', host: 'modern.test', maxVersion: 'TLSv1.2' }), '421');
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'open.test', cert: client }), '421', 'the other way round too, as Traefik');
      assert.equal(upstream.seen.length, seen, 'no misdirected request reached the upstream');
      // Same options on both sides: served (by the catch-all router).
      assert.equal(await request(node.web, { sni: 'open.test', host: 'unclaimed.test' }), '200');
    });

    it("a ClientHello split over two reads still gets its host's options", async () => {
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'locked.test', splitHello: true }), 'refused');
      assert.equal(await request(node.web, { sni: 'locked.test', host: 'locked.test', cert: client, splitHello: true }), '200');
      assert.equal(await request(node.web, { sni: 'open.test', host: 'open.test', splitHello: true }), '200');
    });
  });
}

describe('draining TLS connections', () => {
  for (const fastPath of [true, false]) {
    it(`a drain lets an HTTPS answer in flight finish and closes a connection still sending its ClientHello (${fastPath ? 'fast path' : 'node:http'})`, async () => {
      let seen = 0;
      const slow = createServer((_req, res) => {
        seen += 1;
        setTimeout(() => res.end('late'), 300);
      });
      slow.listen(0, '127.0.0.1');
      await once(slow, 'listening');
      const yaml = `
http:
  routers:
    slow:
      rule: Host(\`slow.test\`)
      service: slow
      tls: {}
  services:
    slow:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${(slow.address() as AddressInfo).port}
`;
      const node = await startTestNode(yaml, [], { fastPath });
      try {
        const answer = request(node.web, { sni: 'slow.test', host: 'slow.test' });
        // A record header announcing 512 bytes of ClientHello, and nothing more.
        const partial = netConnect({ host: '127.0.0.1', port: node.web });
        partial.on('error', () => {});
        const closed = once(partial, 'close');
        partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
        await waitFor(() => seen === 1, 5_000, 'the request to reach the upstream');
        const order: string[] = [];
        void closed.then(() => order.push('half-sent ClientHello closed'));
        void answer.then(() => order.push('answer in flight finished'));
        await node.stop();
        await closed;
        assert.equal(await answer, '200');
        // At the start of the drain: it carries no request to wait for.
        assert.deepEqual(order, ['half-sent ClientHello closed', 'answer in flight finished']);
      } finally {
        slow.close();
      }
    });
  }
});
