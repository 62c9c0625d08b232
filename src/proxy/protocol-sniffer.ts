/**
 * @module One port, both protocols, as Traefik's entry points: the first byte of a connection tells
 * a TLS ClientHello (0x16, a handshake record) from plain HTTP. Plain sockets go to the HTTP server
 * with the byte put back (`unshift`, which Node's HTTP parser honours). The TLS server reads from the
 * native handle and would miss a put-back byte, so a TLS connection is handed over through a small
 * replaying stream instead; that costs a JS hop per TLS record, only on TLS connections.
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
 * connection's first read goes to `onPlain` (a view, valid during the call); a TLS one's reads go
 * to the socket's own stream from then on, copied, and through it to the replaying stream.
 */
export function sniffSharedReads(shared: SharedReadSocket, onTls: (stream: Duplex, first: Buffer) => void, onPlain: (first: Buffer) => void): void {
  shared.setReader((first) => {
    if (first[0] !== TLS_HANDSHAKE) {
      onPlain(first);
      return;
    }
    shared.setReader(undefined);
    const copy = Buffer.from(first);
    onTls(replaying(shared.socket, copy), copy);
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
