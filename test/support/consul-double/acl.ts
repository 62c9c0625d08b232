/**
 * @module The double's ACL mode: one token with every right, deny-by-default for everyone else.
 * Mirrors what a client meets: an unknown token is refused outright ("ACL not found"); no token
 * means the anonymous token, which gets 403 on reads of one key and on writes but *silently empty*
 * listings — a missing token looks like an empty store, the trap worth reproducing.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { textReply, type Reply } from './reply.ts';

/** parseTokenInternal's precedence: `?token=`, then X-Consul-Token, then `Authorization: Bearer`. */
export function requestToken(query: URLSearchParams, headers: IncomingHttpHeaders): string | undefined {
  const fromQuery = query.get('token');
  if (fromQuery) return fromQuery;
  const header = headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const parts = (headers.authorization ?? '').split(' ');
  if (parts.length === 2 && parts[0]?.toLowerCase() === 'bearer') return parts[1]?.trim() || undefined;
  return undefined;
}

/** 'ok', 'anonymous' (no token at all), or the 403 for a token Consul does not know. */
export function checkToken(query: URLSearchParams, headers: IncomingHttpHeaders, expected: string | undefined): 'ok' | 'anonymous' | Reply {
  if (expected === undefined) return 'ok';
  const token = requestToken(query, headers);
  if (token === undefined) return 'anonymous';
  return token === expected ? 'ok' : textReply(403, 'ACL not found');
}

export function permissionDenied(): Reply {
  return textReply(403, 'Permission denied');
}

/** Set on listings that dropped entries the token may not read. */
export const filteredHeader = { 'x-consul-results-filtered-by-acls': 'true' } as const;
