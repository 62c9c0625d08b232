/**
 * When the response head leaves the proxy: with the body when both arrive together (one write), and
 * at once when the upstream sends its head and holds the body back (long polls, event streams).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let node: TestNode;

before(async () => {
  upstream = await startUpstream('late');
  upstream.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    setTimeout(() => res.end('data: late\n\n'), 800);
  };
  node = await startTestNode(`
http:
  routers:
    late:
      rule: Host(\`late.test\`)
      service: late
  services:
    late:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`);
});

after(async () => {
  await node.stop();
  await upstream.close();
});

test('the head is relayed before a body the upstream holds back', async () => {
  const socket = connect(node.web, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const started = Date.now();
  socket.write('GET / HTTP/1.1\r\nHost: late.test\r\n\r\n');
  let text = '';
  const headAt = await new Promise<number>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\r\n\r\n')) resolve(Date.now() - started);
    });
  });
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.ok(headAt < 600, `head after ${headAt} ms, before the body's 800 ms`);
  await new Promise<void>((resolve) => {
    const check = () => (text.includes('data: late') ? resolve() : undefined);
    socket.on('data', check);
    check();
  });
  socket.destroy();
});
