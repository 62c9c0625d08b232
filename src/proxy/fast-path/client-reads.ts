/**
 * @module Client sockets read into one buffer per thread (Node's `onread` option), as the
 * upstream sockets are, instead of through the stream layer.
 *
 * Why: a stream read makes a new ArrayBuffer for every read, and every ArrayBuffer costs the young
 * generation's collector a sweep of its own. With one read per request that sweep was ~0.75 ms of
 * every ~1 ms scavenge pause (`--trace-gc-nvp`: scavenge.sweep_array_buffers), and scavenge pauses
 * are what the slowest percent of requests waited on.
 *
 * A listener cannot make its sockets with `onread`, so an accepted socket's handle is moved, before
 * anything read from it, into a new Socket made with that option (`new Socket({ handle })`, as
 * net.Server itself makes them); the accepted Socket object is let go without closing the handle.
 *
 * A read's bytes are a view of the shared buffer, valid only during the reader's call: a reader
 * copies whatever it keeps. Without a reader (the connection was handed to node:http), the bytes
 * are copied and pushed into the socket's own readable side, so node:http, a WebSocket tunnel, or
 * anything else reading the socket as a stream sees them as from any socket (node:http usually
 * reads the handle itself through its C++ parser, which then takes the reads before they get here).
 */
import { Socket } from 'node:net';

/** Every client read of this thread lands here: Node's default read size. */
const CLIENT_READS = Buffer.allocUnsafe(64 * 1024);

export type ClientReader = (chunk: Buffer) => void;

export interface SharedReadSocket {
  readonly socket: Socket;
  /** Who gets the reads; undefined: the socket's stream (copied). */
  setReader(reader: ClientReader | undefined): void;
  /** Hands a read's bytes to the current reader, as if they were read now (a first read that chose the reader). */
  relay(chunk: Buffer): void;
}

interface HandleOwner {
  _handle?: { reading?: boolean; useUserBuffer?: unknown } | null;
}

/**
 * The same connection as a socket reading into the shared buffer, paused; undefined when the socket
 * is not a paused, unread TCP socket (then it is left as it was and read as a stream).
 */
export function adoptForSharedReads(accepted: Socket): SharedReadSocket | undefined {
  const handle = (accepted as unknown as HandleOwner)._handle;
  if (handle === undefined || handle === null || handle.reading === true || typeof handle.useUserBuffer !== 'function' || accepted.readableLength > 0 || accepted.destroyed) return undefined;
  let reader: ClientReader | undefined;
  const relay = (chunk: Buffer): boolean => {
    if (reader !== undefined) {
      reader(chunk);
      return true;
    }
    // Handed over: the stream's consumer gets its own copy; its backpressure stops the reads.
    return socket.push(Buffer.from(chunk));
  };
  // Detach first: the accepted Socket must neither read nor close the handle it no longer owns.
  (accepted as unknown as HandleOwner)._handle = null;
  const socket: Socket = new Socket({
    handle,
    readable: true,
    writable: true,
    pauseOnCreate: true,
    onread: {
      buffer: CLIENT_READS,
      callback: (length: number): boolean => relay(CLIENT_READS.subarray(0, length)),
    },
  } as unknown as ConstructorParameters<typeof Socket>[0]);
  socket.pause();
  // Its server's connection count is released; 'close' is emitted on it with no handle to close.
  accepted.destroy();
  return {
    socket,
    setReader(next) {
      reader = next;
    },
    relay(chunk) {
      relay(chunk);
    },
  };
}
