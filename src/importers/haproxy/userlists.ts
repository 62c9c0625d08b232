/**
 * @module `userlist` sections → basicAuth user entries (`name:hash`). Traefik's basicAuth checks
 * htpasswd hashes: MD5-crypt (`$1$`, `$apr1$`), bcrypt (`$2a$`, `$2b$`, `$2y$`) and `{SHA}`.
 * HAProxy hands passwords to crypt(3), which also accepts SHA-crypt (`$5$`, `$6$`), yescrypt
 * (`$y$`) and DES: those users are reported and left out. An `insecure-password` (plain text in the
 * file) is stored as `{SHA}` so the store never holds the password itself.
 */
import { createHash } from 'node:crypto';
import type { Findings } from './findings.ts';
import type { ProxyView } from './proxy-view.ts';

export interface Userlist {
  readonly name: string;
  /** `name:hash` entries, in file order, for the users whose hash basicAuth accepts. */
  readonly users: readonly string[];
  readonly line: number;
}

const ACCEPTED_HASHES: readonly RegExp[] = [/^\$1\$/, /^\$apr1\$/, /^\$2[aby]\$/, /^\{SHA\}/];

export function readUserlist(proxy: ProxyView, findings: Findings): Userlist {
  const users: string[] = [];
  for (const d of proxy.own('user')) {
    const [, name = '', kind, secret] = d.words;
    const rest = d.words.slice(4);
    if (rest.length > 0 && rest[0] === 'groups') findings.add('notice', proxy.label, d, 'groups are kept in HAProxy only; http_auth_group() is not translated');
    if (kind === 'insecure-password' && secret !== undefined) {
      users.push(`${name}:{SHA}${createHash('sha1').update(secret).digest('base64')}`);
    } else if (kind === 'password' && secret !== undefined) {
      if (ACCEPTED_HASHES.some((re) => re.test(secret))) users.push(`${name}:${secret}`);
      else findings.add('unsupported', proxy.label, d, `user "${name}": this crypt(3) hash (${hashKind(secret)}) is not accepted by basicAuth (MD5-crypt $1$/$apr1$, bcrypt $2y$ or {SHA}); the user is left out, so their requests get 401 — re-hash the password, e.g. "htpasswd -nbB ${name} …"`);
    } else {
      findings.add('unsupported', proxy.label, d, `user "${name}" has no password; left out`);
    }
  }
  for (const d of proxy.own('group')) findings.add('notice', proxy.label, d, 'groups are kept in HAProxy only; http_auth_group() is not translated');
  return { name: proxy.name, users, line: proxy.section.line };
}

function hashKind(hash: string): string {
  if (hash.startsWith('$5$')) return 'SHA-256-crypt';
  if (hash.startsWith('$6$')) return 'SHA-512-crypt';
  if (hash.startsWith('$y$')) return 'yescrypt';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'DES crypt';
  return hash.startsWith('$') ? `"${hash.split('$')[1] ?? ''}" crypt` : 'unknown scheme';
}
