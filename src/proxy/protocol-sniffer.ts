/**
 * @module One port, both protocols, as Traefik's entry points: the first byte of a connection tells
 * a TLS ClientHello (0x16, a handshake record) from plain HTTP. Plain sockets go to the HTTP server
 * with the byte put back (`unshift`, which Node's HTTP parser honours). A socket read as a stream
 * (fast path off) hands a TLS connection over through a small replaying stream, a JS hop per TLS
 * record; a socket reading into the shared buffer (the fast path's) gets its first read put back on
 * the socket itself, which a TLSSocket feeds to its native TLS layer before reading the handle.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { SharedReadSocket } from './fast-path/client-reads.ts';

const TLS_HANDSHAKE = 0x16;

export function sniffProtocol(socket: Socket, onTls: (stream: Duplex, first: Buffer) => void, onPlain: (socket: Socket) => void): void {
  socket.once('data', (first: Buffer) => {
    socket.pause();
    if (first[0] === TLS_HANDSHAKE) {
      onTls(replaying(socket, first), first);
    } else {
      socket.unshift(first);
      onPlain(socket);
      socket.resume();
    }
  });
  socket.resume();
}

/**
 * The same for a socket reading into the thread's shared buffer (fast-path/client-reads.ts): a plain
 * connection's first read goes to `onPlain` (a view, valid during the call). A TLS one gets the
 * socket itself, its first read put back on it: a TLSSocket made over a net.Socket feeds what the
 * socket holds to its native TLS layer (`receive`) and then reads the handle natively, so TLS
 * records no longer take a JS hop (the replaying stream above is for sockets read as streams).
 */
export function sniffSharedReads(shared: SharedReadSocket, onTls: (stream: Duplex, first: Buffer) => void, onPlain: (first: Buffer) => void): void {
  shared.setReader((first) => {
    if (first[0] !== TLS_HANDSHAKE) {
      onPlain(first);
      return;
    }
    shared.setReader(undefined);
    const copy = Buffer.from(first);
    shared.socket.pause();
    shared.socket.unshift(copy);
    onTls(shared.socket, copy);
  });
}

function replaying(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  stream.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (error) => stream.destroy(error));
  // Remote address for logs and ClientIP: the TLS socket asks its parent stream.
  Object.defineProperties(stream, {
    remoteAddress: { get: () => socket.remoteAddress },
    remotePort: { get: () => socket.remotePort },
    localPort: { get: () => socket.localPort },
  });
  return stream;
}
