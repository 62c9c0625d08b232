/**
 * @module Sticky sessions (Traefik's `sticky.cookie`): the cookie names the server (load balancer)
 * or child service (weighted) that served the client, as FNV-1 64-bit hex of its URL or name
 * (Traefik's value; the plain URL or name is accepted too). A request whose cookie names a healthy
 * target goes there; any other gets a balanced pick and a new cookie on its answer.
 */
import type { StickyCookieSpec } from '../runtime/snapshot.ts';
import { writerOf, type RequestContext, type ResponseWriter } from './request-context.ts';

export class StickyCookie {
  readonly name: string;
  readonly #attributes: string;

  constructor(spec: StickyCookieSpec) {
    this.name = spec.name;
    let attributes = `; Path=${spec.path}`;
    if (spec.domain !== '') attributes += `; Domain=${spec.domain}`;
    if (spec.maxAge > 0) attributes += `; Max-Age=${spec.maxAge}`;
    else if (spec.maxAge < 0) attributes += '; Max-Age=0';
    if (spec.httpOnly) attributes += '; HttpOnly';
    if (spec.secure) attributes += '; Secure';
    const sameSite = spec.sameSite.toLowerCase();
    if (sameSite === 'none') attributes += '; SameSite=None';
    else if (sameSite === 'lax') attributes += '; SameSite=Lax';
    else if (sameSite === 'strict') attributes += '; SameSite=Strict';
    this.#attributes = attributes;
  }

  /** The cookie's value in this request, or undefined. */
  read(ctx: RequestContext): string | undefined {
    const raw = ctx.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length !== 6 || raw[i]!.toLowerCase() !== 'cookie') continue;
      for (const part of raw[i + 1]!.split(';')) {
        const eq = part.indexOf('=');
        if (eq !== -1 && part.slice(0, eq).trim() === this.name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      }
    }
    return undefined;
  }

  /** Sets the cookie for `value` on the answer. */
  set(ctx: RequestContext, value: string): void {
    ctx.out = new SetCookieWriter(writerOf(ctx), `${this.name}=${value}${this.#attributes}`);
  }
}

/** Traefik's cookie value: FNV-1 (not 1a) 64-bit of the text, lowercase hex. */
export function stickyHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h * 0x100000001b3n) & 0xffffffffffffffffn) ^ BigInt(byte);
  return h.toString(16);
}

class SetCookieWriter implements ResponseWriter {
  readonly #inner: ResponseWriter;
  readonly #cookie: string;

  constructor(inner: ResponseWriter, cookie: string) {
    this.#inner = inner;
    this.#cookie = cookie;
  }

  get headersSent(): boolean {
    return this.#inner.headersSent;
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    headers.push('set-cookie', this.#cookie);
    return this.#inner.writeHead(statusCode, statusMessage, headers);
  }

  flushHeaders(): void {
    this.#inner.flushHeaders();
  }

  write(chunk: Buffer | string): boolean {
    return this.#inner.write(chunk);
  }

  end(chunk?: Buffer | string): unknown {
    return chunk === undefined ? this.#inner.end() : this.#inner.end(chunk);
  }

  destroy(error?: Error): unknown {
    return this.#inner.destroy(error);
  }

  once(event: 'drain', listener: () => void): unknown {
    this.#inner.once(event, listener);
    return this;
  }
}
