/**
 * @module A strict scanner for the plain client request head, so the usual request does not pay
 * llhttp's C++→JS callbacks. It takes a head only when it is of the simplest kind, and declines
 * anything else, however harmless, to llhttp, which then applies its own strictness unchanged:
 *
 * - request line `METHOD SP origin-form SP HTTP/1.1|HTTP/1.0 CRLF`, the method one of a short list,
 *   the target `/` followed by visible ASCII other than `#`;
 * - header lines `token ":" SP* value CRLF`, the value visible ASCII with inner SP/HTAB, not ending
 *   in whitespace (no obs-fold, no obs-text, no NUL, CR or LF inside);
 * - the whole head in this buffer, at most HEAD_LIMIT bytes (llhttp's limit is 16 KiB) and
 *   HEADER_LIMIT header lines;
 * - at most one Content-Length, of plain digits; no Transfer-Encoding, Upgrade, Expect,
 *   Proxy-Connection; at most one Connection, exactly `close` or `keep-alive`.
 *
 * What it takes it reads as llhttp would (test/proxy/request-scanner.test.ts checks it on a corpus
 * of valid and hostile heads against llhttp itself): same method, target, version, header pairs
 * as received, body length and keep-alive.
 */
import { CR, equalsLower, HTAB, isDigit, LF, SP, TOKEN, VALUE } from './http-chars.ts';

/** Bytes taken in the target: visible ASCII but `#`. */
const TARGET = new Uint8Array(256);
for (let b = 0x21; b < 0x7f; b++) TARGET[b] = 1;
TARGET[0x23] = 0;

/** Well below llhttp's 16 KiB, so the scanner never takes a head llhttp would find too large. */
export const HEAD_LIMIT = 8 * 1024;
const HEADER_LIMIT = 64;
const COLON = 0x3a;
const SLASH = 0x2f;
/** ` HTTP/1.` after the target. */
const VERSION_PREFIX = [SP, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e];

/** Methods taken, by their first byte and length: the strings are constants, not read from the buffer. */
const METHODS: ReadonlyArray<string> = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

function methodAt(chunk: Buffer, from: number, to: number): string | undefined {
  const length = to - from;
  for (const method of METHODS) {
    if (method.length !== length) continue;
    let i = 0;
    while (i < length && chunk[from + i] === method.charCodeAt(i)) i++;
    if (i === length) return method;
  }
  return undefined;
}

/** One scanner per connection: the fields describe the last head taken. */
export class RequestScanner {
  method = '';
  target = '';
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor = 1;
  /** Header pairs as received: [name, value, …]. */
  headers: string[] = [];
  /** The first Host header's value, undefined when none. */
  host: string | undefined = undefined;
  bodyLength = 0;
  keepAlive = true;

  /**
   * Reads a head starting at `from`; returns the offset just past it (where the body starts), or
   * -1 when the head is not of the kind taken here (the fields are then meaningless).
   */
  scan(chunk: Buffer, from: number): number {
    const limit = Math.min(chunk.length, from + HEAD_LIMIT);
    let i = from;
    while (i < limit && TOKEN[chunk[i]!] === 1) i++;
    if (i === from || chunk[i] !== SP) return -1;
    const method = methodAt(chunk, from, i);
    if (method === undefined) return -1;
    const targetStart = ++i;
    if (chunk[i] !== SLASH) return -1;
    while (i < limit && TARGET[chunk[i]!] === 1) i++;
    const targetEnd = i;
    if (i + 11 > limit) return -1;
    for (let k = 0; k < 8; k++) if (chunk[i + k] !== VERSION_PREFIX[k]) return -1;
    const minorByte = chunk[i + 8];
    if ((minorByte !== 0x31 && minorByte !== 0x30) || chunk[i + 9] !== CR || chunk[i + 10] !== LF) return -1;
    const minor = minorByte - 0x30;
    i += 11;
    const headers: string[] = [];
    let host: string | undefined;
    let bodyLength = -1;
    let connection = 0; // 0 none, 1 close, 2 keep-alive
    for (;;) {
      if (i + 1 >= limit) return -1;
      if (chunk[i] === CR) {
        if (chunk[i + 1] !== LF) return -1;
        i += 2;
        break;
      }
      if (headers.length === HEADER_LIMIT * 2) return -1;
      const nameStart = i;
      while (i < limit && TOKEN[chunk[i]!] === 1) i++;
      if (i === nameStart || i >= limit || chunk[i] !== COLON) return -1;
      const nameEnd = i++;
      while (i < limit && chunk[i] === SP) i++;
      const valueStart = i;
      while (i < limit && VALUE[chunk[i]!] === 1) i++;
      if (i + 1 >= limit || chunk[i] !== CR || chunk[i + 1] !== LF) return -1;
      const valueEnd = i;
      if (valueEnd > valueStart && (chunk[valueEnd - 1] === SP || chunk[valueEnd - 1] === HTAB)) return -1;
      if (chunk[valueStart] === HTAB) return -1;
      i += 2;
      const name = chunk.toString('latin1', nameStart, nameEnd);
      const value = valueEnd > valueStart ? chunk.toString('latin1', valueStart, valueEnd) : '';
      // Names and values compared as bytes: no lowercased copy per header.
      switch (nameEnd - nameStart) {
        case 4:
          if (equalsLower(chunk, nameStart, nameEnd, 'host')) {
            // A second Host is refused by the full path (400); llhttp takes the head to get it there.
            if (host !== undefined) return -1;
            host = value;
          }
          break;
        case 6:
          if (equalsLower(chunk, nameStart, nameEnd, 'expect')) return -1;
          break;
        case 7:
          if (equalsLower(chunk, nameStart, nameEnd, 'upgrade')) return -1;
          break;
        case 10:
          if (equalsLower(chunk, nameStart, nameEnd, 'connection')) {
            if (connection !== 0) return -1;
            if (equalsLower(chunk, valueStart, valueEnd, 'close')) connection = 1;
            else if (equalsLower(chunk, valueStart, valueEnd, 'keep-alive')) connection = 2;
            else return -1;
          }
          break;
        case 14:
          if (equalsLower(chunk, nameStart, nameEnd, 'content-length')) {
            if (bodyLength !== -1 || valueEnd === valueStart || valueEnd - valueStart > 15) return -1;
            bodyLength = 0;
            for (let k = valueStart; k < valueEnd; k++) {
              if (!isDigit(chunk[k]!)) return -1;
              bodyLength = bodyLength * 10 + chunk[k]! - 0x30;
            }
          }
          break;
        case 16:
          if (equalsLower(chunk, nameStart, nameEnd, 'proxy-connection')) return -1;
          break;
        case 17:
          if (equalsLower(chunk, nameStart, nameEnd, 'transfer-encoding')) return -1;
          break;
      }
      headers.push(name, value);
    }
    this.method = method;
    this.target = chunk.toString('latin1', targetStart, targetEnd);
    this.minor = minor;
    this.headers = headers;
    this.host = host;
    this.bodyLength = bodyLength === -1 ? 0 : bodyLength;
    this.keepAlive = minor === 1 ? connection !== 1 : connection === 2;
    return i;
  }
}
