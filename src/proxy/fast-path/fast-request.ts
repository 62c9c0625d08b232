/**
 * @module One request served by the fast path: the RequestContext every stage after routing
 * expects (route table, access log, metrics), without IncomingMessage or ServerResponse. It stands
 * in for both where the access log and the metrics read them (`req.httpVersion`,
 * `res.headersSent`, `res.statusCode`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntryPointSettings, RequestContext } from '../request-context.ts';

export class FastRequest implements RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly entryPoint: string;
  readonly settings: EntryPointSettings;
  readonly tls: boolean;
  readonly host: string;
  path: string;
  readonly method: string;
  rawQuery: string;
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
  search: string;
  readonly startedAt: number;
  routerName: string | undefined = undefined;
  serviceName: string | undefined = undefined;
  serverUrl: string | undefined = undefined;
  originStatus = 0;
  /** `1.1` or `1.0`, as IncomingMessage.httpVersion. */
  readonly httpVersion: string;
  /** The status line went out to the client (ServerResponse.headersSent). */
  headersSent = false;
  /** The status sent to the client (ServerResponse.statusCode). */
  statusCode = 200;
  upstreamError: unknown = undefined;
  /** Whatever the metrics keep per request while it is open. */
  metricsTag: unknown = undefined;

  constructor(entryPoint: string, settings: EntryPointSettings, tls: boolean, host: string, path: string, method: string, rawQuery: string, rawHeaders: readonly string[], clientIp: string, httpVersion: string, search: string) {
    this.req = this as unknown as IncomingMessage;
    this.res = this as unknown as ServerResponse;
    this.entryPoint = entryPoint;
    this.settings = settings;
    this.tls = tls;
    this.host = host;
    this.path = path;
    this.method = method;
    this.rawQuery = rawQuery;
    this.rawHeaders = rawHeaders;
    this.clientIp = clientIp;
    this.search = search;
    this.startedAt = performance.now();
    this.httpVersion = httpVersion;
  }
}
