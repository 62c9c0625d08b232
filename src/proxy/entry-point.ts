/**
 * @module An HTTP/1.1 entry point: one server handing every request and upgrade to the data plane.
 * Connections come from its own listener (`listen`, with `reusePort` when several worker threads
 * share the port) or are handed in already accepted (`accept`, a socket transferred from the main
 * thread). Closing drains: stop accepting, let in-flight requests finish up to a deadline, then cut
 * what is left.
 *
 * Plain HTTP connections start on the fast path (src/proxy/fast-path/: llhttp on the raw socket,
 * raw upstream sockets), which hands a connection to the node:http server at the first request it
 * does not serve itself, TLS connections too once their handshake is done. `SY_FAST_PATH=0` in the
 * environment turns it off: every connection goes to node:http.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { DataPlane } from './data-plane.ts';
import { SwitchyardError } from '../errors.ts';
import { serverNameOf, type TlsState } from '../tls/tls-state.ts';
import { sniffProtocol, sniffSharedReads } from './protocol-sniffer.ts';
import { readClientHello } from '../tls/client-hello.ts';
import { clientAuthRefusal } from '../tls/client-auth.ts';
import { FastConnection, type FastConnectionHost, type FastPathPlane } from './fast-path/fast-connection.ts';
import { adoptForSharedReads, type SharedReadSocket } from './fast-path/client-reads.ts';

/** What serves the requests: a DataPlane, or a wrapper around one (metrics in the worker threads). */
export type RequestSink = Pick<DataPlane, 'handleRequest' | 'handleUpgrade'> & {
  /** Absent: every connection goes to node:http. */
  readonly fastPath?: FastPathPlane | undefined;
};

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
  /**
   * Serve TLS on this port too: a connection that opens with a ClientHello is terminated with these
   * certificates and reaches only `tls` routers; plain HTTP reaches only the others (Traefik's rule).
   */
  readonly tls?: TlsState | undefined;
  /** Serve plain connections on the fast path first; default: unless SY_FAST_PATH=0. */
  readonly fastPath?: boolean | undefined;
}

/** The fast path is on unless the environment says SY_FAST_PATH=0 (the escape hatch). */
export function fastPathFromEnv(env: NodeJS.ProcessEnv): boolean {
  return env.SY_FAST_PATH !== '0';
}

/** How often fast-path connections are checked against the read and idle timeouts, at most. */
const FAST_SWEEP_MS = 1_000;

const HANDSHAKE_TIMEOUT_MS = 10_000;
const ACME_TLS_ALPN = 'acme-tls/1';

export class EntryPoint {
  readonly name: string;
  readonly #server: Server;
  readonly #options: EntryPointOptions;
  /** Upgraded connections leave the HTTP server's bookkeeping; a drain must still cut them. */
  readonly #tunnels = new Set<Duplex>();
  /** Every open connection, listened or handed in: a drain waits for this to empty. */
  readonly #sockets = new Set<Socket>();
  /** Raw sockets under TLS connections still in their handshake (not yet known to the HTTP server). */
  readonly #rawTls = new Set<Socket>();
  /** The port's listener when it serves TLS too (the HTTP server then never listens itself). */
  #listener: NetServer | undefined;
  #served = 0;
  #accepting = true;
  #onEmpty: (() => void) | undefined;
  /** Connections on the fast path; absent when it is off. */
  readonly #fast: Set<FastConnection> | undefined;
  readonly #fastHost: FastConnectionHost | undefined;
  #fastSweep: NodeJS.Timeout | undefined;


  constructor(options: EntryPointOptions, dataPlane: RequestSink) {
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
      (req, res) => dataPlane.handleRequest(options.name, req, res, (req.socket as TLSSocket).encrypted === true),
    );
    // A connection the fast path handed over is already counted.
    this.#server.on('connection', (socket: Socket) => {
      if (!this.#sockets.has(socket)) this.#track(socket);
    });
    const plane = dataPlane.fastPath;
    if (plane !== undefined && (options.fastPath ?? fastPathFromEnv(process.env))) {
      const fast = (this.#fast = new Set());
      this.#fastHost = {
        name: options.name,
        plane,
        fallBack: (socket) => {
          this.#server.emit('connection', socket);
          socket.resume();
        },
        left: (connection) => fast.delete(connection),
      };
    }
    this.#server.on('upgrade', (req, socket, head) => {
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      dataPlane.handleUpgrade(options.name, req, socket, head, (req.socket as TLSSocket).encrypted === true);
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
    // With TLS on the port or the fast path on, our own listener decides per connection who serves it.
    const listener = this.#options.tls === undefined && this.#fast === undefined ? this.#server : (this.#listener = createNetServer({ pauseOnConnect: true }, (socket) => this.accept(socket)));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port: this.#options.port, host: this.#options.host, reusePort: this.#options.reusePort === true }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    return listener.address() as AddressInfo;
  }

  get port(): number {
    return ((this.#listener ?? this.#server).address() as AddressInfo | null)?.port ?? this.#options.port;
  }

  /** Connections taken since start, and those still open. */
  get connections(): { readonly served: number; readonly open: number } {
    return { served: this.#served, open: this.#sockets.size };
  }

  /**
   * Serves a connection accepted elsewhere (paused, never read from). After a drain began it is
   * closed. Returns the socket that serves it: a new one for the same connection when it reads into
   * the shared buffer (client-reads.ts); its 'close' is the connection's end.
   */
  accept(socket: Socket): Socket {
    if (!this.#accepting) {
      socket.destroy();
      return socket;
    }
    return this.#dispatch(socket);
  }

  /** Plain HTTP to the fast path or the HTTP server; TLS (told by the first byte) through the TLS server first. */
  #dispatch(socket: Socket): Socket {
    const tls = this.#options.tls;
    // Not a byte read yet: on the fast path the connection reads into the thread's shared buffer.
    const shared = this.#fast !== undefined ? adoptForSharedReads(socket) : undefined;
    if (shared !== undefined) {
      const plain = (): void => {
        this.#track(shared.socket);
        this.#fastConnection(shared.socket, false, shared);
      };
      if (tls === undefined) plain();
      else {
        this.#holdRawTls(shared.socket);
        sniffSharedReads(shared, (socket, first) => this.#terminateTls(socket, tls, first), (first) => {
          this.#rawTls.delete(shared.socket);
          plain();
          shared.relay(first);
        });
      }
      shared.socket.resume();
      return shared.socket;
    }
    if (tls === undefined) {
      this.#plain(socket);
      socket.resume();
      return socket;
    }
    this.#holdRawTls(socket);
    sniffProtocol(socket, (tlsSocket, first) => this.#terminateTls(tlsSocket, tls, first), (plain) => {
      this.#rawTls.delete(plain);
      this.#plain(plain);
    });
    return socket;
  }

  /** A connection that may be TLS is closed by a drain until it is an HTTP connection (plain, or TLS after its handshake), then tracked as one. */
  #holdRawTls(raw: Socket): void {
    this.#rawTls.add(raw);
    raw.once('close', () => this.#rawTls.delete(raw));
  }

  /** The caller resumes the socket. */
  #plain(socket: Socket): void {
    const fast = this.#fast;
    if (fast === undefined) {
      this.#server.emit('connection', socket);
      return;
    }
    this.#track(socket);
    this.#fastConnection(socket, false);
  }

  #fastConnection(socket: Socket, tls: boolean, shared?: SharedReadSocket): void {
    this.#fast!.add(new FastConnection(socket, this.#fastHost!, tls, shared));
    this.#fastSweep ??= setInterval(this.#sweepFast, Math.max(10, Math.min(FAST_SWEEP_MS, this.#options.readTimeoutMs / 4 || FAST_SWEEP_MS, this.#options.idleTimeoutMs / 4 || FAST_SWEEP_MS))).unref();
  }

  readonly #sweepFast = (): void => {
    const now = performance.now();
    for (const connection of this.#fast!) connection.checkTimeouts(now, this.#options.readTimeoutMs, this.#options.idleTimeoutMs);
  };

  #track(socket: Socket): void {
    this.#served += 1;
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0) this.#onEmpty?.();
    });
  }

  /**
   * The TLS socket is made here over the raw socket (its ClientHello put back on it) rather than by
   * a tls.Server, which would accept on its own: the port is shared with plain HTTP.
   */
  #terminateTls(raw: Socket, tls: TlsState, first: Buffer): void {
    // A TLS-ALPN-01 validation (RFC 8737): the CA offers only acme-tls/1 and must see the challenge
    // certificate for the name; the connection ends after the handshake.
    const hello = readClientHello(first);
    if (hello?.alpn.includes(ACME_TLS_ALPN) === true && hello.serverName !== undefined) {
      const context = tls.alpnChallenge(hello.serverName);
      if (context !== undefined) {
        const challenge = new TLSSocket(raw, { isServer: true, secureContext: context, ALPNProtocols: [ACME_TLS_ALPN] });
        challenge.on('error', () => challenge.destroy());
        challenge.once('secure', () => challenge.end());
        return;
      }
    }
    // The TLS options of the name the ClientHello asks for, from its first byte on (versions,
    // ciphers, client certificates); judged after the handshake by the policy the socket was made with.
    const options = tls.optionsFor(this.name, hello?.serverName);
    if (options === undefined) {
      raw.destroy();
      return;
    }
    const clientAuth = options.clientAuth;
    const secure = new TLSSocket(raw, {
      isServer: true,
      secureContext: options.fallback,
      SNICallback: options.sniCallback,
      ALPNCallback: ({ protocols }) => protocols.find((p) => options.alpnProtocols.includes(p)),
      requestCert: clientAuth.requestCert,
      rejectUnauthorized: clientAuth.rejectUnauthorized,
    });
    tls.handshakeUnder(secure, options);
    const timer = setTimeout(() => secure.destroy(), HANDSHAKE_TIMEOUT_MS);
    // Handshake failures (scanners, sniStrict refusals) end that connection only.
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => {
      clearTimeout(timer);
      // OpenSSL's reading of the server name must ask for the options we chose from ours (a
      // ClientHello we could not read whole would otherwise get the default options for a host
      // that has others); and a client certificate the options refuse closes the connection, both
      // before any HTTP is read.
      if (tls.optionsFor(this.name, serverNameOf(secure))?.name !== options.name || clientAuthRefusal(secure, clientAuth) !== undefined || !this.#accepting) {
        secure.destroy();
        return;
      }
      // From here it is an HTTP connection, tracked (and drained) as one.
      this.#rawTls.delete(raw);
      if (this.#fast === undefined) {
        this.#server.emit('connection', secure);
        return;
      }
      // Counted as the HTTP server would count it; the fast path hands it over with its bytes put back.
      this.#track(secure);
      this.#fastConnection(secure, true);
    });
  }

  /** Stops accepting, closes idle keep-alive connections, waits for in-flight requests until the deadline. */
  async drain(deadlineMs: number): Promise<void> {
    this.#accepting = false;
    // Connections still reading their ClientHello or handshaking carry no request yet: they go now.
    for (const socket of this.#rawTls) socket.destroy();
    // A server that was only handed sockets has no listener to close, and its 'close' would not
    // wait for them: the open-socket set is what tells when the drain is done.
    const listener = this.#listener;
    const listening = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : listener?.listening === true
        ? new Promise<void>((resolve) => listener.close(() => resolve()))
        : Promise.resolve();
    this.#server.closeIdleConnections();
    for (const connection of this.#fast ?? []) connection.drain();
    const timer = setTimeout(() => {
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      for (const socket of this.#tunnels) socket.destroy();
      for (const socket of this.#rawTls) socket.destroy();
    }, deadlineMs);
    // While draining, each finished response lets its now-idle connection go.
    const sweep = setInterval(() => this.#server.closeIdleConnections(), 50);
    await listening;
    if (this.#sockets.size > 0) await new Promise<void>((resolve) => (this.#onEmpty = resolve));
    clearTimeout(timer);
    clearInterval(sweep);
    if (this.#fastSweep !== undefined) clearInterval(this.#fastSweep);
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

/** Runs a listen; a failure becomes an error naming the entry point's address flag. */
export async function listenOrExplain<T>(listen: () => Promise<T>, name: string, address: string): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new SwitchyardError('SY_LISTEN', `entry point ${name} cannot listen on ${address}: ${code ?? (error as Error).message}`, `--entryPoints.${name}.address`, { cause: error });
  }
}
