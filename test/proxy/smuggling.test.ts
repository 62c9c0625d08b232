/**
 * Request-smuggling probes: ambiguous or malformed framing gets a 400 or a closed connection, and
 * never reaches an upstream. Run on the fast path and on the full node:http path alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { probes } from './smuggling-probes.ts';


for (const fastPath of [true, false]) {
  describe(fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)', () => {
    let upstream: TestUpstream;
    let node: TestNode;

    before(async () => {
      upstream = await startUpstream('up');
      node = await startTestNode(
        `
http:
  routers:
    all:
      rule: PathPrefix(\`/\`)
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - url: ${upstream.url}
`,
        [],
        { fastPath },
      );
    });

    after(async () => {
      await node.stop();
      await upstream.close();
    });

    /** Sends raw bytes; resolves with what came back before the connection closed (or 2 s passed). */
    function exchange(bytes: string): Promise<string> {
      return new Promise((resolve) => {
        const socket = connect(node.web, '127.0.0.1');
        let reply = '';
        const timer = setTimeout(() => socket.destroy(), 2_000);
        socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(reply);
        });
        socket.on('error', () => {});
        socket.write(bytes);
      });
    }

    for (const [name, bytes] of probes) {
      test(`${name}: 400 or closed, never upstream`, async () => {
        upstream.seen.length = 0;
        const reply = await exchange(bytes);
        assert.ok(reply === '' || /^HTTP\/1\.1 400 /.test(reply), `unexpected answer: ${JSON.stringify(reply.slice(0, 60))}`);
        assert.equal(upstream.seen.length, 0, `reached the upstream: ${JSON.stringify(upstream.seen.map((s) => s.url))}`);
      });
    }

    test('a well-formed request on the same kind of connection does reach the upstream (the probes are meaningful)', async () => {
      upstream.seen.length = 0;
      const reply = await exchange('POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
      assert.match(reply, /^HTTP\/1\.1 200 /);
      assert.equal(upstream.seen.length, 1);
    });
  });
}
