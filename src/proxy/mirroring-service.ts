/**
 * @module Mirroring: every request goes to the main service, whose answer the client gets; each
 * mirror also gets a copy of `percent` % of the requests (spread evenly: a mirror is used while its
 * share is below its percentage), with its answer thrown away. Mirrors never delay the client: the
 * main request leaves first, copies are sent after it. With `mirrorBody` (default) a body is read
 * ahead so copies can carry it; a body larger than `maxBodySize` (-1: no limit) is not mirrored.
 */
import { ServerResponse } from 'node:http';
import { editableHeaders } from '../middlewares/request-headers.ts';
import { removeHeader } from './header-list.ts';
import { readAhead, rejoin } from './request-body.ts';
import type { RequestContext, ResponseWriter } from './request-context.ts';
import type { ServiceHandler } from './service-handlers.ts';

interface Mirror {
  readonly handler: ServiceHandler;
  readonly percent: number;
  count: number;
}

export class MirroringService implements ServiceHandler {
  readonly name: string;
  readonly #main: ServiceHandler;
  readonly #mirrors: readonly Mirror[];
  readonly #mirrorBody: boolean;
  readonly #maxBodySize: number;
  #total = 0;

  constructor(name: string, main: ServiceHandler, mirrors: readonly { handler: ServiceHandler; percent: number }[], mirrorBody: boolean, maxBodySize: number) {
    this.name = name;
    this.#main = main;
    this.#mirrors = mirrors.map((m) => ({ ...m, count: 0 }));
    this.#mirrorBody = mirrorBody;
    this.#maxBodySize = maxBodySize;
  }

  available(): boolean {
    return this.#main.available();
  }

  handle(ctx: RequestContext): void {
    this.#total++;
    const chosen: Mirror[] = [];
    for (const m of this.#mirrors) {
      if (m.count * 100 < this.#total * m.percent) {
        m.count++;
        chosen.push(m);
      }
    }
    if (chosen.length === 0) {
      this.#main.handle(ctx);
      return;
    }
    if (!this.#mirrorBody) {
      this.#main.handle(ctx);
      setImmediate(() => this.#copies(ctx, chosen, null));
      return;
    }
    readAhead(ctx, this.#maxBodySize).then((read) => {
      if (!read.complete) {
        ctx.body = rejoin(read.head, read.stream);
        this.#main.handle(ctx);
        return;
      }
      ctx.body = read.body;
      this.#main.handle(ctx);
      setImmediate(() => this.#copies(ctx, chosen, read.body));
    }, () => ctx.res.destroy());
  }

  #copies(ctx: RequestContext, mirrors: readonly Mirror[], body: Buffer | null): void {
    const headers = [...editableHeaders(ctx)];
    removeHeader(headers, 'transfer-encoding');
    removeHeader(headers, 'content-length');
    if (body !== null && body.length > 0) headers.push('content-length', String(body.length));
    for (const m of mirrors) {
      const copy: RequestContext = {
        ...ctx,
        // A response of its own that no socket reads: the copy's answer goes nowhere.
        res: new ServerResponse(ctx.req),
        out: DISCARD,
        body,
        editedHeaders: [...headers],
        upstreamError: undefined,
      };
      m.handler.handle(copy);
    }
  }
}

const DISCARD: ResponseWriter = {
  headersSent: false,
  writeHead: () => undefined,
  flushHeaders: () => {},
  write: () => true,
  end: () => undefined,
  destroy: () => undefined,
  once: () => undefined,
};
