/**
 * What the upstream's request line and Host get, on both paths. The path is routed decoded but
 * must go upstream as a valid request target: an encoded CR LF may never become raw bytes in the
 * upstream request (header injection, request splitting), an encoded space is sent encoded (it
 * was a 502 on the full path), reserved escapes (`%2F`) stay as they came. Two Host headers are
 * refused with 400 (Go's rule): routing on one while forwarding the other would let a client reach
 * a backend through a router meant for another host.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawHttpClient } from '../support/raw-http-client.ts';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

for (const fastPath of [true, false]) {
  describe(fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)', () => {
    let upstream: TestUpstream;
    let node: TestNode;

    before(async () => {
      upstream = await startUpstream('up');
      node = await startTestNode(`
http:
  routers:
    public:
      rule: Host(\`public.test\`)
      service: s
    internal:
      rule: Host(\`internal.test\`) && ClientIP(\`10.0.0.0/8\`)
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`, [], { fastPath });
    });

    after(async () => {
      await node.stop();
      await upstream.close();
    });

    async function send(head: string): Promise<number> {
      const client = await RawHttpClient.open(node.web);
      try {
        client.send(head);
        return (await client.response()).status;
      } finally {
        client.socket.destroy();
      }
    }

    test('an encoded CR LF in the path stays encoded upstream: no injected header, no second request', async () => {
      upstream.seen.length = 0;
      assert.equal(await send('GET /x%0d%0aX-Injected:%20yes%0d%0a HTTP/1.1\r\nhost: public.test\r\n\r\n'), 200);
      assert.equal(upstream.seen.length, 1);
      assert.equal(upstream.seen[0]!.url, '/x%0D%0AX-Injected:%20yes%0D%0A');
      assert.equal(upstream.seen[0]!.headers['x-injected'], undefined);
    });

    test('encoded spaces, UTF-8 and reserved escapes reach the upstream as a valid target', async () => {
      for (const [sent, received] of [
        ['/a%20b', '/a%20b'],
        ['/caf%C3%A9?q=1', '/caf%C3%A9?q=1'],
        ['/a%2Fb', '/a%2Fb'],
        ['/%61dmin', '/admin'],
        ['/plain/path', '/plain/path'],
      ] as const) {
        upstream.seen.length = 0;
        assert.equal(await send(`GET ${sent} HTTP/1.1\r\nhost: public.test\r\n\r\n`), 200, sent);
        assert.equal(upstream.seen[0]?.url, received, sent);
      }
    });

    test('two Host headers are refused with 400 and never reach the upstream', async () => {
      upstream.seen.length = 0;
      assert.equal(await send('GET / HTTP/1.1\r\nhost: public.test\r\nhost: internal.test\r\n\r\n'), 400);
      assert.equal(await send('GET / HTTP/1.1\r\nhost: public.test\r\nx-a: 1\r\nHost: internal.test\r\n\r\n'), 400);
      assert.equal(upstream.seen.length, 0);
    });
  });
}
