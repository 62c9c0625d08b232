/**
 * @module The double's HTTP(S) front: decodes and cleans the path (301 as Go's mux does), reads the
 * body, counts the request, then applies the knobs — pause, injected failures, delay — and the ACL
 * check before an endpoint answers. `stop`/`restart` close and reopen the same port.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkToken } from './acl.ts';
import type { ConsulDoubleOptions } from './double-config.ts';
import type { Env } from './endpoint-env.ts';
import { textReply, type Reply } from './reply.ts';
import type { RequestContext } from './request-context.ts';
import { cleanPath, decodePath, redirectLocation } from './request-path.ts';
import { route } from './router.ts';
import type { Stats } from './stats.ts';

/** Bodies past this are drained, not kept: enough to report a 413 with the real size. */
const bodyKeepLimit = 4 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<{ body: Buffer; length: number }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= bodyKeepLimit) chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), length };
}

export class HttpFront {
  readonly #server: Server;
  readonly #env: Env;
  readonly #stats: Stats;
  #port: number;

  constructor(options: Pick<ConsulDoubleOptions, 'tls' | 'port'>, env: Env, stats: Stats) {
    this.#env = env;
    this.#stats = stats;
    this.#port = options.port ?? 0;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((error: unknown) => this.#write(res, textReply(500, String(error))));
    };
    const tls = options.tls;
    this.#server =
      tls === undefined
        ? createHttpServer(handler)
        : createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: true }) }, handler);
  }

  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server.listening;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Closes the listener and drops every connection, in-flight long polls included. */
  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Not WHATWG URL: it would resolve `..` and `%2e%2e` segments that Go's mux answers with a 301.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
    const search = queryAt === -1 ? '' : target.slice(queryAt);
    const query = new URLSearchParams(search);
    const path = decodePath(rawPath);
    if (path === undefined) return this.#write(res, textReply(400, `invalid URL escape in ${JSON.stringify(rawPath)}`));
    const cleaned = path === '/v1/kv' ? '/v1/kv/' : cleanPath(path);
    if (cleaned !== path) {
      const location = redirectLocation(cleaned, search);
      return this.#write(res, textReply(301, `<a href="${location}">Moved Permanently</a>.\n\n`, { location, 'content-type': 'text/html; charset=utf-8' }));
    }
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const { body, length } = await readBody(req);
    const declared = req.headers['content-length'];
    const base = {
      method: req.method ?? 'GET',
      path,
      rawPath,
      query,
      headers: req.headers,
      body,
      declaredLength: declared === undefined ? length : Number(declared),
      signal: gone.signal,
    };
    const endpoint = route({ ...base, anonymous: false });
    const index = query.get('index') ?? '';
    this.#stats.record(endpoint.label, /^\d+$/.test(index) && BigInt(index) > 0n);

    const { knobs, config } = this.#env;
    await knobs.whenResumed();
    const failure = knobs.takeFailure();
    if (failure !== undefined) {
      this.#stats.recordInjectedFailure();
      return this.#send(res, failure);
    }
    const access = endpoint.open ? 'ok' : checkToken(query, req.headers, config.token);
    if (typeof access === 'object') return this.#send(res, access);
    const ctx: RequestContext = { ...base, anonymous: access === 'anonymous' };
    await this.#send(res, await endpoint.handle(ctx, this.#env));
  }

  /** The last knobs before the bytes go out: a forced zero index, the delay, and a pause that began meanwhile. */
  async #send(res: ServerResponse, reply: Reply): Promise<void> {
    const { knobs } = this.#env;
    let headers = reply.headers;
    if (knobs.forceIndexZero && 'x-consul-index' in headers) headers = { ...headers, 'x-consul-index': '0' };
    if (knobs.slowResponses > 0) await sleep(knobs.slowResponses);
    await knobs.whenResumed();
    this.#write(res, { ...reply, headers });
  }

  #write(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }
}
