/**
 * @module compress: compresses answers with the best encoding the client accepts among
 * `encodings` (default gzip, br, zstd — all three from node:zlib), ties going to the list's order;
 * `defaultEncoding` when the client sends no Accept-Encoding or `*`. Left alone: answers already
 * encoded, shorter than `minResponseBodyBytes` (default 1024; without Content-Length the first bytes
 * are held until that many arrived or the body ended), of an excluded content type (or not an
 * included one; by default gRPC and event streams), HEAD requests, and 1xx/204/304 answers.
 * Compressed answers lose Content-Length and get `Vary: Accept-Encoding`.
 */
import { constants, createBrotliCompress, createGzip, createZstdCompress, type Gzip } from 'node:zlib';
import { headerValue, removeHeader, setHeader } from '../proxy/header-list.ts';
import { writerOf, type ResponseWriter } from '../proxy/request-context.ts';
import { defineMiddleware, MiddlewareConfigError, type MiddlewareOptions } from './middleware.ts';
import { requestHeader } from './request-headers.ts';

const SUPPORTED = ['gzip', 'br', 'zstd'] as const;
type Encoding = (typeof SUPPORTED)[number];

const DEFAULT_EXCLUDED = ['application/grpc', 'text/event-stream'];

export const compress = defineMiddleware<MiddlewareOptions<'compress'>>({
  compile(options, key) {
    const encodings: Encoding[] = [];
    for (const [i, e] of options.encodings.entries()) {
      const name = e.trim().toLowerCase();
      if (!(SUPPORTED as readonly string[]).includes(name)) throw new MiddlewareConfigError(`unsupported encoding ${JSON.stringify(e)} (gzip, br or zstd)`, key(`encodings/${i}`));
      encodings.push(name as Encoding);
    }
    if (encodings.length === 0) throw new MiddlewareConfigError('at least one encoding is needed', key('encodings'));
    const fallback = options.defaultEncoding === undefined || options.defaultEncoding === '' ? undefined : options.defaultEncoding.toLowerCase();
    if (fallback !== undefined && !encodings.includes(fallback as Encoding)) throw new MiddlewareConfigError(`defaultEncoding must be one of ${encodings.join(', ')}`, key('defaultEncoding'));
    const included = (options.includedContentTypes ?? []).map(mediaType);
    const excluded = (options.excludedContentTypes ?? []).map(mediaType);
    if (included.length > 0 && excluded.length > 0) throw new MiddlewareConfigError('excludedContentTypes and includedContentTypes are mutually exclusive', key('includedContentTypes'));
    const minBytes = options.minResponseBodyBytes;
    if (minBytes < 0) throw new MiddlewareConfigError('minResponseBodyBytes cannot be negative', key('minResponseBodyBytes'));
    const policy: Policy = { minBytes, included, excluded: included.length === 0 && excluded.length === 0 ? DEFAULT_EXCLUDED : excluded };
    return (next) => (ctx) => {
      if (ctx.method !== 'HEAD') {
        const encoding = negotiate(requestHeader(ctx, 'accept-encoding'), encodings, fallback as Encoding | undefined);
        if (encoding !== undefined) ctx.out = new CompressWriter(writerOf(ctx), encoding, policy);
      }
      next(ctx);
    };
  },
});

interface Policy {
  readonly minBytes: number;
  readonly included: readonly string[];
  readonly excluded: readonly string[];
}

function mediaType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}

/** The encoding to use for this Accept-Encoding, or undefined for none. */
export function negotiate(header: string | undefined, encodings: readonly Encoding[], fallback: Encoding | undefined): Encoding | undefined {
  if (header === undefined || header.trim() === '') return fallback;
  let best: Encoding | undefined;
  let bestQ = 0;
  let bestRank = Infinity;
  let star = 0;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m !== null) q = Number(m[1]);
    }
    if (name === '*') {
      star = q;
      continue;
    }
    const rank = encodings.indexOf(name as Encoding);
    if (rank === -1 || q <= 0) continue;
    if (q > bestQ || (q === bestQ && rank < bestRank)) {
      best = name as Encoding;
      bestQ = q;
      bestRank = rank;
    }
  }
  if (best === undefined && star > 0) return fallback ?? encodings[0];
  return best;
}

class CompressWriter implements ResponseWriter {
  readonly #inner: ResponseWriter;
  readonly #encoding: Encoding;
  readonly #policy: Policy;
  #head: [number, string | undefined, string[]] | undefined;
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** undefined: still deciding; null: passing through; a stream: compressing. */
  #zip: Gzip | null | undefined;

  constructor(inner: ResponseWriter, encoding: Encoding, policy: Policy) {
    this.#inner = inner;
    this.#encoding = encoding;
    this.#policy = policy;
  }

  get headersSent(): boolean {
    return this.#head !== undefined || this.#inner.headersSent;
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    if (!this.#eligible(statusCode, headers)) {
      this.#zip = null;
      return this.#inner.writeHead(statusCode, statusMessage, headers);
    }
    const length = headerValue(headers, 'content-length');
    if (length !== undefined && Number(length) < this.#policy.minBytes) {
      this.#zip = null;
      return this.#inner.writeHead(statusCode, statusMessage, headers);
    }
    this.#head = [statusCode, statusMessage, headers];
    if (length !== undefined) this.#startCompressing();
    return this;
  }

  flushHeaders(): void {
    if (this.#zip === null) this.#inner.flushHeaders();
  }

  write(chunk: Buffer | string): boolean {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.#zip === null) return this.#inner.write(data);
    if (this.#zip !== undefined) return this.#zip.write(data);
    this.#held.push(data);
    this.#heldBytes += data.length;
    if (this.#heldBytes >= this.#policy.minBytes) this.#startCompressing();
    return true;
  }

  end(chunk?: Buffer | string): unknown {
    if (chunk !== undefined) this.write(chunk);
    if (this.#zip === undefined) {
      // The whole body is here and it is short: send it as it is.
      this.#zip = null;
      const [status, message, headers] = this.#head ?? [200, undefined, []];
      const body = Buffer.concat(this.#held);
      if (headerValue(headers, 'content-length') === undefined) headers.push('content-length', String(body.length));
      this.#inner.writeHead(status, message, headers);
      this.#inner.end(body);
      return this;
    }
    if (this.#zip === null) return this.#inner.end();
    this.#zip.end();
    return this;
  }

  destroy(error?: Error): unknown {
    if (this.#zip) this.#zip.destroy();
    return this.#inner.destroy(error);
  }

  once(event: 'drain', listener: () => void): unknown {
    if (this.#zip) this.#zip.once(event, listener);
    else this.#inner.once(event, listener);
    return this;
  }

  #eligible(status: number, headers: string[]): boolean {
    if (status < 200 || status === 204 || status === 304) return false;
    const encoded = headerValue(headers, 'content-encoding');
    if (encoded !== undefined && encoded !== '' && encoded.toLowerCase() !== 'identity') return false;
    const type = headerValue(headers, 'content-type');
    const media = type === undefined ? '' : mediaType(type);
    if (this.#policy.included.length > 0) return this.#policy.included.includes(media);
    return !this.#policy.excluded.includes(media);
  }

  #startCompressing(): void {
    const [status, message, headers] = this.#head!;
    removeHeader(headers, 'content-length');
    setHeader(headers, 'Content-Encoding', this.#encoding);
    const vary = headerValue(headers, 'vary');
    if (vary === undefined || !/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) setHeader(headers, 'Vary', vary === undefined || vary === '' ? 'Accept-Encoding' : `${vary}, Accept-Encoding`);
    this.#inner.writeHead(status, message, headers);
    const zip = (this.#encoding === 'gzip'
      ? createGzip()
      : this.#encoding === 'br'
        ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
        : createZstdCompress()) as Gzip;
    this.#zip = zip;
    zip.on('data', (out: Buffer) => {
      if (!this.#inner.write(out)) {
        zip.pause();
        this.#inner.once('drain', () => zip.resume());
      }
    });
    zip.once('end', () => this.#inner.end());
    zip.once('error', (error) => this.#inner.destroy(error));
    for (const chunk of this.#held) zip.write(chunk);
    this.#held = [];
  }
}
