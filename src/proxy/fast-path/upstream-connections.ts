/**
 * @module The fast path's upstream side: per origin, a keep-alive pool of raw sockets, each with
 * its own llhttp response parser. A connection serves one exchange at a time (no pipelining, as the
 * undici pools of the full path) and goes back to its pool when the answer ended cleanly and the
 * request was sent whole; anything else closes it.
 *
 * Timeouts follow the full path's: `dialTimeout` while connecting, `responseHeaderTimeout` (when
 * set) as the socket's inactivity limit until the head arrived, and idle connections are closed
 * after min(4 s, idleConnTimeout), below Node's 5 s server default so a socket the upstream is
 * about to close is not reused.
 */
import { connect, type Socket } from 'node:net';
import type { UpstreamTimeouts } from '../upstream-pools.ts';
import type { UpstreamServer } from '../upstream-server.ts';
import { HTTPParser, NO_BODY, ON_BODY, ON_HEADERS, ON_HEADERS_COMPLETE, ON_MESSAGE_COMPLETE, type LlhttpParser } from './llhttp.ts';

/** What an upstream connection reports to the exchange that holds it. */
export interface UpstreamOwner {
  /** Final (non-1xx) answer head; `keepAlive` says whether the upstream keeps the connection. */
  onUpstreamHead(status: number, message: string, headers: string[]): void;
  onUpstreamBody(chunk: Buffer): void;
  onUpstreamEnd(): void;
  /** The exchange failed; `beforeAnswer` when no byte of an answer had come. */
  onUpstreamError(error: UpstreamError, beforeAnswer: boolean): void;
  /** The request body may flow again. */
  onUpstreamDrain(): void;
  /** One read of the upstream socket was parsed: writes made meanwhile can leave together. */
  onUpstreamReadDone(): void;
}

/** Codes as undici names them, so statusForUpstreamError maps them the same (504 for timeouts). */
export class UpstreamError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const CHECK_IDLE_MS = 500;

export class FastUpstreams {
  readonly #pools = new Map<string, UpstreamConnection[]>();
  readonly #timeouts: UpstreamTimeouts;
  readonly #keepAliveMs: number;
  #sweep: NodeJS.Timeout | undefined;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
    this.#keepAliveMs = Math.max(CHECK_IDLE_MS, Math.min(4_000, timeouts.idleConnTimeoutMs) - CHECK_IDLE_MS);
  }

  get timeouts(): UpstreamTimeouts {
    return this.#timeouts;
  }

  /** An idle kept-alive connection to the server's origin, or a new one (`fresh` forces a new one). */
  acquire(server: UpstreamServer, fresh: boolean): UpstreamConnection {
    const idle = this.#pools.get(server.origin);
    if (!fresh && idle !== undefined) {
      while (idle.length > 0) {
        const conn = idle.pop()!;
        if (conn.usable) return conn;
      }
    }
    return new UpstreamConnection(this, server);
  }

  release(conn: UpstreamConnection): void {
    let idle = this.#pools.get(conn.origin);
    if (idle === undefined) this.#pools.set(conn.origin, (idle = []));
    conn.idleSince = performance.now();
    idle.push(conn);
    this.#sweep ??= setInterval(this.#closeIdle, CHECK_IDLE_MS).unref();
  }

  readonly #closeIdle = (): void => {
    const now = performance.now();
    let left = 0;
    for (const idle of this.#pools.values()) {
      let w = 0;
      for (const conn of idle) {
        if (conn.usable && now - conn.idleSince < this.#keepAliveMs) idle[w++] = conn;
        else conn.destroy();
      }
      idle.length = w;
      left += w;
    }
    if (left === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  };

  close(): void {
    for (const idle of this.#pools.values()) for (const conn of idle) conn.destroy();
    this.#pools.clear();
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}

export class UpstreamConnection {
  readonly origin: string;
  readonly socket: Socket;
  readonly #pools: FastUpstreams;
  readonly #parser: LlhttpParser;
  #owner: UpstreamOwner | undefined;
  /** It served an exchange before: a failure before any answer may be the upstream closing it meanwhile. */
  reused = false;
  idleSince = 0;
  #connected = false;
  #closed = false;
  #answered = false;
  /** Answering a HEAD: the head's Content-Length describes a body that does not come. */
  #head = false;
  /** Inside a 1xx interim answer, whose completion is not the exchange's. */
  #interim = false;
  #keepAlive = false;
  #headers: string[] = [];

  constructor(pools: FastUpstreams, server: UpstreamServer) {
    this.origin = server.origin;
    this.#pools = pools;
    const timeouts = pools.timeouts;
    this.socket = connect({ host: server.hostname, port: server.port, noDelay: true });
    this.socket.setTimeout(timeouts.dialTimeoutMs > 0 ? timeouts.dialTimeoutMs : 0);
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    parser[ON_HEADERS] = this.#onHeaders;
    parser[ON_HEADERS_COMPLETE] = this.#onHeadersComplete;
    parser[ON_BODY] = this.#onBody;
    parser[ON_MESSAGE_COMPLETE] = this.#onMessageComplete;
    this.#parser = parser;
    this.socket.on('connect', this.#onConnect);
    this.socket.on('data', this.#onData);
    this.socket.on('end', this.#onEnd);
    this.socket.on('error', this.#onError);
    this.socket.on('close', this.#onClose);
    this.socket.on('timeout', this.#onTimeout);
    this.socket.on('drain', this.#onDrain);
  }

  /** Still open and between exchanges. */
  get usable(): boolean {
    return !this.#closed && this.#owner === undefined;
  }

  /** Starts an exchange: the caller writes the request next. */
  attach(owner: UpstreamOwner, head: boolean): void {
    this.#owner = owner;
    this.#head = head;
    this.#answered = false;
    this.#interim = false;
    const headerTimeout = this.#pools.timeouts.responseHeaderTimeoutMs;
    if (this.#connected && headerTimeout > 0) this.socket.setTimeout(headerTimeout);
  }

  write(chunk: Buffer | string): boolean {
    return this.socket.write(chunk, 'latin1');
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** The exchange is over: back to the pool when the answer allows reuse and `clean` (request sent whole). */
  finish(clean: boolean): void {
    this.#owner = undefined;
    if (!clean || !this.#keepAlive || this.#closed) {
      this.destroy();
      return;
    }
    this.reused = true;
    this.socket.resume();
    this.#pools.release(this);
  }

  /** Drops the connection; the owner (if any) is not told. */
  destroy(): void {
    this.#owner = undefined;
    if (!this.#closed) {
      this.#closed = true;
      // The parser is left to the garbage collector: this may run inside one of its callbacks.
      this.socket.destroy();
    }
  }

  readonly #onConnect = (): void => {
    this.#connected = true;
    const headerTimeout = this.#pools.timeouts.responseHeaderTimeoutMs;
    this.socket.setTimeout(this.#owner !== undefined && headerTimeout > 0 ? headerTimeout : 0);
  };

  readonly #onData = (chunk: Buffer): void => {
    const owner = this.#owner;
    if (owner === undefined) {
      // Bytes outside an exchange: the connection is not in a state we can reuse.
      this.destroy();
      return;
    }
    const result = this.#parser.execute(chunk);
    if (typeof result !== 'number') {
      this.#fail(new UpstreamError('UND_ERR_INVALID_RESPONSE', `invalid upstream answer (${(result as { code?: string }).code ?? 'parse error'})`));
      return;
    }
    owner.onUpstreamReadDone();
  };

  readonly #onHeaders = (headers: string[]): void => {
    for (let i = 0; i < headers.length; i++) this.#headers.push(headers[i]!);
  };

  readonly #onHeadersComplete = (_major: number, _minor: number, headers: string[] | undefined, _method: number, _url: string, status: number, message: string, upgrade: boolean, keepAlive: boolean): number => {
    if (headers === undefined) {
      headers = this.#headers;
      this.#headers = [];
    }
    if (status < 200 || upgrade) {
      // 1xx interim answers are not relayed (as undici's onResponseStart skip); a 101 to a request
      // that asked no upgrade is a broken upstream.
      if (status === 101 || upgrade) this.#fail(new UpstreamError('UND_ERR_INVALID_RESPONSE', 'unexpected protocol switch'));
      this.#interim = true;
      return 0;
    }
    this.#answered = true;
    this.#keepAlive = keepAlive;
    if (this.#pools.timeouts.responseHeaderTimeoutMs > 0) this.socket.setTimeout(0);
    this.#owner?.onUpstreamHead(status, message, headers);
    return this.#head ? NO_BODY : 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    this.#owner?.onUpstreamBody(chunk);
  };

  readonly #onMessageComplete = (): void => {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    this.#owner?.onUpstreamEnd();
  };

  readonly #onEnd = (): void => {
    this.#keepAlive = false;
    // An answer delimited by the connection's end completes here.
    if (this.#owner !== undefined && this.#answered) this.#parser.finish();
    if (this.#owner !== undefined) this.#fail(new UpstreamError('UND_ERR_SOCKET', 'upstream closed the connection'));
    else this.destroy();
  };

  readonly #onError = (error: Error): void => {
    const code = (error as { code?: string }).code ?? 'UND_ERR_SOCKET';
    this.#fail(new UpstreamError(code, error.message));
  };

  readonly #onClose = (): void => {
    if (this.#owner !== undefined) this.#fail(new UpstreamError('UND_ERR_SOCKET', 'upstream closed the connection'));
    this.#closed = true;
  };

  readonly #onTimeout = (): void => {
    if (!this.#connected) this.#fail(new UpstreamError('UND_ERR_CONNECT_TIMEOUT', 'connecting to the upstream timed out'));
    else if (this.#owner !== undefined && !this.#answered) this.#fail(new UpstreamError('UND_ERR_HEADERS_TIMEOUT', 'the upstream sent no answer in time'));
  };

  readonly #onDrain = (): void => {
    this.#owner?.onUpstreamDrain();
  };

  #fail(error: UpstreamError): void {
    const owner = this.#owner;
    const beforeAnswer = !this.#answered;
    this.destroy();
    owner?.onUpstreamError(error, beforeAnswer);
  }
}
