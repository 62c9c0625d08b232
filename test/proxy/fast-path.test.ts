/**
 * What the fast path (src/proxy/fast-path/) must get right beyond the proxy suite: handing a
 * connection to node:http mid-stream, pipelining, upstream sockets closed between requests, large
 * bodies with backpressure, clients leaving mid-answer. Behaviours both paths share run on both.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startTestNode, waitFor, type TestNode } from '../support/test-node.ts';
import { RawHttpClient } from '../support/raw-http-client.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const BIG = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');
/** Bytes the /sized answers are cut from, each at its own offset: a byte relayed from the wrong read shows. */
const POOL = randomBytes(16 * 1024 * 1024);

/** Upstream state the tests look at. */
interface Observed {
  bigFinished: boolean;
  bigBackpressured: boolean;
  hangClosed: boolean;
}

function appUpstreamHandler(observed: Observed): TestUpstream['handler'] {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/upload')) {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (d: Buffer) => {
        hash.update(d);
        length += d.length;
      });
      req.on('end', () => res.end(`${length} ${hash.digest('hex')}`));
      return;
    }
    if (url.pathname.endsWith('/big')) {
      // Written with backpressure: a proxy that does not hold the whole body keeps this from finishing.
      let sent = 0;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (sent < BIG) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) {
            observed.bigBackpressured = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => (observed.bigFinished = true));
      };
      pump();
      return;
    }
    if (url.pathname.endsWith('/hang')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      res.once('close', () => (observed.hangClosed = true));
      return;
    }
    if (url.pathname.endsWith('/sized')) {
      // POOL bytes from `offset`, `n` of them, with a Content-Length or chunked, in writes of `piece` bytes.
      const n = Number(url.searchParams.get('n'));
      const offset = Number(url.searchParams.get('offset'));
      const piece = Number(url.searchParams.get('piece'));
      const body = POOL.subarray(offset, offset + n);
      if (url.searchParams.get('chunked') === null) res.setHeader('content-length', n);
      let at = 0;
      const pump = (): void => {
        if (at >= n) {
          res.end();
          return;
        }
        const part = body.subarray(at, at + piece);
        at += part.length;
        if (res.write(part)) setImmediate(pump);
        else res.once('drain', pump);
      };
      pump();
      return;
    }
    const delay = Number(url.searchParams.get('delay') ?? 0);
    res.setHeader('x-saw-proto', String(req.headers['x-forwarded-proto']));
    setTimeout(() => res.end(`saw ${req.url}`), delay);
  };
}

/** An upstream that answers the first request of each connection and drops the connection on the second, unanswered. */
async function startDroppingUpstream(): Promise<{ server: Server; url: string; requests: number }> {
  const state = { requests: 0 } as { server: Server; url: string; requests: number };
  const server = createServer((socket: Socket) => {
    let served = 0;
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + length) return;
        buffered = buffered.slice(end + length);
        state.requests += 1;
        served += 1;
        if (served > 1) {
          socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

const config = (app: string, dropping: string): string => `
http:
  routers:
    plain:
      rule: PathPrefix(\`/plain\`)
      service: app
    tagged:
      rule: PathPrefix(\`/mw\`)
      service: app
      middlewares: [tag]
    dropping:
      rule: PathPrefix(\`/drop\`)
      service: dropping
    securePlain:
      rule: PathPrefix(\`/plain\`)
      service: app
      tls: {}
    secureTagged:
      rule: PathPrefix(\`/mw\`)
      service: app
      middlewares: [tag]
      tls: {}
  middlewares:
    tag:
      headers:
        customResponseHeaders:
          X-Middleware: tagged
  services:
    app:
      loadBalancer:
        servers:
          - url: ${app}
    dropping:
      loadBalancer:
        servers:
          - url: ${dropping}
`;

for (const fastPath of [true, false]) {
  describe(fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)', () => {
    const observed: Observed = { bigFinished: false, bigBackpressured: false, hangClosed: false };
    let app: TestUpstream;
    let dropping: Awaited<ReturnType<typeof startDroppingUpstream>>;
    let node: TestNode;
    const agent = new Agent({ keepAliveTimeout: 10 });

    before(async () => {
      app = await startUpstream('app');
      app.handler = appUpstreamHandler(observed);
      dropping = await startDroppingUpstream();
      node = await startTestNode(config(app.url, dropping.url), [], { fastPath });
    });

    after(async () => {
      await node.stop();
      await app.close();
      await new Promise((resolve) => dropping.server.close(resolve));
      await agent.close();
    });

    test('on one kept-alive connection, a request that needs middlewares is answered by them, and the requests around it too', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        const answers = [];
        for (const path of ['/plain/1', '/mw/2', '/plain/3', '/mw/4']) {
          client.send(`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
          answers.push(await client.response());
        }
        assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
        assert.deepEqual(answers.map((a) => a.body.toString()), ['saw /plain/1', 'saw /mw/2', 'saw /plain/3', 'saw /mw/4']);
        assert.deepEqual(answers.map((a) => a.headers['x-middleware']), [undefined, 'tagged', undefined, 'tagged']);
        assert.equal(client.closed, false);
      } finally {
        client.close();
      }
    });

    test('over TLS, the same: requests around one that needs middlewares are answered on the same connection, as https', async () => {
      const client = await RawHttpClient.openTls(node.web);
      try {
        const answers = [];
        for (const path of ['/plain/1', '/mw/2', '/plain/3']) {
          client.send(`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
          answers.push(await client.response());
        }
        assert.deepEqual(answers.map((a) => a.body.toString()), ['saw /plain/1', 'saw /mw/2', 'saw /plain/3']);
        assert.deepEqual(answers.map((a) => a.headers['x-middleware']), [undefined, 'tagged', undefined]);
        assert.deepEqual(answers.map((a) => a.headers['x-saw-proto']), ['https', 'https', 'https']);
        assert.equal(client.closed, false);
      } finally {
        client.close();
      }
    });

    test('over TLS, a 3 MiB body in pieces reaches the upstream whole and the connection serves the next request', async () => {
      const client = await RawHttpClient.openTls(node.web);
      try {
        const body = randomBytes(3 * 1024 * 1024);
        client.send(`POST /plain/upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${body.length}\r\n\r\n`);
        for (let at = 0; at < body.length; at += 100_000) client.send(body.subarray(at, at + 100_000));
        assert.equal((await client.response()).body.toString(), `${body.length} ${createHash('sha256').update(body).digest('hex')}`);
        client.send('GET /plain/after HTTP/1.1\r\nHost: a.test\r\n\r\n');
        const after = await client.response();
        assert.equal(after.body.toString(), 'saw /plain/after');
        assert.equal(after.headers['x-saw-proto'], 'https');
      } finally {
        client.close();
      }
    });

    test('pipelined requests are answered in order, a slow first one and one needing the full path included', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        client.send(
          'GET /plain/1?delay=150 HTTP/1.1\r\nHost: a.test\r\n\r\n' +
            'POST /plain/2 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n\r\nbody' +
            'GET /mw/3?delay=20 HTTP/1.1\r\nHost: a.test\r\n\r\n' +
            'GET /plain/4 HTTP/1.1\r\nHost: a.test\r\n\r\n',
        );
        const bodies = [];
        for (let i = 0; i < 4; i++) bodies.push((await client.response()).body.toString());
        assert.deepEqual(bodies, ['saw /plain/1?delay=150', 'saw /plain/2', 'saw /mw/3?delay=20', 'saw /plain/4']);
      } finally {
        client.close();
      }
    });

    test('a body in pieces, a head the scanner declines, and a head in pieces are all answered on one connection', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        client.send('POST /plain/upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 6\r\n\r\nab');
        client.send('cd');
        client.send('ef');
        const upload = await client.response();
        assert.equal(upload.body.toString(), `6 ${createHash('sha256').update('abcdef').digest('hex')}`);
        // obs-text in a value: valid HTTP, left to llhttp (which then keeps the connection).
        client.send(Buffer.from('GET /plain/2 HTTP/1.1\r\nHost: a.test\r\nX-Note: caf\u00e9\r\n\r\n', 'latin1'));
        assert.equal((await client.response()).body.toString(), 'saw /plain/2');
        client.send('GET /plain/3 HTTP/1.1\r\nHo');
        client.send('st: a.test\r\n\r\n');
        assert.equal((await client.response()).body.toString(), 'saw /plain/3');
        client.send('GET /plain/4 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /plain/5 HTTP/1.1\r\nHost: a.test\r\n\r\n');
        assert.deepEqual([(await client.response()).body.toString(), (await client.response()).body.toString()], ['saw /plain/4', 'saw /plain/5']);
        assert.equal(client.closed, false);
      } finally {
        client.close();
      }
    });

    test('a head the scanner takes, then one it declines, in one read: both answered in order', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        client.send(Buffer.from('GET /plain/1 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /plain/2 HTTP/1.1\r\nHost: a.test\r\nX-Note: caf\u00e9\r\n\r\nGET /plain/3 HTTP/1.1\r\nHost: a.test\r\n\r\n', 'latin1'));
        const bodies = [];
        for (let i = 0; i < 3; i++) bodies.push((await client.response()).body.toString());
        assert.deepEqual(bodies, ['saw /plain/1', 'saw /plain/2', 'saw /plain/3']);
      } finally {
        client.close();
      }
    });

    test('Connection: close from the client closes the connection after the answer', async () => {
      const client = await RawHttpClient.open(node.web);
      client.send('GET /plain/last HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
      const answer = await client.response();
      assert.equal(answer.body.toString(), 'saw /plain/last');
      await client.closing();
    });

    test('a 16 MiB request body reaches the upstream whole', async () => {
      const body = randomBytes(16 * 1024 * 1024);
      const res = await request(node.url('/plain/upload'), { method: 'POST', body, dispatcher: agent });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), `${body.length} ${createHash('sha256').update(body).digest('hex')}`);
    });

    test('twelve connections uploading different bodies at once, in small interleaved writes: each reaches the upstream whole', async () => {
      // Client reads share one buffer per thread on the fast path: a byte kept as a view of it past
      // its read would turn up in another connection's body.
      const bodies = Array.from({ length: 12 }, () => randomBytes(192 * 1024 + Math.floor(Math.random() * 4096)));
      const clients = await Promise.all(bodies.map(() => RawHttpClient.open(node.web)));
      try {
        const offsets = bodies.map(() => 0);
        for (const [i, client] of clients.entries()) client.send(`POST /plain/upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${bodies[i]!.length}\r\n\r\n`);
        while (offsets.some((at, i) => at < bodies[i]!.length)) {
          for (const [i, client] of clients.entries()) {
            const body = bodies[i]!;
            if (offsets[i]! >= body.length) continue;
            const piece = 700 + Math.floor(Math.random() * 3000);
            client.send(body.subarray(offsets[i], offsets[i]! + piece));
            offsets[i]! += piece;
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        const answers = await Promise.all(clients.map((client) => client.response()));
        assert.deepEqual(
          answers.map((a) => a.body.toString()),
          bodies.map((b) => `${b.length} ${createHash('sha256').update(b).digest('hex')}`),
        );
      } finally {
        for (const client of clients) client.close();
      }
    });

    test('an upgrade after a request on the same connection: bytes sent with the upgrade head and after it reach the upstream in order', async () => {
      const early = randomBytes(3000);
      const late = randomBytes(4 * 1024 * 1024);
      const expected = Buffer.concat([early, late]);
      const tunnelled: Buffer[] = [];
      let count = 0;
      const onUpgrade = (_req: unknown, socket: Socket, head: Buffer): void => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
        const take = (d: Buffer): void => {
          tunnelled.push(d);
          count += d.length;
          if (count >= expected.length) socket.end(`got ${count}`);
        };
        if (head.length > 0) take(head);
        // Read nothing for a while: the proxy's writes to this socket queue up, holding what they write.
        socket.pause();
        setTimeout(() => socket.resume(), 300);
        socket.on('data', take);
      };
      app.server.on('upgrade', onUpgrade);
      const client = await RawHttpClient.open(node.web);
      try {
        client.send('GET /plain/before HTTP/1.1\r\nHost: a.test\r\n\r\n');
        assert.equal((await client.response()).body.toString(), 'saw /plain/before');
        client.send(Buffer.concat([Buffer.from('GET /plain/tunnel HTTP/1.1\r\nHost: a.test\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n'), early]));
        let received = Buffer.alloc(0);
        client.socket.removeAllListeners('data');
        client.socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
        await waitFor(() => received.includes('\r\n\r\n'), 5_000, 'the 101');
        assert.match(received.toString('latin1'), /^HTTP\/1\.1 101 /);
        for (let at = 0; at < late.length; at += 16384) client.socket.write(late.subarray(at, at + 16384));
        await waitFor(() => received.includes('got '), 20_000, 'the upstream to receive the tunnelled bytes');
        assert.equal(count, expected.length);
        assert.ok(Buffer.concat(tunnelled).equals(expected), 'the tunnelled bytes arrived as sent');
      } finally {
        app.server.off('upgrade', onUpgrade);
        client.close();
      }
    });

    test('a client that stops reading holds the upstream back, and gets the whole 64 MiB once it reads', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        client.socket.pause();
        client.send('GET /plain/big HTTP/1.1\r\nHost: a.test\r\n\r\n');
        await waitFor(() => observed.bigBackpressured, 10_000, 'upstream backpressure');
        // Time enough for a proxy that buffered without bound to take the rest of the body.
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(observed.bigFinished, false, 'the upstream could write the whole body while the client read nothing');
        client.socket.resume();
        const answer = await client.response();
        assert.equal(answer.status, 200);
        assert.equal(answer.body.length, BIG);
        await waitFor(() => observed.bigFinished, 10_000, 'upstream finished');
      } finally {
        client.close();
      }
    });

    test('answers of many sizes, with a length or chunked, relayed byte for byte to clients that read slowly, side by side', async () => {
      // Upstream reads land in one buffer the next read overwrites (onread): bytes still queued
      // for a slow client must be its own copy. Several clients at once, so other connections'
      // reads come in between; the largest answers fill the kernel's loopback buffers, so writes
      // to a paused client queue in Node.
      const sizes = [0, 1, 19, 1_000, 16_383, 16_384, 16_385, 65_535, 65_536, 70_001, 1_048_576, 12 * 1024 * 1024];
      const clients = await Promise.all([0, 1, 2, 3].map(() => RawHttpClient.open(node.web)));
      try {
        await Promise.all(
          clients.map(async (client, c) => {
            // Reads in bursts: paused most of the time, so the proxy's writes to it queue.
            const throttle = setInterval(() => {
              client.socket.resume();
              setImmediate(() => client.socket.pause());
            }, 5 + c);
            try {
              for (const [i, n] of sizes.entries()) {
                const offset = (c * 7_919 + i * 104_729) % (POOL.length - n);
                const chunked = (i + c) % 3 === 0 ? '&chunked' : '';
                const piece = [1_000, 16_384, 65_536, 200_000][(i + c) % 4]!;
                client.send(`GET /plain/sized?n=${n}&offset=${offset}&piece=${piece}${chunked} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
                const answer = await client.response();
                assert.equal(answer.status, 200);
                assert.equal(answer.body.length, n, `size ${n}${chunked}`);
                assert.ok(answer.body.equals(POOL.subarray(offset, offset + n)), `bytes of size ${n}${chunked}, client ${c}`);
              }
            } finally {
              clearInterval(throttle);
              client.socket.resume();
            }
          }),
        );
      } finally {
        for (const client of clients) client.close();
      }
    });

    test('a client that leaves mid-answer frees the upstream connection', async () => {
      const client = await RawHttpClient.open(node.web);
      const partial = new Promise<void>((resolve) => client.socket.on('data', (d: Buffer) => d.includes('partial') && resolve()));
      client.send('GET /plain/hang HTTP/1.1\r\nHost: a.test\r\n\r\n');
      await partial;
      client.close();
      await waitFor(() => observed.hangClosed, 10_000, 'the upstream connection to close');
    });
  });
}

describe('fast path: an upstream that drops a kept-alive connection', () => {
  let app: TestUpstream;
  let dropping: Awaited<ReturnType<typeof startDroppingUpstream>>;
  let node: TestNode;

  before(async () => {
    app = await startUpstream('app');
    dropping = await startDroppingUpstream();
    node = await startTestNode(config(app.url, dropping.url), [], { fastPath: true });
  });

  after(async () => {
    await node.stop();
    await app.close();
    await new Promise((resolve) => dropping.server.close(resolve));
  });

  test('a GET sent on a reused connection the upstream drops unanswered is sent once more on a new one; a POST with a body gets 502', async () => {
    const client = await RawHttpClient.open(node.web);
    try {
      client.send('GET /drop/1 HTTP/1.1\r\nHost: a.test\r\n\r\n');
      assert.equal((await client.response()).body.toString(), 'fresh');
      client.send('GET /drop/2 HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const retried = await client.response();
      assert.equal(retried.status, 200);
      assert.equal(retried.body.toString(), 'fresh');
      // 1 + 2 (dropped, then sent again)
      assert.equal(dropping.requests, 3);
      client.send('POST /drop/3 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n\r\nbody');
      const refused = await client.response();
      assert.equal(refused.status, 502);
      assert.equal(refused.body.toString(), 'Bad Gateway\n');
      assert.equal(dropping.requests, 4);
    } finally {
      client.close();
    }
  });
});

/** Rejects when `promise` takes longer than `ms` (a hang fails the test instead of stalling the suite). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

for (const fastPath of [true, false]) {
  describe(`entry point timeouts, ${fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)'}`, () => {
    let app: TestUpstream;
    let node: TestNode;

    before(async () => {
      app = await startUpstream('app');
      node = await startTestNode(config(app.url, app.url), [
        '--entryPoints.web.transport.respondingTimeouts.idleTimeout=300ms',
        '--entryPoints.web.transport.respondingTimeouts.readTimeout=400ms',
      ], { fastPath });
    });

    after(async () => {
      await node.stop();
      await app.close();
    });

    test('a kept-alive connection left idle past idleTimeout is closed by the proxy', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        client.send('GET /plain/idle HTTP/1.1\r\nHost: a.test\r\n\r\n');
        assert.equal((await client.response()).status, 200);
        await within(client.closing(), 5_000, 'idle connection close');
      } finally {
        client.close();
      }
    });

    // node:http checks its request timeout every 30 s (connectionsCheckingInterval): too slow to wait for here.
    if (fastPath) {
      test('a request still incomplete after readTimeout gets 408 and the connection closes', async () => {
        const client = await RawHttpClient.open(node.web);
        try {
          client.send('GET /plain/slow HTTP/1.1\r\nHost: a.te');
          const answer = await within(client.response(), 5_000, 'read timeout answer');
          assert.equal(answer.status, 408);
          await within(client.closing(), 5_000, 'close after 408');
          assert.equal(app.seen.filter((s) => s.url === '/plain/slow').length, 0);
        } finally {
          client.close();
        }
      });
    }
  });
}

/** Raw answers by request path, each a list of writes (sent 20 ms apart): answers that must be framed exactly. */
const SCRIPTED: Readonly<Record<string, readonly string[]>> = {
  '/split-head': ['HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\nX-A: 1\r\n\r\nhello'],
  '/late-body': ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', 'world'],
  '/no-reason': ['HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok'],
  '/chunked': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', '0\r\n\r\n'],
  '/obs-fold': ['HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok'],
  '/two-lengths': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!'],
  '/length-and-chunked': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  '/space-before-colon': ['HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok'],
  '/nul-in-value': ['HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok'],
  '/hop-by-hop': ['HTTP/1.1 200 OK\r\nX-First: 1\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Mid: 2\r\nTE: trailers\r\nDate: Sun, 22 Nov 2026 00:00:00 GMT\r\nContent-Length: 2\r\nProxy-Connection: keep-alive\r\n\r\nok'],
  '/hop-by-hop-spaced': ['HTTP/1.1 200 OK\r\nX-First:1\r\nConnection: keep-alive\r\nX-Mid:   2  \r\nContent-Length: 2\r\nTrailer: X-T\r\n\r\nok'],
  '/connection-listed': ['HTTP/1.1 200 OK\r\nConnection: X-Drop, keep-alive\r\nX-Drop: 1\r\nX-Keep: 2\r\nContent-Length: 2\r\n\r\nok'],
};

async function startScriptedUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((socket: Socket) => {
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const path = (buffered.slice(0, end).split(' ')[1] ?? '').replace(/^\/plain/, '');
      buffered = buffered.slice(end + 4);
      const writes = [...(SCRIPTED[path] ?? ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'])];
      const next = (): void => {
        const part = writes.shift();
        if (part === undefined) return;
        socket.write(part, 'latin1');
        setTimeout(next, 20);
      };
      next();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

for (const fastPath of [true, false]) {
  describe(`upstream answers framed exactly, ${fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)'}`, () => {
    let scripted: Awaited<ReturnType<typeof startScriptedUpstream>>;
    let node: TestNode;

    before(async () => {
      scripted = await startScriptedUpstream();
      node = await startTestNode(config(scripted.url, scripted.url), [], { fastPath });
    });

    after(async () => {
      await node.stop();
      await new Promise((resolve) => scripted.server.close(resolve));
    });

    const relayed: Array<[string, string]> = [['/split-head', 'hello'], ['/late-body', 'helloworld'], ['/no-reason', 'ok'], ['/chunked', 'hello']];
    for (const [path, body] of relayed) {
      test(`${path}: relayed whole, and the connection serves the next request`, async () => {
        const client = await RawHttpClient.open(node.web);
        try {
          for (let i = 0; i < 2; i++) {
            client.send(`GET /plain${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
            const answer = await client.response();
            assert.equal(answer.status, 200);
            assert.equal(answer.body.toString(), body);
          }
        } finally {
          client.close();
        }
      });
    }

    test('hop-by-hop headers and those Connection names are dropped from answers, the others relayed with their values', async () => {
      const client = await RawHttpClient.open(node.web);
      try {
        const heads = [];
        for (const path of ['/hop-by-hop', '/hop-by-hop-spaced', '/connection-listed']) {
          client.send(`GET /plain${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
          const answer = await client.response();
          assert.equal(answer.body.toString(), 'ok');
          // node:http adds its own Connection and Keep-Alive: not the upstream's (timeout=5).
          const { date, connection, 'keep-alive': keepAlive, ...rest } = answer.headers;
          assert.ok(connection === undefined || connection === 'keep-alive', connection);
          assert.ok(keepAlive === undefined || keepAlive !== 'timeout=5', keepAlive);
          heads.push({ path, date: date !== undefined, ...rest });
        }
        assert.deepEqual(heads, [
          { path: '/hop-by-hop', date: true, 'x-first': '1', 'x-mid': '2', 'content-length': '2' },
          { path: '/hop-by-hop-spaced', date: true, 'x-first': '1', 'x-mid': '2', 'content-length': '2' },
          { path: '/connection-listed', date: true, 'x-keep': '2', 'content-length': '2' },
        ]);
        assert.equal(client.closed, false);
      } finally {
        client.close();
      }
    });

    for (const path of ['/obs-fold', '/two-lengths', '/length-and-chunked', '/space-before-colon', '/nul-in-value']) {
      test(`${path}: an answer llhttp refuses is a 502, never relayed`, async () => {
        const client = await RawHttpClient.open(node.web);
        try {
          client.send(`GET /plain${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
          const answer = await client.response();
          assert.equal(answer.status, 502);
          assert.equal(answer.body.toString(), 'Bad Gateway\n');
        } finally {
          client.close();
        }
      });
    }
  });
}

for (const fastPath of [true, false]) {
  test(`a drain lets the answer in flight finish and closes idle kept-alive connections, ${fastPath ? 'fast path' : 'full path (SY_FAST_PATH=0)'}`, async () => {
    const app = await startUpstream('app');
    app.handler = appUpstreamHandler({ bigFinished: false, bigBackpressured: false, hangClosed: false });
    const node = await startTestNode(config(app.url, app.url), [], { fastPath });
    const idle = await RawHttpClient.open(node.web);
    const busy = await RawHttpClient.open(node.web);
    try {
      idle.send('GET /plain/first HTTP/1.1\r\nHost: a.test\r\n\r\n');
      assert.equal((await idle.response()).status, 200);
      busy.send('GET /plain/busy?delay=300 HTTP/1.1\r\nHost: a.test\r\n\r\n');
      await waitFor(() => app.seen.some((s) => s.url === '/plain/busy?delay=300'), 5_000, 'the request to reach the upstream');
      const stopped = node.stop();
      await within(idle.closing(), 5_000, 'idle connection closed by the drain');
      const answer = await within(busy.response(), 5_000, 'the answer in flight');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.toString(), 'saw /plain/busy?delay=300');
      await stopped;
    } finally {
      idle.close();
      busy.close();
      await app.close();
    }
  });
}
