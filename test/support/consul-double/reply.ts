/**
 * @module What an endpoint hands back: status, headers and bytes. Endpoints build replies and the
 * HTTP front writes them, so pausing, slowing and failing answers stay in one place.
 */
import { goJson } from './go-json.ts';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

export function jsonReply(value: unknown, options: { status?: number; pretty?: boolean; headers?: Record<string, string> } = {}): Reply {
  return {
    status: options.status ?? 200,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: goJson(value, options.pretty ?? false),
  };
}

/** Consul's errors are short plain-text bodies. */
export function textReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: message };
}

/** A 404 for a missing key or prefix: empty body, meta headers still set. */
export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: '' };
}

/** 405 with the Allow header, as Go's handlers answer a wrong method. */
export function methodNotAllowed(method: string, allowed: readonly string[]): Reply {
  return textReply(405, `method ${method} not allowed`, { allow: allowed.join(',') });
}
