/**
 * WebSocket through the proxy: the upgrade handshake reaches the upstream with forwarded headers,
 * the 101 comes back, and frames flow both ways over the joined sockets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let node: TestNode;
let upgradeHeaders: Record<string, string | string[] | undefined> = {};

before(async () => {
  upstream = await startUpstream('ws');
  upstream.server.on('upgrade', (req, socket) => {
    upgradeHeaders = req.headers;
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    // Echo every byte back, upper-cased, so the test sees the upstream really handled it.
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
  });
  node = await startTestNode(`
http:
  routers:
    ws:
      rule: Path(\`/socket\`)
      service: ws
  services:
    ws:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`);
});

after(async () => {
  await node.stop();
  await upstream.close();
});

test('an upgrade is tunnelled to the upstream and data flows both ways', async () => {
  const socket = connect(node.web, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /socket HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let text = '';
  const until = (needle: string) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${needle} in ${JSON.stringify(text)}`)), 5_000);
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.includes(needle)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  await until('\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 101 /);
  assert.match(text, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
  assert.equal(upgradeHeaders['upgrade'], 'websocket');
  assert.equal(upgradeHeaders['x-forwarded-proto'], 'ws');
  assert.equal(upgradeHeaders['x-forwarded-for'], '127.0.0.1');
  socket.write('hello over the tunnel');
  await until('HELLO OVER THE TUNNEL');
  socket.destroy();
});

test('an upgrade with no matching router gets a 404', async () => {
  const socket = connect(node.web, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /nowhere HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  const reply = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
  });
  assert.match(reply, /^HTTP\/1\.1 404 /);
});
