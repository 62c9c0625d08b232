/**
 * Session tickets shared by the cluster: a client that did a full handshake with one node resumes
 * its TLS session on another node (behind DNS, the next connection may land anywhere), and on
 * another worker thread of the same node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { selfSignedCertificate } from '../../src/tls/self-signed.ts';
import { etcd3Options, startEtcd, type EtcdServer } from '../support/etcd/index.ts';
import { startNodes, stopNodes } from '../support/cluster.ts';
import type { NodeProcess } from '../support/node-process.ts';

let etcd: EtcdServer;
let client: Etcd3;
let nodes: NodeProcess[];

function handshake(port: number, session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    const socket = connect({ host: '127.0.0.1', port, servername: 'resume.test', rejectUnauthorized: false, ...(session === undefined ? {} : { session }) });
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.once('secureConnect', () => {
      // TLS 1.3 sends the ticket after the handshake: give it a moment to arrive.
      setTimeout(() => {
        resolve({ reused: socket.isSessionReused(), session: ticket });
        socket.end();
      }, 50);
    });
    socket.on('error', reject);
  });
}

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3(etcd3Options(etcd));
  const cert = await selfSignedCertificate('resume.test');
  await client.put('traefik/tls/certificates/resume/certFile').value(cert.certPem).exec();
  await client.put('traefik/tls/certificates/resume/keyFile').value(cert.keyPem).exec();
  nodes = await startNodes(2, [`--providers.etcd.endpoints=${etcd.endpoints.join(',')}`, '--workers=2']);
});

after(async () => {
  await stopNodes(nodes);
  client.close();
  await etcd.close();
});

test('a session from one node resumes on the other node', async () => {
  // The cluster leader publishes the keys shortly after start; every node then uses them.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const first = await handshake(nodes[0]!.ports.web!);
    assert.equal(first.reused, false);
    assert.ok(first.session !== undefined, 'the server issued a session ticket');
    const other = await handshake(nodes[1]!.ports.web!, first.session);
    if (other.reused) break;
    if (Date.now() > deadline) assert.fail('a ticket from node 1 never resumed on node 2');
    await new Promise((r) => setTimeout(r, 200));
  }
  // And repeatedly, so both worker threads of each node take part.
  for (let i = 0; i < 6; i++) {
    const first = await handshake(nodes[i % 2]!.ports.web!);
    const resumed = await handshake(nodes[(i + 1) % 2]!.ports.web!, first.session);
    assert.equal(resumed.reused, true, `round ${i}`);
  }
});
