/**
 * Client sockets moved to reads into the thread's shared buffer (src/proxy/fast-path/client-reads.ts):
 * the same connection, its bytes to the reader while there is one, to the socket's own stream
 * (copied) once there is none; a socket already read from is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { adoptForSharedReads } from '../../src/proxy/fast-path/client-reads.ts';

/** A listener that hands each accepted socket over paused, unread, as the entry points' listeners do. */
async function pausedListener(): Promise<{ server: Server; port: number; next: () => Promise<Socket> }> {
  const waiting: Array<(socket: Socket) => void> = [];
  const accepted: Socket[] = [];
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    const take = waiting.shift();
    if (take !== undefined) take(socket);
    else accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    next: () => new Promise((resolve) => {
      const socket = accepted.shift();
      if (socket !== undefined) resolve(socket);
      else waiting.push(resolve);
    }),
  };
}

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > 5_000) reject(new Error('timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

test('an adopted connection reads into the reader, then, without one, into its stream as copies; writes reach the peer', async () => {
  const { server, port, next } = await pausedListener();
  const client = connect(port, '127.0.0.1');
  try {
    const shared = adoptForSharedReads(await next());
    assert.ok(shared !== undefined);
    const viaReader: string[] = [];
    shared.setReader((chunk) => viaReader.push(chunk.toString('latin1')));
    shared.socket.resume();
    client.write('first');
    await until(() => viaReader.join('') === 'first');

    // Handed over: the stream's consumer gets chunks of its own, which a later read does not overwrite.
    shared.setReader(undefined);
    const viaStream: Buffer[] = [];
    shared.socket.on('data', (chunk: Buffer) => viaStream.push(chunk));
    client.write('second');
    await until(() => Buffer.concat(viaStream).toString('latin1') === 'second');
    client.write('XXXXXXXXXXXXXXXXXXXXXXXX');
    await until(() => Buffer.concat(viaStream).length === 6 + 24);
    assert.equal(viaStream[0]!.toString('latin1', 0, 6), 'second');

    const echoed: Buffer[] = [];
    client.on('data', (chunk: Buffer) => echoed.push(chunk));
    shared.socket.write('answer');
    await until(() => Buffer.concat(echoed).toString('latin1') === 'answer');
    assert.equal(shared.socket.remotePort, client.localPort, 'the same connection');
  } finally {
    client.destroy();
    server.close();
  }
});

test('a socket that was already read from, or destroyed, is not adopted and keeps working as it was', async () => {
  const { server, port, next } = await pausedListener();
  const client = connect(port, '127.0.0.1');
  try {
    const socket = await next();
    const got: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => got.push(chunk));
    socket.resume();
    client.write('hello');
    await until(() => Buffer.concat(got).toString() === 'hello');
    assert.equal(adoptForSharedReads(socket), undefined);
    client.write(' again');
    await until(() => Buffer.concat(got).toString() === 'hello again');

    const other = connect(port, '127.0.0.1');
    const second = await next();
    second.destroy();
    assert.equal(adoptForSharedReads(second), undefined);
    other.destroy();
  } finally {
    client.destroy();
    server.close();
  }
});
