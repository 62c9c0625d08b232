/** The ClientHello reader sees the server name and ALPN protocols a real Node client sends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { readClientHello } from '../../src/tls/client-hello.ts';

async function firstBytes(options: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.once('data', (data: Buffer) => {
        resolve(data);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
      client.on('error', () => {});
    });
  });
}

test('server name and ALPN protocols are read from a ClientHello', async () => {
  const hello = readClientHello(await firstBytes({ servername: 'Example.TEST', ALPNProtocols: ['acme-tls/1', 'http/1.1'] }));
  assert.deepEqual(hello, { serverName: 'example.test', alpn: ['acme-tls/1', 'http/1.1'] });
});

test('no SNI and no ALPN: both empty; garbage: nothing', async () => {
  assert.deepEqual(readClientHello(await firstBytes({})), { serverName: undefined, alpn: [] });
  assert.equal(readClientHello(Buffer.from('GET / HTTP/1.1\r\n')), undefined);
  assert.equal(readClientHello(Buffer.from([0x16, 3, 1, 0, 5, 1, 0])), undefined);
});
