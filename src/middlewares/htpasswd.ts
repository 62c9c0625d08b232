/**
 * @module htpasswd password checks, the formats Traefik's basicAuth accepts: bcrypt (`$2y$`, `$2a$`,
 * `$2b$`, `$2x$`), Apache MD5 (`$apr1$`) and MD5-crypt (`$1$`), and SHA-1 (`{SHA}`). Node's crypto
 * has no bcrypt, so bcryptjs (pure JS, async so a check never blocks the thread) does it; MD5 and
 * SHA-1 use node:crypto and constant-time comparisons.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type HashKind = 'bcrypt' | 'md5' | 'sha';

/** The format of `hash`, or undefined for one no check can accept (plain text, crypt DES, SHA-crypt). */
export function hashKind(hash: string): HashKind | undefined {
  if (/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$(apr1|1)\$[^$]{0,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'md5';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha';
  return undefined;
}

export async function checkPassword(password: string, hash: string, kind: HashKind): Promise<boolean> {
  switch (kind) {
    case 'bcrypt':
      // bcryptjs knows $2a$/$2b$; $2y$ and $2x$ are the same algorithm for 7-bit passwords (as goauth treats them).
      return bcrypt.compare(password, `$2b$${hash.slice(4)}`);
    case 'sha':
      return same(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
    case 'md5': {
      const [, magic = '', salt = ''] = hash.split('$');
      return same(md5Crypt(password, salt, `$${magic}$`), hash);
    }
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Poul-Henning Kamp's MD5-crypt (`$1$`), with Apache's `$apr1$` magic as the only variation. */
export function md5Crypt(password: string, salt: string, magic: string): string {
  const pw = Buffer.from(password, 'utf8');
  const sl = Buffer.from(salt.slice(0, 8), 'utf8');
  const alternate = createHash('md5').update(pw).update(sl).update(pw).digest();
  const ctx = createHash('md5').update(pw).update(magic).update(sl);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(16, left)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? pw : final);
    if (i % 3) round.update(sl);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? final : pw);
    final = round.digest();
  }
  const to64 = (v: number, n: number) => {
    let s = '';
    while (n-- > 0) {
      s += ITOA64[v & 0x3f];
      v >>= 6;
    }
    return s;
  };
  const b = final;
  const encoded =
    to64((b[0]! << 16) | (b[6]! << 8) | b[12]!, 4) +
    to64((b[1]! << 16) | (b[7]! << 8) | b[13]!, 4) +
    to64((b[2]! << 16) | (b[8]! << 8) | b[14]!, 4) +
    to64((b[3]! << 16) | (b[9]! << 8) | b[15]!, 4) +
    to64((b[4]! << 16) | (b[10]! << 8) | b[5]!, 4) +
    to64(b[11]!, 2);
  return `${magic}${salt.slice(0, 8)}$${encoded}`;
}
