/**
 * @module One port, both protocols, as Traefik's entry points: the first byte of a connection tells
 * a TLS ClientHello (0x16, a handshake record) from plain HTTP. Either way the first read is put
 * back on the socket (`unshift`): Node's HTTP parser honours it, and a TLSSocket made over a
 * net.Socket feeds what the socket holds to its native TLS layer (`receive`) before it reads the
 * handle itself, so TLS records take no JS hop. (They went through a JS replaying stream before;
 * keep-alive HTTPS was a third slower.)
 */
import type { Socket } from 'node:net';
import type { SharedReadSocket } from './fast-path/client-reads.ts';

const TLS_HANDSHAKE = 0x16;

export function sniffProtocol(socket: Socket, onTls: (socket: Socket, first: Buffer) => void, onPlain: (socket: Socket) => void): void {
  socket.once('data', (first: Buffer) => {
    socket.pause();
    socket.unshift(first);
    if (first[0] === TLS_HANDSHAKE) {
      onTls(socket, first);
    } else {
      onPlain(socket);
      socket.resume();
    }
  });
  socket.resume();
}

/**
 * The same for a socket reading into the thread's shared buffer (fast-path/client-reads.ts): a plain
 * connection's first read goes to `onPlain` (a view, valid during the call); a TLS one's is copied
 * and put back on the socket, whose reads go to its stream from then on (the TLS layer takes them
 * natively once it wraps the socket).
 */
export function sniffSharedReads(shared: SharedReadSocket, onTls: (socket: Socket, first: Buffer) => void, onPlain: (first: Buffer) => void): void {
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
