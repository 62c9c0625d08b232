/**
 * @module One client connection on the fast path: requests parsed straight off the socket by llhttp
 * (the parser node:http uses, with its strict settings), routed with the same route table, and
 * forwarded over raw kept-alive upstream sockets, the answer relayed with as few writes as the reads
 * allow (the socket is corked while one upstream read is parsed).
 *
 * The usual request head is read by a strict scanner (request-scanner.ts) and its body counted
 * here; the scanner declines anything else, however harmless, and from that byte on llhttp parses
 * the connection, as before the scanner existed (llhttp keeps it: its state between messages is
 * not visible from here).
 *
 * Only the common case stays here: HTTP/1.0 or 1.1, no Upgrade, no Expect, a body framed by
 * Content-Length or none, a router without middlewares ending in a load balancer the fast path can
 * serve (no sticky cookie, no passive health check, plain-HTTP servers). At the head of any other
 * request the parser stops; once the answers before it left, the connection is handed for good to
 * the node:http server with that request's bytes put back (`unshift`). The head is put back as
 * parsed (method, target, version, every header as received): node:http parses it to the same
 * request.
 *
 * Pipelined requests are answered in order: a head that arrives while an exchange is open stops
 * the parser the same way, and the bytes are parsed again when the exchange ended.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { routingPath } from '../../rules/routing-path.ts';
import type { RouteTarget } from '../data-plane.ts';
import { STATUS_TEXT, statusForUpstreamError } from '../error-responses.ts';
import { connectionListed, isHopByHop } from '../hop-by-hop.ts';
import type { EntryPointSettings, RequestContext } from '../request-context.ts';
import { routingHost } from '../request-host.ts';
import type { LoadBalancerService } from '../service-handlers.ts';
import type { UpstreamServer } from '../upstream-server.ts';
import { FastRequest } from './fast-request.ts';
import { RequestScanner } from './request-scanner.ts';
import { UpstreamHeadLines } from './upstream-head.ts';
import { freeParser, HTTPParser, METHODS, ON_BODY, ON_HEADERS, ON_HEADERS_COMPLETE, ON_MESSAGE_COMPLETE, STOP_AFTER_HEAD, type LlhttpParser } from './llhttp.ts';
import type { FastUpstreams, UpstreamConnection, UpstreamError, UpstreamOwner } from './upstream-connections.ts';
import { wirePath } from '../wire-path.ts';
import type { SharedReadSocket } from './client-reads.ts';

/** What the fast path needs of a data plane (DataPlane.fastPath, or the worker's metrics wrapper around it). */
export interface FastPathPlane {
  settings(entryPoint: string): EntryPointSettings;
  /** The router's target when the fast path can serve it; undefined: no router matches (404); null: the full path must. */
  route(ctx: RequestContext): RouteTarget | undefined | null;
  readonly upstreams: FastUpstreams;
  /** Routed and about to be served. */
  requestStarted(ctx: FastRequest): void;
  /** Answered, failed or abandoned by the client (status 499 then, as on the full path). */
  requestFinished(ctx: FastRequest): void;
  /** Header lines added to every answer (`name: value\r\n`…, '' for none). */
  extraHeaders(): string;
  /** On this entry point, the Host asks for other TLS options than the server name the TLS socket was handshaken for (421 on the full path). */
  misdirected(entryPoint: string, host: string, socket: object): boolean;
  /** The router may serve a request on this TLS socket: it names the options the socket was handshaken under (421 on the full path otherwise). */
  servesUnder(target: RouteTarget, socket: object): boolean;
}

/** The entry point side of a fast connection. */
export interface FastConnectionHost {
  readonly name: string;
  readonly plane: FastPathPlane;
  /** Serves the rest of the connection with node:http (its unread bytes were put back). */
  fallBack(socket: Socket): void;
  /** The connection left the fast path (closed or handed over). */
  left(connection: FastConnection): void;
}

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
/** A first body chunk up to this size leaves in the same write as the head (copied once into the string). */
const SMALL_BODY = 16 * 1024;
const RETRIED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

let dateText = '';
let dateSecond = 0;
/** The Date header node:http adds when the upstream sent none, computed once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1_000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1_000).toUTCString();
  }
  return dateText;
}

export class FastConnection implements UpstreamOwner {
  readonly socket: Socket;
  readonly #host: FastConnectionHost;
  readonly #plane: FastPathPlane;
  readonly #settings: EntryPointSettings;
  readonly #clientIp: string;
  /** Arrived over TLS (the socket is the TLSSocket after its handshake). */
  readonly #tls: boolean;
  readonly #parser: LlhttpParser;
  readonly #scanner = new RequestScanner();
  /** Made by the first request sent upstream. */
  #upstreamLines: UpstreamHeadLines | undefined;
  /** llhttp parses this connection from now on (the scanner declined a head). */
  #viaParser = false;
  /** Body bytes still due of a request the scanner took. */
  #bodyLeft = 0;
  /** Header pairs and target text llhttp hands over early when a head is long. */
  #headerParts: string[] = [];
  #urlPart = '';
  #current: FastRequest | undefined;
  #upstream: UpstreamConnection | undefined;
  #server: UpstreamServer | undefined;
  /** The request head as sent upstream, kept for one retry on a fresh connection. */
  #upstreamHead = '';
  #retried = false;
  #requestDone = false;
  #responseDone = false;
  #keepAlive = false;
  #http10 = false;
  #headRequest = false;
  #requestHasBody = false;
  /** The answer to the client is re-framed in chunks (the upstream's length was not known). */
  #chunked = false;
  /** The parser stopped after a head (pipelined while busy, or for node:http): it is parsed again later. */
  #stopped = false;
  #stoppedHead = '';
  /** The stopped request goes to node:http. */
  #handOff = false;
  /** Bytes received but not parsed yet (a stopped request and what followed it). */
  #pending: Buffer | undefined;
  #executing = false;
  #corkedUpstream: Socket | undefined;
  #clientCorked = false;
  /** The answer's head, held until the body's first bytes (or the end of this read) so both leave in one write. */
  #heldHead = '';
  /** The client socket is paused because the upstream is full. */
  #waitingForUpstream = false;
  /** The upstream socket is paused because the client is full. */
  #waitingForClient = false;
  #closing = false;
  #gone = false;
  #draining = false;
  #idleSince = performance.now();
  /** When the request being read started (the read that brought its first bytes), 0 between requests. */
  #readStartedAt = 0;
  /** Reads land in the thread's shared buffer: a chunk is valid only during #onData, kept bytes are copied. */
  readonly #sharedReads: SharedReadSocket | undefined;

  /** `shared`: the socket reads into the shared buffer (client-reads.ts); else it is read as a stream. */
  constructor(socket: Socket, host: FastConnectionHost, tls: boolean, shared?: SharedReadSocket) {
    this.socket = socket;
    this.#sharedReads = shared;
    this.#host = host;
    this.#plane = host.plane;
    this.#settings = host.plane.settings(host.name);
    this.#clientIp = socket.remoteAddress ?? '';
    this.#tls = tls;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    parser[ON_HEADERS] = this.#onHeaders;
    parser[ON_HEADERS_COMPLETE] = this.#onHeadersComplete;
    parser[ON_BODY] = this.#onBody;
    parser[ON_MESSAGE_COMPLETE] = this.#onMessageComplete;
    this.#parser = parser;
    socket.setNoDelay(true);
    if (shared !== undefined) shared.setReader(this.#onData);
    else socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
  }

  /** Entry point timeouts, checked by the entry point's sweep: whole-request read limit and keep-alive idle limit. */
  checkTimeouts(now: number, readTimeoutMs: number, idleTimeoutMs: number): void {
    if (this.#readStartedAt > 0 && readTimeoutMs > 0 && now - this.#readStartedAt > readTimeoutMs) {
      if (this.#current === undefined || !this.#current.headersSent) this.socket.write(REQUEST_TIMEOUT);
      // Nothing more is read or relayed on this connection: an answer arriving later must not
      // follow the 408, and the exchange in flight is let go now.
      this.#closing = true;
      this.#keepAlive = false;
      this.#upstream?.destroy();
      this.#upstream = undefined;
      this.socket.destroySoon();
      return;
    }
    if (this.#current === undefined && this.#pending === undefined && this.#readStartedAt === 0 && idleTimeoutMs > 0 && now - this.#idleSince > idleTimeoutMs) this.socket.destroy();
  }

  /** A drain began: an idle connection closes now, a busy one after its answer. */
  drain(): void {
    this.#draining = true;
    if (this.#current === undefined && this.#pending === undefined && this.#readStartedAt === 0) this.socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closing) return;
    if (this.#pending !== undefined) {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      return;
    }
    this.#execute(chunk);
  };

  #execute(chunk: Buffer): void {
    // Bytes between requests start the next one's read clock (no per-message callback needed).
    if (this.#current === undefined && this.#readStartedAt === 0) this.#readStartedAt = performance.now();
    this.#executing = true;
    const from = this.#viaParser ? 0 : this.#scanRequests(chunk);
    let result: number | Error = 0;
    const rest = from > 0 ? chunk.subarray(from) : chunk;
    if (from !== -1 && from < chunk.length) result = this.#parser.execute(rest);
    this.#executing = false;
    const corked = this.#corkedUpstream;
    if (corked !== undefined) {
      this.#corkedUpstream = undefined;
      corked.uncork();
    }
    if (typeof result !== 'number') {
      this.#refuse();
      return;
    }
    if (this.#stopped) {
      this.#stopped = false;
      const head = Buffer.from(this.#stoppedHead, 'latin1');
      this.#stoppedHead = '';
      this.#pending = result < rest.length ? Buffer.concat([head, rest.subarray(result)]) : head;
      this.socket.pause();
      if (this.#current === undefined) this.#resumePending();
      return;
    }
    if (this.#pending !== undefined && this.#current === undefined) this.#resumePending();
  }

  /**
   * Serves the requests the scanner takes from `chunk`, with their bodies. Returns where llhttp
   * must take over (chunk.length when nothing is left), or -1 when the rest waits in #pending (a
   * request pipelined behind an open one, or one for node:http), unparsed.
   */
  #scanRequests(chunk: Buffer): number {
    const scanner = this.#scanner;
    let at = 0;
    while (at < chunk.length && !this.#closing) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - at);
        this.#onBody(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
        this.#bodyLeft -= take;
        at += take;
        if (this.#bodyLeft === 0) this.#onMessageComplete();
        continue;
      }
      // A request pipelined in the same read starts its own read clock.
      if (at > 0 && this.#readStartedAt === 0) this.#readStartedAt = performance.now();
      const end = scanner.scan(chunk, at);
      // Bytes after a request that closes the connection: llhttp says what they are.
      if (end === -1 || (!scanner.keepAlive && end + scanner.bodyLength < chunk.length)) {
        this.#viaParser = true;
        return at;
      }
      if (this.#current !== undefined || this.#draining || !this.#begin(scanner.method, scanner.target, scanner.minor, scanner.headers, scanner.host, scanner.keepAlive, scanner.bodyLength)) {
        // Parsed again once the open answer left, here or by node:http (which gets the bytes as they came).
        if (this.#current === undefined || this.#draining) this.#handOff = true;
        this.#pending = this.#keep(at === 0 ? chunk : chunk.subarray(at));
        this.socket.pause();
        return -1;
      }
      at = end;
      this.#bodyLeft = scanner.bodyLength;
      if (this.#bodyLeft === 0) this.#onMessageComplete();
    }
    return chunk.length;
  }

  /** Bytes of this read kept beyond it: a copy when the read is a view of the shared buffer. */
  #keep(chunk: Buffer): Buffer {
    return this.#sharedReads === undefined ? chunk : Buffer.from(chunk);
  }

  /** Not HTTP/1.x as node:http would accept it: 400 and close, as the node:http server's clientError handler does. */
  #refuse(): void {
    this.#closing = true;
    if (this.#current !== undefined) {
      this.socket.destroy();
      return;
    }
    this.socket.end(BAD_REQUEST);
  }

  #resumePending(): void {
    const pending = this.#pending!;
    this.#pending = undefined;
    if (this.#handOff) {
      this.#leave();
      this.socket.unshift(pending);
      this.#host.fallBack(this.socket);
      return;
    }
    this.socket.resume();
    this.#execute(pending);
  }

  #leave(): void {
    this.#release();
    if (this.#sharedReads !== undefined) this.#sharedReads.setReader(undefined);
    else this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('error', this.#onError);
    this.socket.off('close', this.#onClose);
    this.socket.off('drain', this.#onDrain);
    this.#host.left(this);
  }

  readonly #onHeaders = (headers: string[], url: string): void => {
    for (let i = 0; i < headers.length; i++) this.#headerParts.push(headers[i]!);
    this.#urlPart += url;
  };

  readonly #onHeadersComplete = (major: number, minor: number, headers: string[] | undefined, methodIndex: number, url: string, _status: number, _message: string, upgrade: boolean, keepAlive: boolean): number => {
    if (headers === undefined) {
      headers = this.#headerParts;
      this.#headerParts = [];
    }
    if (!url) {
      url = this.#urlPart;
      this.#urlPart = '';
    }
    const method = METHODS[methodIndex] ?? '';
    if (this.#current !== undefined || this.#draining) return this.#stop(method, url, major, minor, headers, this.#draining);
    if (upgrade || major !== 1 || method === 'CONNECT' || url.charCodeAt(0) !== 47 /* / */) return this.#stop(method, url, major, minor, headers, true);
    let hostHeader: string | undefined;
    let bodyLength = 0;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'host') {
            // Two Hosts: node:http answers 400 (routing on one and forwarding the other would let a
            // client reach a backend through a router meant for another host).
            if (hostHeader !== undefined) return this.#stop(method, url, major, minor, headers, true);
            hostHeader = headers[i + 1];
          }
          break;
        case 6:
          if (name.toLowerCase() === 'expect') return this.#stop(method, url, major, minor, headers, true);
          break;
        case 7:
          if (name.toLowerCase() === 'upgrade') return this.#stop(method, url, major, minor, headers, true);
          break;
        case 14:
          // llhttp already refused a malformed or conflicting length.
          if (name.toLowerCase() === 'content-length') bodyLength = Number(headers[i + 1]);
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') return this.#stop(method, url, major, minor, headers, true);
          break;
      }
    }
    if (!this.#begin(method, url, minor, headers, hostHeader, keepAlive, bodyLength)) return this.#stop(method, url, major, minor, headers, true);
    return 0;
  };

  /** Routes and serves a request (llhttp's or the scanner's); false when node:http must serve it. */
  #begin(method: string, url: string, minor: number, headers: string[], hostHeader: string | undefined, keepAlive: boolean, bodyLength: number): boolean {
    const q = url.indexOf('?');
    const path = routingPath(q === -1 ? url : url.slice(0, q));
    // A path Traefik refuses gets its 400 from the full path.
    if (path === null) return false;
    let rawQuery = q === -1 ? '' : url.slice(q + 1);
    if (rawQuery.includes(';')) rawQuery = rawQuery.replaceAll(';', '&');
    const ctx = new FastRequest(this.#host.name, this.#settings, this.#tls, routingHost(hostHeader), path, method, rawQuery, headers, this.#clientIp, minor === 0 ? '1.0' : '1.1', q === -1 ? '' : `?${rawQuery}`);
    // A Host asking for other TLS options than the handshake's: the full path answers 421.
    if (this.#tls && this.#plane.misdirected(this.#host.name, ctx.host, this.socket)) return false;
    const target = this.#plane.route(ctx);
    if (target === null || (this.#tls && target !== undefined && !this.#plane.servesUnder(target, this.socket))) return false;
    this.#current = ctx;
    this.#requestDone = false;
    this.#responseDone = false;
    this.#keepAlive = keepAlive;
    this.#http10 = minor === 0;
    this.#headRequest = method === 'HEAD';
    this.#requestHasBody = bodyLength > 0;
    this.#retried = false;
    this.#plane.requestStarted(ctx);
    if (target === undefined) {
      this.#answerLocally(404, STATUS_TEXT[404]!);
      return true;
    }
    const service = target.service as LoadBalancerService;
    const server = service.pick();
    if (server === undefined) {
      this.#answerLocally(503, 'no available server');
      return true;
    }
    ctx.serverUrl = server.url;
    this.#upstreamLines ??= new UpstreamHeadLines({ clientIp: this.#clientIp, proto: this.#tls ? 'https' : 'http', localPort: this.#settings.localPort, keepUpgrade: false }, this.#settings.trust);
    const lines = this.#upstreamLines.build(headers, service.passHostHeader ? undefined : server.host);
    this.#send(server, `${method} ${server.pathPrefix}${wirePath(ctx.path)}${ctx.search} HTTP/1.1\r\n${lines}`, false);
    return true;
  }

  /** Stops the parser after this head; the request is parsed again later, here or by node:http. */
  #stop(method: string, url: string, major: number, minor: number, headers: readonly string[], handOff: boolean): number {
    this.#stopped = true;
    if (handOff) this.#handOff = true;
    let head = `${method} ${url} HTTP/${major}.${minor}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    this.#stoppedHead = `${head}\r\n`;
    return STOP_AFTER_HEAD;
  }

  #send(server: UpstreamServer, head: string, fresh: boolean): void {
    const conn = this.#plane.upstreams.acquire(server, fresh);
    this.#upstream = conn;
    this.#server = server;
    this.#upstreamHead = head;
    conn.attach(this, this.#headRequest);
    if (this.#requestHasBody && this.#executing && this.#corkedUpstream === undefined) {
      // Body bytes parsed in this same read leave with the head.
      conn.socket.cork();
      this.#corkedUpstream = conn.socket;
    }
    conn.write(head);
  }

  readonly #onBody = (chunk: Buffer): void => {
    const upstream = this.#upstream;
    if (this.#stopped || upstream === undefined || this.#responseDone) return;
    // The socket holds a written chunk until the kernel took it, maybe past this read.
    if (!upstream.write(this.#keep(chunk)) && !this.#waitingForUpstream) {
      this.#waitingForUpstream = true;
      this.socket.pause();
    }
  };

  readonly #onMessageComplete = (): void => {
    if (this.#stopped) return;
    this.#readStartedAt = 0;
    if (this.#current === undefined) return;
    this.#requestDone = true;
    if (this.#responseDone) this.#finish();
  };

  onUpstreamDrain(): void {
    if (!this.#waitingForUpstream) return;
    this.#waitingForUpstream = false;
    if (this.#pending === undefined) this.socket.resume();
  }

  readonly #onDrain = (): void => {
    if (!this.#waitingForClient) return;
    this.#waitingForClient = false;
    this.#upstream?.resume();
  };

  onUpstreamHead(status: number, message: string, headers: string[]): void {
    const listed = connectionListed(headers);
    let lines = '';
    let length = false;
    let date = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const lower = name.toLowerCase();
      if (isHopByHop(lower) || listed?.has(lower) === true) continue;
      if (lower === 'content-length') length = true;
      else if (lower === 'date') date = true;
      lines += `${name}: ${headers[i + 1]}\r\n`;
    }
    this.#holdHead(status, message, lines, length, date);
  }

  onUpstreamHeadLines(status: number, message: string, lines: string, hasDate: boolean): void {
    this.#holdHead(status, message, lines, true, hasDate);
  }

  /** The answer's head for the client, from the upstream's header lines to relay; held until the body's first bytes. */
  #holdHead(status: number, message: string, lines: string, length: boolean, date: boolean): void {
    const ctx = this.#current!;
    ctx.originStatus = status;
    ctx.statusCode = status;
    ctx.headersSent = true;
    let head = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || 'unknown'}\r\n${lines}`;
    if (!date) head += `Date: ${httpDate()}\r\n`;
    const bodyless = this.#headRequest || status === 204 || status === 304;
    this.#chunked = false;
    if (!bodyless && !length) {
      // An answer of unknown length: chunked to an HTTP/1.1 client, delimited by the close to a 1.0 one.
      if (this.#http10) this.#keepAlive = false;
      else {
        this.#chunked = true;
        head += 'Transfer-Encoding: chunked\r\n';
      }
    }
    if (this.#draining) this.#keepAlive = false;
    if (!this.#keepAlive) head += 'Connection: close\r\n';
    else if (this.#http10) head += 'Connection: keep-alive\r\n';
    head += this.#plane.extraHeaders();
    this.#heldHead = `${head}\r\n`;
  }

  /** Writes a held head on its own (no body bytes came with it). */
  #flushHead(): void {
    if (this.#heldHead === '') return;
    this.socket.write(this.#heldHead, 'latin1');
    this.#heldHead = '';
  }

  onUpstreamBody(chunk: Buffer): void {
    if (this.#heldHead !== '' && !this.#chunked && chunk.length <= SMALL_BODY) {
      // The usual small answer: one string, one write(2), no writev.
      const ok = this.socket.write(this.#heldHead + chunk.toString('latin1'), 'latin1');
      this.#heldHead = '';
      if (!ok) this.#clientFull();
      return;
    }
    if (!this.#clientCorked) {
      this.#clientCorked = true;
      this.socket.cork();
    }
    this.#flushHead();
    // The chunk may be a view of the upstream read buffer, which the next read overwrites while
    // the write waits (corked, or queued behind a slow client): the socket gets its own copy.
    chunk = Buffer.from(chunk);
    let ok: boolean;
    if (this.#chunked) {
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk);
      ok = this.socket.write('\r\n', 'latin1');
    } else {
      ok = this.socket.write(chunk);
    }
    if (!ok) this.#clientFull();
  }

  /** The client socket is full: the upstream is paused until it drains. */
  #clientFull(): void {
    if (this.#waitingForClient) return;
    this.#waitingForClient = true;
    this.#upstream?.pause();
  }

  onUpstreamReadDone(): void {
    this.#flushHead();
    if (!this.#clientCorked) return;
    this.#clientCorked = false;
    this.socket.uncork();
  }

  onUpstreamEnd(): void {
    this.#flushHead();
    if (this.#chunked) this.socket.write('0\r\n\r\n', 'latin1');
    const conn = this.#upstream!;
    this.#upstream = undefined;
    this.#waitingForClient = false;
    conn.finish(this.#requestDone);
    this.#responseDone = true;
    // The answer came before the whole request: what is left of it cannot be told from the next one.
    if (!this.#requestDone) this.#keepAlive = false;
    if (this.#requestDone || !this.#keepAlive) this.#finish();
  }

  onUpstreamError(error: UpstreamError, beforeAnswer: boolean): void {
    const conn = this.#upstream;
    this.#upstream = undefined;
    const ctx = this.#current;
    if (ctx === undefined || this.#gone) return;
    // A kept-alive connection the upstream closed just as we reused it: a request without a body
    // that cannot have changed anything is sent again on a new connection, once (as Go's transport does).
    if (beforeAnswer && conn?.reused === true && !this.#retried && !this.#requestHasBody && RETRIED_METHODS.has(ctx.method)) {
      this.#retried = true;
      this.#send(this.#server!, this.#upstreamHead, true);
      return;
    }
    if (ctx.headersSent) {
      // Cut mid-answer: the client must see a broken answer, not a short one.
      this.socket.destroy();
      return;
    }
    ctx.upstreamError = error;
    if (this.#waitingForUpstream) {
      this.#waitingForUpstream = false;
      this.socket.resume();
    }
    const status = statusForUpstreamError(error);
    this.#answerLocally(status, STATUS_TEXT[status]!);
  }

  /** The proxy's own answer (src/proxy/error-responses.ts texts). */
  #answerLocally(status: number, text: string): void {
    const ctx = this.#current!;
    ctx.statusCode = status;
    ctx.headersSent = true;
    const body = `${text}\n`;
    if (!this.#requestDone && this.#requestHasBody) this.#keepAlive = false;
    if (this.#draining) this.#keepAlive = false;
    const connection = !this.#keepAlive ? 'Connection: close\r\n' : this.#http10 ? 'Connection: keep-alive\r\n' : '';
    this.socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nDate: ${httpDate()}\r\n${connection}${this.#plane.extraHeaders()}\r\n${this.#headRequest ? '' : body}`, 'latin1');
    this.#responseDone = true;
    if (this.#requestDone || !this.#keepAlive) this.#finish();
  }

  #finish(): void {
    const ctx = this.#current!;
    this.#current = undefined;
    if (this.#clientCorked) {
      this.#clientCorked = false;
      this.socket.uncork();
    }
    this.#plane.requestFinished(ctx);
    if (!this.#keepAlive || this.#draining) {
      this.#closing = true;
      this.#upstream?.destroy();
      this.#upstream = undefined;
      this.socket.destroySoon();
      return;
    }
    this.#idleSince = performance.now();
    // The request's last body write may still have been waiting for the upstream's drain, which now
    // goes to no one (the upstream connection is released): the client must be read again.
    if (this.#waitingForUpstream) {
      this.#waitingForUpstream = false;
      if (this.#pending === undefined) this.socket.resume();
    }
    if (this.#pending !== undefined && !this.#executing) this.#resumePending();
  }

  readonly #onEnd = (): void => {
    // The client is done sending: answer what is open, then close.
    this.#keepAlive = false;
    if (this.#current === undefined) this.socket.destroySoon();
  };

  readonly #onError = (): void => {
    // 'close' follows and does the cleaning.
  };

  /** The connection is closed or handed to node:http: its parser is never used again. */
  #release(): void {
    if (this.#gone) return;
    this.#gone = true;
    freeParser(this.#parser);
  }

  readonly #onClose = (): void => {
    this.#release();
    this.#closing = true;
    this.#host.left(this);
    this.#upstream?.destroy();
    this.#upstream = undefined;
    const ctx = this.#current;
    this.#current = undefined;
    if (ctx !== undefined) {
      if (!this.#responseDone) ctx.originStatus ||= 499;
      this.#plane.requestFinished(ctx);
    }
  };
}
