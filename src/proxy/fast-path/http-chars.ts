/**
 * @module RFC 9110 character classes for the fast path's head scanners, as 256-entry tables indexed
 * by byte (1 = taken), so any byte, obs-text included, reads a defined entry; and the byte
 * comparisons both scanners make without making strings.
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** Token characters (methods and header names). */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

/** Strict field-value bytes: visible ASCII, SP, HTAB (no obs-text). */
export const VALUE = new Uint8Array(256);
for (let b = 0x20; b < 0x7f; b++) VALUE[b] = 1;
VALUE[0x09] = 1;

/** What llhttp takes in a header value or reason phrase: VALUE plus obs-text (0x80-0xff). */
export const VALUE_OBS = new Uint8Array(256);
VALUE_OBS.set(VALUE);
VALUE_OBS.fill(1, 0x80);

/**
 * The bytes from..to are `lower`, letters in any case. Only for token or field-value bytes: `| 0x20`
 * folds nothing else of those onto a letter or `-`.
 */
export function equalsLower(chunk: Buffer, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((chunk[from + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

export function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
