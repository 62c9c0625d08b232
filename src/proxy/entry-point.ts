/**
 * @module An HTTP/1.1 entry point: one server handing every request and upgrade to the data plane.
 * Connections come from its own listener (`listen`, with `reusePort` when several worker threads
 * share the port) or are handed in already accepted (`accept`, a socket transferred from the main
 * thread). Closing drains: stop accepting, let in-flight requests finish up to a deadline, then cut
 * what is left.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DataPlane } from './data-plane.ts';

/** What serves the requests: a DataPlane, or a wrapper around one (metrics in the worker threads). */
export type RequestSink = Pick<DataPlane, 'handleRequest' | 'handleUpgrade'>;

export interface EntryPointOptions {
  readonly name: string;
  readonly host: string | undefined;
  readonly port: number;
  /** Whole-request read limit (Traefik's respondingTimeouts.readTimeout, default 60 s). */
  readonly readTimeoutMs: number;
  /** Keep-alive idle limit (respondingTimeouts.idleTimeout, default 180 s). */
  readonly idleTimeoutMs: number;
  /** Join a port other threads also listen on (Linux SO_REUSEPORT); the kernel spreads connections. */
  readonly reusePort?: boolean | undefined;
  /** Connections arrive over TLS: only `tls` routers match. */
  readonly tls?: boolean | undefined;
}

export class EntryPoint {
  readonly name: string;
  readonly #server: Server;
  readonly #options: EntryPointOptions;
  /** Upgraded connections leave the HTTP server's bookkeeping; a drain must still cut them. */
  readonly #tunnels = new Set<Duplex>();
  /** Every open connection, listened or handed in: a drain waits for this to empty. */
  readonly #sockets = new Set<Socket>();
  #served = 0;
  #accepting = true;
  #onEmpty: (() => void) | undefined;

  constructor(options: EntryPointOptions, dataPlane: RequestSink) {
    this.name = options.name;
    this.#options = options;
    const tls = options.tls === true;
    this.#server = createServer(
      {
        requestTimeout: options.readTimeoutMs,
        headersTimeout: Math.min(options.readTimeoutMs || 60_000, 60_000),
        keepAliveTimeout: options.idleTimeoutMs,
        // Requests that are ambiguous to frame are refused with 400 rather than guessed.
        insecureHTTPParser: false,
        requireHostHeader: false,
        joinDuplicateHeaders: false,
      },
      (req, res) => dataPlane.handleRequest(options.name, req, res, tls),
    );
    this.#server.on('connection', (socket: Socket) => {
      this.#served += 1;
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        if (this.#sockets.size === 0) this.#onEmpty?.();
      });
    });
    this.#server.on('upgrade', (req, socket, head) => {
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      dataPlane.handleUpgrade(options.name, req, socket, head, tls);
    });
    // The server's connection bookkeeping (idle sweeps, header and request timeouts) starts on
    // 'listening'; a server that is only handed sockets never listens, so start it here.
    this.#server.emit('listening');
    this.#server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port: this.#options.port, host: this.#options.host, reusePort: this.#options.reusePort === true }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? this.#options.port;
  }

  /** Connections taken since start, and those still open. */
  get connections(): { readonly served: number; readonly open: number } {
    return { served: this.#served, open: this.#sockets.size };
  }

  /** Serves a connection accepted elsewhere (paused, never read from). After a drain began it is closed. */
  accept(socket: Socket): void {
    if (!this.#accepting) {
      socket.destroy();
      return;
    }
    this.#server.emit('connection', socket);
    socket.resume();
  }

  /** Stops accepting, closes idle keep-alive connections, waits for in-flight requests until the deadline. */
  async drain(deadlineMs: number): Promise<void> {
    this.#accepting = false;
    // A server that was only handed sockets has no listener to close, and its 'close' would not
    // wait for them: the open-socket set is what tells when the drain is done.
    const listening = this.#server.listening ? new Promise<void>((resolve) => this.#server.close(() => resolve())) : Promise.resolve();
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      for (const socket of this.#tunnels) socket.destroy();
    }, deadlineMs);
    // While draining, each finished response lets its now-idle connection go.
    const sweep = setInterval(() => this.#server.closeIdleConnections(), 50);
    await listening;
    if (this.#sockets.size > 0) await new Promise<void>((resolve) => (this.#onEmpty = resolve));
    clearTimeout(timer);
    clearInterval(sweep);
  }
}

/** Resolves when the connection is gone. */
export function socketClosed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** `[host]:port` → host (undefined for all interfaces) and port. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: Number(address.slice(colon + 1).replace(/\/(tcp|udp)$/, '')) };
}
