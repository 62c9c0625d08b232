/**
 * @module basicAuth: a request passes with `Authorization: Basic` credentials that match one of
 * `users` (`name:htpasswd-hash`) or of the lines of `usersFile`; otherwise 401 with
 * `WWW-Authenticate: Basic realm="<realm>"` (realm default `traefik`). `headerField` passes the
 * user name upstream in that header; `removeHeader` drops Authorization before forwarding.
 *
 * Hashes are checked for a known format at compile time. bcrypt costs milliseconds per check, so
 * credentials that passed are remembered per thread (a SHA-256 of user, password and a random
 * salt; at most 1,024, forgotten when the options change).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writerOf, type RequestContext } from '../proxy/request-context.ts';
import { checkPassword, hashKind, type HashKind } from './htpasswd.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { deleteRequestHeader, requestHeader, setRequestHeader } from './request-headers.ts';

const CACHE_LIMIT = 1024;

interface User {
  readonly hash: string;
  readonly kind: HashKind;
}

export const basicAuth = defineMiddleware<MiddlewareOptions<'basicAuth'>>({
  compile(options, key) {
    const users = new Map<string, User>();
    const add = (entry: string, at: string) => {
      const colon = entry.indexOf(':');
      const name = colon === -1 ? '' : entry.slice(0, colon);
      const hash = colon === -1 ? '' : entry.slice(colon + 1).trim();
      if (name === '') throw new MiddlewareConfigError('expected user:hash (htpasswd), e.g. from `htpasswd -nbB user password`', at);
      const kind = hashKind(hash);
      if (kind === undefined) throw new MiddlewareConfigError(`the hash of user ${name} is not bcrypt ($2y$), MD5 ($apr1$) or SHA-1 ({SHA})`, at);
      users.set(name, { hash, kind });
    };
    if (options.usersFile !== undefined && options.usersFile !== '') {
      let text: string;
      try {
        text = readFileSync(options.usersFile, 'utf8');
      } catch (error) {
        throw new MiddlewareConfigError(`cannot read the users file: ${(error as Error).message}`, key('usersFile'));
      }
      for (const [i, line] of text.split(/\r?\n/).entries()) {
        const trimmed = line.trim();
        if (trimmed !== '' && !trimmed.startsWith('#')) add(trimmed, `${key('usersFile')} (line ${i + 1})`);
      }
    }
    for (const [i, entry] of (options.users ?? []).entries()) add(entry.trim(), key(`users/${i}`));
    if (users.size === 0) throw new MiddlewareConfigError('no users: set users or usersFile', key('users'));
    const challenge = `Basic realm="${options.realm.replaceAll('"', '\\"')}"`;
    const headerField = options.headerField === undefined || options.headerField === '' ? undefined : options.headerField;
    const removeHeader = options.removeHeader === true;
    return (next, context) => {
      const passed = context.keep('passed', () => ({ salt: randomBytes(16), keys: new Set<string>() }));
      const accept = (ctx: RequestContext, user: string) => {
        if (removeHeader) deleteRequestHeader(ctx, 'authorization');
        if (headerField !== undefined) setRequestHeader(ctx, headerField, user);
        next(ctx);
      };
      return (ctx) => {
        const credentials = parseBasic(requestHeader(ctx, 'authorization'));
        const user = credentials === undefined ? undefined : users.get(credentials.user);
        if (credentials === undefined || user === undefined) {
          unauthorized(ctx, challenge);
          return;
        }
        const cacheKey = createHash('sha256').update(passed.salt).update(credentials.user).update('\0').update(credentials.password).digest('base64');
        if (passed.keys.has(cacheKey)) {
          accept(ctx, credentials.user);
          return;
        }
        checkPassword(credentials.password, user.hash, user.kind).then((ok) => {
          if (!ok) {
            unauthorized(ctx, challenge);
            return;
          }
          if (passed.keys.size >= CACHE_LIMIT) passed.keys.clear();
          passed.keys.add(cacheKey);
          if (!ctx.res.destroyed) accept(ctx, credentials.user);
        }, () => unauthorized(ctx, challenge));
      };
    };
  },
});

/** The user and password of an `Authorization: Basic …` value; undefined for any other. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function unauthorized(ctx: RequestContext, challenge: string): void {
  const body = '401 Unauthorized\n';
  const out = writerOf(ctx);
  out.writeHead(401, undefined, ['www-authenticate', challenge, 'content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]);
  out.end(body);
}
