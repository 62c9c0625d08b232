/**
 * @module One request as the endpoints see it: the decoded path (`%2F` is a `/`, as Go's
 * `URL.Path`), presence-tested query flags, the whole body already read, and a signal that fires
 * when the client goes away.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface RequestContext {
  readonly method: string;
  /** Percent-decoded path. */
  readonly path: string;
  /** The path as sent, still encoded, for the traversal checks Consul runs on it. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The Content-Length header, when the client sent one. */
  readonly declaredLength: number | undefined;
  readonly signal: AbortSignal;
  /** ACL mode and no token: Consul's anonymous token, which the double grants nothing. */
  readonly anonymous: boolean;
}

/** Consul tests query flags for presence: `?recurse=false` still recurses. */
export function hasFlag(ctx: RequestContext, name: string): boolean {
  return ctx.query.has(name);
}

/** Go's `url.Values.Encode`: keys sorted, QueryEscape'd; used verbatim in "Conflicting flags" messages. */
export function encodeQuery(query: URLSearchParams): string {
  const escape = (text: string): string => encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const keys = [...new Set(query.keys())].sort();
  return keys.flatMap((key) => query.getAll(key).map((value) => `${escape(key)}=${escape(value)}`)).join('&');
}
