/**
 * @module RFC 9110 character classes for the fast path's head scanners, as 256-entry tables indexed
 * by byte (1 = taken), so any byte, obs-text included, reads a defined entry.
 */

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
