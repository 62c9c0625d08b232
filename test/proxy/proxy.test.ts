/**
 * The data plane end to end: real node, real upstreams on loopback. Covers each status the proxy
 * produces, forwarded and hop-by-hop headers, Host handling, streaming and path sanitizing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { startTestNode, type TestNode } from '../support/test-node.ts';
import { closedPort, labelHandler, startUpstream, type TestUpstream } from '../support/upstream.ts';

const agent = new Agent({ keepAliveTimeout: 10 });
let a: TestUpstream;
let b: TestUpstream;
let slow: TestUpstream;
let admin: TestUpstream;
let node: TestNode;
let deadPort: number;

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(node.url(path), { method: method as 'GET', headers, dispatcher: agent });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** Sends raw bytes and returns everything the proxy answers until it closes the connection. */
async function rawExchange(text: string): Promise<string> {
  const socket = connect(node.web, '127.0.0.1');
  socket.write(text);
  let reply = '';
  socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  await new Promise((r) => socket.once('close', r));
  return reply;
}

before(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  slow = await startUpstream('slow');
  slow.handler = (_req, res) => setTimeout(() => res.end('late'), 1_500);
  admin = await startUpstream('admin');
  deadPort = await closedPort();
  node = await startTestNode(
    `
http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
    nohost:
      rule: Host(\`nohost.test\`)
      service: nohost
    dead:
      rule: Host(\`dead.test\`)
      service: dead
    slow:
      rule: Host(\`slow.test\`)
      service: slow
    admin:
      rule: PathPrefix(\`/admin\`)
      service: admin
  services:
    app:
      loadBalancer:
        servers:
          - url: ${a.url}
          - url: ${b.url}
    nohost:
      loadBalancer:
        passHostHeader: false
        servers:
          - url: ${a.url}
    dead:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${deadPort}
    slow:
      loadBalancer:
        servers:
          - url: ${slow.url}
    admin:
      loadBalancer:
        servers:
          - url: ${admin.url}
`,
    ['--serversTransport.forwardingTimeouts.responseHeaderTimeout=300ms'],
  );
});

after(async () => {
  await node.stop();
  await Promise.all([a.close(), b.close(), slow.close(), admin.close()]);
  await agent.close();
});

describe('status codes', () => {
  test('a matching router reaches the upstream', async () => {
    const res = await get('/', { host: 'app.test' });
    assert.equal(res.status, 200);
    assert.match(res.body, /^[ab]$/);
  });

  test('404 with Traefik\'s text when no router matches', async () => {
    const res = await get('/', { host: 'unknown.test' });
    assert.equal(res.status, 404);
    assert.equal(res.body, '404 page not found\n');
  });

  test('502 when the upstream refuses the connection', async () => {
    assert.equal((await get('/', { host: 'dead.test' })).status, 502);
  });

  test('504 when the upstream does not answer within responseHeaderTimeout', async () => {
    assert.equal((await get('/', { host: 'slow.test' })).status, 504);
  });

  test('400 for a path with an invalid percent-escape', async () => {
    assert.equal((await get('/admin/%zz', { host: 'x' })).status, 400);
  });
});

describe('load balancing', () => {
  test('round robin alternates between equal-weight servers', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) bodies.push((await get('/', { host: 'app.test' })).body);
    assert.equal(bodies.filter((x) => x === 'a').length, 3);
    assert.equal(bodies.filter((x) => x === 'b').length, 3);
  });
});

describe('headers', () => {
  test('X-Forwarded-* and X-Real-Ip are set; forged ones from an untrusted client are dropped', async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    await get('/x?q=1', { host: 'app.test:8443', 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', 'x-forwarded-host': 'evil' });
    const seen = [...a.seen, ...b.seen][0]!;
    assert.equal(seen.url, '/x?q=1');
    assert.equal(seen.headers.host, 'app.test:8443');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-real-ip'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-host'], 'app.test:8443');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-port'], '8443');
    assert.ok(seen.headers['x-forwarded-server']);
  });

  test('hop-by-hop headers, and headers named in Connection, are not forwarded', async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    a.handler = b.handler = (_req, res) => {
      res.writeHead(200, { 'keep-alive': 'timeout=5', 'x-secret-hop': 'no', connection: 'x-secret-hop', 'x-kept': 'yes' });
      res.end('ok');
    };
    try {
      // A raw request: HTTP clients do not let you send arbitrary Connection tokens.
      const reply = await rawExchange(
        'GET / HTTP/1.1\r\nHost: app.test\r\nX-Private: drop-me\r\nConnection: close, X-Private\r\nTE: gzip\r\nProxy-Authorization: Basic x\r\nX-Public: keep\r\n\r\n',
      );
      const seen = [...a.seen, ...b.seen][0]!;
      assert.equal(seen.headers['x-private'], undefined);
      assert.equal(seen.headers['te'], undefined);
      assert.equal(seen.headers['proxy-authorization'], undefined);
      assert.equal(seen.headers['x-public'], 'keep');
      assert.match(reply, /^HTTP\/1\.1 200/);
      assert.match(reply, /\r\nx-kept: yes\r\n/i);
      assert.doesNotMatch(reply, /x-secret-hop/i);
      assert.doesNotMatch(reply, /keep-alive: timeout=5/i);
    } finally {
      a.handler = labelHandler('a');
      b.handler = labelHandler('b');
    }
  });

  test('passHostHeader=false sends the server\'s own host', async () => {
    a.seen.length = 0;
    await get('/', { host: 'nohost.test' });
    assert.equal(a.seen[0]!.headers.host, `127.0.0.1:${a.port}`);
    assert.equal(a.seen[0]!.headers['x-forwarded-host'], 'nohost.test');
  });
});

describe('path sanitizing', () => {
  for (const path of ['/admin', '/./admin', '//admin', '/x/../admin', '/%61dmin', '/admin/./../admin/']) {
    test(`${path} reaches the PathPrefix(/admin) router with a clean path`, async () => {
      admin.seen.length = 0;
      const res = await get(path, { host: 'any.test' });
      assert.equal(res.body, 'admin');
      assert.match(admin.seen[0]!.url, /^\/admin\/?$/);
    });
  }

  test('an encoded slash is not a segment separator', async () => {
    const res = await get('/x%2F..%2Fadmin', { host: 'any.test' });
    assert.equal(res.status, 404);
  });
});

describe('streaming', () => {
  test('request and response bodies stream both ways without waiting for the whole body', async () => {
    a.handler = b.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.on('data', (chunk: Buffer) => res.write(chunk));
      req.on('end', () => res.end());
    };
    const socket = connect(node.web, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n');
    let received = '';
    const waitForText = (text: string) => new Promise<void>((resolve) => {
      const check = () => {
        if (received.includes(text)) {
          socket.off('data', onData);
          resolve();
        }
      };
      const onData = (d: Buffer) => {
        received += d.toString();
        check();
      };
      socket.on('data', onData);
      check();
    });
    // The echo of the first chunk must come back while the request is still open.
    socket.write('6\r\nfirst!\r\n');
    await waitForText('first!');
    socket.write('7\r\nsecond!\r\n0\r\n\r\n');
    await waitForText('second!');
    socket.destroy();
    a.handler = labelHandler('a');
    b.handler = labelHandler('b');
  });
});

describe('query', () => {
  test("';' separates query parameters, as Traefik's AllowQuerySemicolons does, also upstream", async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    await get('/q?x=1;y=2', { host: 'app.test' });
    assert.equal([...a.seen, ...b.seen][0]!.url, '/q?x=1&y=2');
  });
});
