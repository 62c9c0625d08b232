/**
 * @module The fast path's upstream side: per origin, a keep-alive pool of raw sockets, each with
 * its own llhttp response parser. A connection serves one exchange at a time (no pipelining, as the
 * undici pools of the full path) and goes back to its pool when the answer ended cleanly and the
 * request was sent whole; anything else closes it.
 *
 * The usual answer (HTTP/1.1, final status, Content-Length, the whole head in one read) is read by
 * a small strict scanner here, which declines anything else to llhttp for that answer: it saves
 * llhttp's three C++→JS calls per answer (about a tenth of the CPU a request costs). What it takes
 * it takes only when llhttp would read it the same way: header names made of token characters, no
 * control character in values, no obs-fold, one Content-Length of digits, no Transfer-Encoding.
 *
 * Reads land in one buffer shared by every upstream socket of the thread (Node's `onread` option):
 * no Buffer, no stream 'data' machinery per read. A read's bytes are valid only until the callback
 * returns, so nothing here or in the owner keeps a view of them: header text becomes strings, llhttp
 * copies body chunks itself, and the owner copies whatever it relays (see UpstreamOwner.onUpstreamBody).
 *
 * Timeouts follow the full path's: `dialTimeout` while connecting, `responseHeaderTimeout` (when
 * set) as the socket's inactivity limit until the head arrived, and idle connections are closed
 * after min(4 s, idleConnTimeout), below Node's 5 s server default so a socket the upstream is
 * about to close is not reused.
 */
import { connect, type Socket } from 'node:net';
import { HOP_BY_HOP as HOP_BY_HOP_NAMES } from '../hop-by-hop.ts';
import type { UpstreamTimeouts } from '../upstream-pools.ts';
import type { UpstreamServer } from '../upstream-server.ts';
import { CR, equalsLower, HTAB, isDigit, LF, SP, TOKEN, VALUE_OBS } from './http-chars.ts';
import { freeParser, HTTPParser, NO_BODY, ON_MESSAGE_BEGIN, ON_BODY, ON_HEADERS, ON_HEADERS_COMPLETE, ON_MESSAGE_COMPLETE, type LlhttpParser } from './llhttp.ts';

/** What an upstream connection reports to the exchange that holds it. */
export interface UpstreamOwner {
  /** Final (non-1xx) answer head. */
  onUpstreamHead(status: number, message: string, headers: string[]): void;
  /**
   * The same for a scanned answer whose header lines can be relayed as received: `lines` is
   * `name: value\r\n`…, hop-by-hop lines taken out, a Content-Length among them.
   */
  onUpstreamHeadLines(status: number, message: string, lines: string, hasDate: boolean): void;
  /** `chunk` may be a view of the shared read buffer: valid only during the call, copy what outlives it. */
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
/** Every upstream read of this thread lands here (onread): Node's default read size. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');
/** Header lines a scanned head may have; more go to llhttp. */
const MAX_LINES = 100;
/** Per header line of the head being scanned: start, colon, value start, value end, kind. Reused: a scan runs to its end synchronously. */
const LINES = new Int32Array(MAX_LINES * 5);
const OTHER = 0;
const HOP_BY_HOP = 1;
const CONNECTION = 2;
const CONTENT_LENGTH = 3;
const DATE = 4;
const TRANSFER_ENCODING = 5;
/** Hop-by-hop names (hop-by-hop.ts) by length, lowercase, but Connection and Transfer-Encoding which have kinds of their own. */
const HOP_NAMES = new Map<number, string[]>();
for (const name of HOP_BY_HOP_NAMES) {
  if (name === 'connection' || name === 'transfer-encoding') continue;
  const names = HOP_NAMES.get(name.length);
  if (names === undefined) HOP_NAMES.set(name.length, [name]);
  else names.push(name);
}

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
  /** Body bytes still due of an answer the scanner took; -1 when none is being read that way. */
  #remaining = -1;
  /** llhttp completed the answer during the current parse; handed on when the parse returns. */
  #completed = false;
  /** Bytes followed the completed answer in the same read: the upstream is out of step. */
  #overrun = false;
  /** llhttp has this answer (the scanner declined it): it keeps it until the answer's end. */
  #viaParser = false;

  constructor(pools: FastUpstreams, server: UpstreamServer) {
    this.origin = server.origin;
    this.#pools = pools;
    const timeouts = pools.timeouts;
    this.socket = connect({ host: server.hostname, port: server.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.#onRead } });
    this.socket.setTimeout(timeouts.dialTimeoutMs > 0 ? timeouts.dialTimeoutMs : 0);
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    parser[ON_HEADERS] = this.#onHeaders;
    parser[ON_HEADERS_COMPLETE] = this.#onHeadersComplete;
    parser[ON_BODY] = this.#onBody;
    parser[ON_MESSAGE_COMPLETE] = this.#onMessageComplete;
    parser[ON_MESSAGE_BEGIN] = this.#onMessageBegin;
    this.#parser = parser;
    this.socket.on('connect', this.#onConnect);
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
    this.#remaining = -1;
    this.#viaParser = false;
    this.#completed = false;
    this.#overrun = false;
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
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    freeParser(this.#parser);
  }

  readonly #onConnect = (): void => {
    this.#connected = true;
    const headerTimeout = this.#pools.timeouts.responseHeaderTimeoutMs;
    this.socket.setTimeout(this.#owner !== undefined && headerTimeout > 0 ? headerTimeout : 0);
  };

  /** onread's callback: `length` bytes of READ_BUFFER; true keeps reading (pause() still stops it). */
  readonly #onRead = (length: number): boolean => {
    this.#read(READ_BUFFER.subarray(0, length));
    return true;
  };

  #read(chunk: Buffer): void {
    const owner = this.#owner;
    if (owner === undefined) {
      // Bytes outside an exchange: the connection is not in a state we can reuse.
      this.destroy();
      return;
    }
    if (this.#remaining >= 0) {
      this.#bodyBytes(owner, chunk, 0);
      owner.onUpstreamReadDone();
      return;
    }
    if (!this.#viaParser) {
      if (this.#scan(owner, chunk)) {
        owner.onUpstreamReadDone();
        return;
      }
      this.#viaParser = true;
    }
    const result = this.#parser.execute(chunk);
    if (typeof result !== 'number') {
      if (!this.#completed) {
        this.#fail(new UpstreamError('UND_ERR_INVALID_RESPONSE', `invalid upstream answer (${(result as { code?: string }).code ?? 'parse error'})`));
        return;
      }
      // The answer was whole; what followed it is not HTTP. It ends here, and so does the connection.
      this.#overrun = true;
    }
    this.#deliverEnd();
    owner.onUpstreamReadDone();
  }

  /**
   * The answer llhttp completed is handed on only once its parse returned: ending the exchange inside
   * the parse would pool this connection while llhttp goes on reading the rest of the same read as a
   * next answer nobody asked for, and a later exchange (another client's) would get those bytes.
   * Bytes after the answer mean the upstream is out of step: the connection is not reused.
   */
  #deliverEnd(): void {
    if (!this.#completed) return;
    this.#completed = false;
    if (this.#overrun) this.#keepAlive = false;
    this.#overrun = false;
    this.#owner?.onUpstreamEnd();
  }

  /** Takes the answer when it is the usual kind (see the module comment); false leaves the chunk untouched for llhttp. */
  #scan(owner: UpstreamOwner, chunk: Buffer): boolean {
    if (this.#head) return false;
    const end = chunk.indexOf(HEAD_END);
    // "HTTP/1.1 200 " at least; HTTP/1.0 and anything shorter go to llhttp.
    if (end < 13 || chunk[0] !== 0x48 || !startsWithVersion(chunk)) return false;
    const status = (chunk[9]! - 0x30) * 100 + (chunk[10]! - 0x30) * 10 + (chunk[11]! - 0x30);
    if (!isDigit(chunk[9]!) || !isDigit(chunk[10]!) || !isDigit(chunk[11]!) || status < 200 || status === 204 || status === 304) return false;
    let lineEnd = chunk.indexOf(CR, 12);
    if (chunk[12] !== SP && lineEnd !== 12) return false;
    if (chunk[lineEnd + 1] !== LF) return false;
    for (let i = 13; i < lineEnd; i++) if (VALUE_OBS[chunk[i]!] !== 1) return false;
    const message = lineEnd === 15 && chunk[13] === 0x4f && chunk[14] === 0x4b ? 'OK' : lineEnd > 13 ? chunk.toString('latin1', 13, lineEnd) : '';
    let count = 0;
    let length = -1;
    let keepAlive = true;
    let hasDate = false;
    // Every line is `name: value` exactly and no Connection header names other headers: relayed as received.
    let asReceived = true;
    for (let start = lineEnd + 2; start < end + 2; start = lineEnd + 2) {
      lineEnd = chunk.indexOf(CR, start);
      if (chunk[lineEnd + 1] !== LF) return false;
      let colon = start;
      while (colon < lineEnd && chunk[colon] !== 0x3a) {
        if (TOKEN[chunk[colon]!] !== 1) return false;
        colon++;
      }
      if (colon === start || colon === lineEnd || count === MAX_LINES) return false;
      let from = colon + 1;
      let to = lineEnd;
      while (from < to && (chunk[from] === SP || chunk[from] === HTAB)) from++;
      while (to > from && (chunk[to - 1] === SP || chunk[to - 1] === HTAB)) to--;
      for (let i = from; i < to; i++) if (VALUE_OBS[chunk[i]!] !== 1) return false;
      if (from !== colon + 2 || chunk[colon + 1] !== SP || to !== lineEnd) asReceived = false;
      const kind = headerKind(chunk, start, colon);
      switch (kind) {
        case CONNECTION:
          if (equalsLower(chunk, from, to, 'close')) keepAlive = false;
          else if (!equalsLower(chunk, from, to, 'keep-alive')) {
            asReceived = false;
            if (/(^|,)[ \t]*close[ \t]*(,|$)/i.test(chunk.toString('latin1', from, to))) keepAlive = false;
          }
          break;
        case CONTENT_LENGTH:
          if (length !== -1 || to === from || to - from > 15) return false;
          length = 0;
          for (let i = from; i < to; i++) {
            if (!isDigit(chunk[i]!)) return false;
            length = length * 10 + chunk[i]! - 0x30;
          }
          break;
        case DATE:
          hasDate = true;
          break;
        case TRANSFER_ENCODING:
          return false;
      }
      const k = count++ * 5;
      LINES[k] = start;
      LINES[k + 1] = colon;
      LINES[k + 2] = from;
      LINES[k + 3] = to;
      LINES[k + 4] = kind;
    }
    if (length === -1) return false;
    this.#answered = true;
    this.#keepAlive = keepAlive;
    if (this.#pools.timeouts.responseHeaderTimeoutMs > 0) this.socket.setTimeout(0);
    this.#remaining = length;
    if (asReceived) {
      // The kept lines as runs of the received bytes: usually two strings, not two per header.
      let lines = '';
      let run = -1;
      for (let k = 0; k < count * 5; k += 5) {
        const kind = LINES[k + 4];
        if (kind === HOP_BY_HOP || kind === CONNECTION) {
          if (run !== -1) lines += chunk.toString('latin1', run, LINES[k]);
          run = -1;
        } else if (run === -1) run = LINES[k]!;
      }
      if (run !== -1) lines += chunk.toString('latin1', run, end + 2);
      owner.onUpstreamHeadLines(status, message, lines, hasDate);
    } else {
      const headers: string[] = [];
      for (let k = 0; k < count * 5; k += 5) headers.push(chunk.toString('latin1', LINES[k], LINES[k + 1]), chunk.toString('latin1', LINES[k + 2], LINES[k + 3]));
      owner.onUpstreamHead(status, message, headers);
    }
    if (this.#owner === owner) this.#bodyBytes(owner, chunk, end + 4);
    return true;
  }

  /** Relays body bytes of a scanned answer from `from` on, and ends it when all came. */
  #bodyBytes(owner: UpstreamOwner, chunk: Buffer, from: number): void {
    const available = chunk.length - from;
    const take = Math.min(available, this.#remaining);
    if (take > 0) owner.onUpstreamBody(from === 0 && take === chunk.length ? chunk : chunk.subarray(from, from + take));
    this.#remaining -= take;
    if (this.#remaining > 0 || this.#owner !== owner) return;
    this.#remaining = -1;
    // Bytes beyond the answer: the upstream is out of step, the connection is not reused.
    if (available > take) this.#keepAlive = false;
    owner.onUpstreamEnd();
  }

  readonly #onMessageBegin = (): void => {
    if (this.#completed) this.#overrun = true;
  };

  readonly #onHeaders = (headers: string[]): void => {
    if (this.#completed) return;
    for (let i = 0; i < headers.length; i++) this.#headers.push(headers[i]!);
  };

  readonly #onHeadersComplete = (_major: number, _minor: number, headers: string[] | undefined, _method: number, _url: string, status: number, message: string, upgrade: boolean, keepAlive: boolean): number => {
    if (this.#completed) {
      // A second answer in the same read: never relayed.
      this.#overrun = true;
      return NO_BODY;
    }
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
    if (this.#completed) return;
    this.#owner?.onUpstreamBody(chunk);
  };

  readonly #onMessageComplete = (): void => {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    if (this.#completed) this.#overrun = true;
    this.#completed = true;
  };

  readonly #onEnd = (): void => {
    this.#keepAlive = false;
    // An answer delimited by the connection's end completes here.
    if (this.#owner !== undefined && this.#answered) {
      this.#parser.finish();
      this.#deliverEnd();
    }
    if (this.#owner !== undefined) this.#fail(new UpstreamError('UND_ERR_SOCKET', 'upstream closed the connection'));
    else this.destroy();
  };

  readonly #onError = (error: Error): void => {
    const code = (error as { code?: string }).code ?? 'UND_ERR_SOCKET';
    this.#fail(new UpstreamError(code, error.message));
  };

  readonly #onClose = (): void => {
    if (this.#owner !== undefined) this.#fail(new UpstreamError('UND_ERR_SOCKET', 'upstream closed the connection'));
    if (this.#closed) return;
    this.#closed = true;
    freeParser(this.#parser);
  };

  readonly #onTimeout = (): void => {
    if (!this.#connected) this.#fail(new UpstreamError('UND_ERR_CONNECT_TIMEOUT', 'connecting to the upstream timed out'));
    else if (this.#owner !== undefined && !this.#answered) this.#fail(new UpstreamError('UND_ERR_HEADERS_TIMEOUT', 'the upstream sent no answer in time'));
  };

  readonly #onDrain = (): void => {
    this.#owner?.onUpstreamDrain();
  };

  #fail(error: UpstreamError): void {
    this.#remaining = -1;
    const owner = this.#owner;
    const beforeAnswer = !this.#answered;
    this.destroy();
    owner?.onUpstreamError(error, beforeAnswer);
  }
}

const VERSION = Buffer.from('HTTP/1.1 ');
function startsWithVersion(chunk: Buffer): boolean {
  for (let i = 0; i < 9; i++) if (chunk[i] !== VERSION[i]) return false;
  return true;
}

/** What a header name means to the relay, read from the bytes (no string made). */
function headerKind(chunk: Buffer, from: number, to: number): number {
  switch (to - from) {
    case 4:
      return equalsLower(chunk, from, to, 'date') ? DATE : OTHER;
    case 10:
      if (equalsLower(chunk, from, to, 'connection')) return CONNECTION;
      break;
    case 14:
      return equalsLower(chunk, from, to, 'content-length') ? CONTENT_LENGTH : OTHER;
    case 17:
      return equalsLower(chunk, from, to, 'transfer-encoding') ? TRANSFER_ENCODING : OTHER;
  }
  const names = HOP_NAMES.get(to - from);
  if (names !== undefined) for (const name of names) if (equalsLower(chunk, from, to, name)) return HOP_BY_HOP;
  return OTHER;
}
