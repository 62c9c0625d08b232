/**
 * An upstream that sends more than the answer asked for (bytes after a chunked answer, a body after
 * the answer to HEAD) must never have those bytes reach anyone: the connection that carried them is
 * not reused, and the next request, from another client, gets its own answer. On the fast path the
 * extra bytes were parsed as a next answer and given to whichever exchange reused the connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RawHttpClient } from '../support/raw-http-client.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';

/** Answers each request on a connection in turn; `answers[i]` is written whole for the i-th request overall. */
async function scriptedUpstream(answers: readonly string[]): Promise<{ server: Server; port: number; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        buffered = buffered.slice(end + 4);
        const answer = answers[count] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh';
        count += 1;
        socket.write(answer);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests: () => count,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const STALE = 'HTTP/1.1 200 OK\r\nContent-Length: 60\r\nX-Stale: yes\r\n\r\nEVIL';

for (const fastPath of [true, false]) {
  describe(fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)', () => {
    for (const [name, first, method] of [
      ['a whole answer after a chunked one', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${STALE}`, 'GET'],
      ['the start of an answer after a chunked one', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Le', 'GET'],
      ['a body after the answer to HEAD', `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello${STALE}`, 'HEAD'],
    ] as const) {
      describe(name, () => {
        let upstream: Awaited<ReturnType<typeof scriptedUpstream>>;
        let node: TestNode;
        before(async () => {
          upstream = await scriptedUpstream([first]);
          node = await startTestNode(`
http:
  routers:
    all:
      rule: PathPrefix(\`/\`)
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${upstream.port}
`, ['--workers=1'], { fastPath });
        });
        after(async () => {
          await node.stop();
          await upstream.close();
        });

        test('the next client gets its own answer, never the extra bytes', async () => {
          const one = await RawHttpClient.open(node.web);
          one.send(`${method} /one HTTP/1.1\r\nhost: a.test\r\n\r\n`);
          const first = await one.response(method === 'HEAD');
          assert.equal(first.status, 200);
          if (method === 'GET') assert.equal(first.body.toString(), 'hello');
          one.socket.destroy();
          const two = await RawHttpClient.open(node.web);
          try {
            two.send('GET /two HTTP/1.1\r\nhost: a.test\r\n\r\n');
            const second = await two.response();
            assert.equal(second.status, 200);
            assert.equal(second.headers['x-stale'], undefined);
            assert.equal(second.body.toString(), 'fresh');
          } finally {
            two.socket.destroy();
          }
          assert.equal(upstream.requests(), 2);
        });
      });
    }
  });
}
