/**
 * @module The base of every middleware that looks at or rewrites an answer (headers, compress,
 * errors, retry, circuitBreaker, buffering, sticky cookies): a ResponseWriter that passes
 * everything to the writer behind it. Subclasses override what they need, most often `writeHead`.
 */
import type { ResponseWriter } from '../proxy/request-context.ts';

export class ResponseInterceptor implements ResponseWriter {
  protected readonly inner: ResponseWriter;

  constructor(inner: ResponseWriter) {
    this.inner = inner;
  }

  get headersSent(): boolean {
    return this.inner.headersSent;
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown {
    return this.inner.writeHead(statusCode, statusMessage, headers);
  }

  flushHeaders(): void {
    this.inner.flushHeaders();
  }

  write(chunk: Buffer | string): boolean {
    return this.inner.write(chunk);
  }

  end(chunk?: Buffer | string): unknown {
    return chunk === undefined ? this.inner.end() : this.inner.end(chunk);
  }

  destroy(error?: Error): unknown {
    return this.inner.destroy(error);
  }

  once(event: 'drain', listener: () => void): unknown {
    this.inner.once(event, listener);
    return this;
  }
}

/** Swallows an answer: nothing reaches the client (a retried attempt, a replaced error page, a mirror). */
export class DiscardingWriter implements ResponseWriter {
  headersSent = false;

  writeHead(): unknown {
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {}

  write(): boolean {
    return true;
  }

  end(): unknown {
    return this;
  }

  destroy(): unknown {
    return this;
  }

  once(): unknown {
    return this;
  }
}
