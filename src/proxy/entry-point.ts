/**
 * @module An HTTP/1.1 entry point: one listening server handing every request and upgrade to the
 * data plane. Closing drains: stop accepting, let in-flight requests finish up to a deadline, then
 * cut what is left.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DataPlane } from './data-plane.ts';

export interface EntryPointOptions {
  readonly name: string;
  readonly host: string | undefined;
  readonly port: number;
  /** Whole-request read limit (Traefik's respondingTimeouts.readTimeout, default 60 s). */
  readonly readTimeoutMs: number;
  /** Keep-alive idle limit (respondingTimeouts.idleTimeout, default 180 s). */
  readonly idleTimeoutMs: number;
}

export class EntryPoint {
  readonly name: string;
  readonly #server: Server;
  readonly #options: EntryPointOptions;
  /** Upgraded connections leave the HTTP server's bookkeeping; a drain must still cut them. */
  readonly #tunnels = new Set<Duplex>();

  constructor(options: EntryPointOptions, dataPlane: DataPlane) {
    this.name = options.name;
    this.#options = options;
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
      (req, res) => dataPlane.handleRequest(options.name, req, res, false),
    );
    this.#server.on('upgrade', (req, socket, head) => {
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      dataPlane.handleUpgrade(options.name, req, socket, head, false);
    });
    this.#server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port: this.#options.port, host: this.#options.host }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? this.#options.port;
  }

  /** Stops accepting, closes idle keep-alive connections, waits for in-flight requests until the deadline. */
  async drain(deadlineMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.#server.closeAllConnections();
      for (const socket of this.#tunnels) socket.destroy();
    }, deadlineMs);
    // While draining, each finished response lets its now-idle connection go.
    const sweep = setInterval(() => this.#server.closeIdleConnections(), 50);
    await closed;
    clearTimeout(timer);
    clearInterval(sweep);
  }
}

/** `[host]:port` → host (undefined for all interfaces) and port. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: Number(address.slice(colon + 1).replace(/\/(tcp|udp)$/, '')) };
}
