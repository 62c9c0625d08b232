/**
 * @module One port, both protocols, as Traefik's entry points: the first byte of a connection tells
 * a TLS ClientHello (0x16, a handshake record) from plain HTTP. Either way the first read is put
 * back on the socket (`unshift`): Node's HTTP parser honours it, and a TLSSocket made over a
 * net.Socket feeds what the socket holds to its native TLS layer (`receive`) before it reads the
 * handle itself, so TLS records take no JS hop. (They went through a JS replaying stream before;
 * keep-alive HTTPS was a third slower.)
 */
import type { Socket } from 'node:net';
import { firstRecordLength } from '../tls/client-hello.ts';
import type { SharedReadSocket } from './fast-path/client-reads.ts';

const TLS_HANDSHAKE = 0x16;
/** How long the rest of a ClientHello split over several reads is waited for before the handshake goes on without it. */
const HELLO_WAIT_MS = 10_000;

export function sniffProtocol(socket: Socket, onTls: (socket: Socket, first: Buffer) => void, onPlain: (socket: Socket) => void): void {
  socket.once('data', (first: Buffer) => {
    if (first[0] !== TLS_HANDSHAKE) {
      socket.pause();
      socket.unshift(first);
      onPlain(socket);
      socket.resume();
      return;
    }
    wholeHello(socket, first, (more) => socket.on('data', more), (more) => socket.off('data', more), (hello) => {
      socket.pause();
      socket.unshift(hello);
      onTls(socket, hello);
    });
  });
  socket.resume();
}

/**
 * Gathers the whole first TLS record (the ClientHello: its server name picks the TLS options, and
 * a large one, with post-quantum key shares, often spans two TCP segments) before `done`; after
 * HELLO_WAIT_MS `done` gets what came (the handshake then goes on with what OpenSSL reads). A
 * socket that closes meanwhile is left alone.
 */
function wholeHello(socket: Socket, first: Buffer, listen: (more: (chunk: Buffer) => void) => void, unlisten: (more: (chunk: Buffer) => void) => void, done: (hello: Buffer) => void): void {
  if (first.length >= 5 && first.length >= firstRecordLength(first)) {
    done(first);
    return;
  }
  const parts = [first];
  let length = first.length;
  const stop = (): void => {
    clearTimeout(timer);
    unlisten(more);
    socket.off('close', stop);
  };
  const finish = (): void => {
    stop();
    done(parts.length === 1 ? parts[0]! : Buffer.concat(parts, length));
  };
  const more = (chunk: Buffer): void => {
    parts.push(chunk);
    length += chunk.length;
    if (length >= 5 && length >= firstRecordLength(parts.length === 1 ? parts[0]! : Buffer.concat(parts, Math.min(length, 5)))) finish();
  };
  const timer = setTimeout(finish, HELLO_WAIT_MS).unref();
  socket.once('close', stop);
  listen(more);
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
    // Reads are views of the shared buffer, valid during the call: what is kept is copied.
    wholeHello(shared.socket, Buffer.from(first), (more) => shared.setReader((view) => more(Buffer.from(view))), () => shared.setReader(undefined), (hello) => {
      shared.setReader(undefined);
      shared.socket.pause();
      shared.socket.unshift(hello);
      onTls(shared.socket, hello);
    });
  });
}
