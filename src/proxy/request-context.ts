/**
 * @module What one request carries through the pipeline: the view the rules match against, the
 * routing decision, and what the access log needs. One object per request, shared by every stage,
 * so no stage allocates its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardedTrust } from './forwarded-headers.ts';

/** Per entry point, fixed at start-up. */
export interface EntryPointSettings {
  readonly trust: ForwardedTrust;
  readonly localPort: number;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly entryPoint: string;
  readonly settings: EntryPointSettings;
  /** Arrived over TLS. */
  readonly tls: boolean;
  // The RoutingRequest fields (src/rules/request.ts):
  readonly host: string;
  /** Sanitized path, matched and sent upstream, without the query. */
  path: string;
  readonly method: string;
  /** Query text without its '?', or ''. */
  rawQuery: string;
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
  /** '?' + rawQuery, or ''. */
  search: string;
  readonly startedAt: number;
  routerName: string | undefined;
  serviceName: string | undefined;
  /** Upstream server URL, once one was picked. */
  serverUrl: string | undefined;
  /** Status the upstream answered with, 0 when it never did. */
  originStatus: number;
}
