/**
 * @module A bare Consul HTTP client for the conformance suite: one request, the status, headers and
 * body as sent — no retries, no redirects, no parsing that could hide what the server said.
 */
import { Agent, request, type Dispatcher } from 'undici';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** X-Consul-Index as a number, when present. */
  readonly index: number | undefined;
  json<T = unknown>(): T;
}

export interface CallOptions {
  readonly query?: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Overrides the client's token; null sends none. */
  readonly token?: string | null;
  readonly signal?: AbortSignal;
}

/** One KV entry as Consul returns it. */
export interface KvEntry {
  readonly Key: string;
  readonly Value: string | null;
  readonly Flags: number;
  readonly LockIndex: number;
  readonly Session?: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** Percent-encodes each segment, keeping `/` as the separator Consul sees. */
export function kvPath(key: string): string {
  return `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

export function unb64(value: string | null): string | null {
  return value === null ? null : Buffer.from(value, 'base64').toString('utf8');
}

export class ConsulHttp {
  readonly #base: string;
  readonly #token: string | undefined;
  readonly #dispatcher: Dispatcher;

  /** `connect` takes TLS settings: a CA to trust, and a client certificate for `verify_incoming`. */
  constructor(base: string, token: string | undefined, connect: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } = {}) {
    this.#base = base;
    this.#token = token;
    // Blocking queries in these tests wait seconds, well under undici's 300 s header timeout.
    this.#dispatcher = new Agent({ keepAliveTimeout: 1000, connect });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const token = options.token === undefined ? this.#token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null && token !== undefined) headers['x-consul-token'] = token;
    const url = `${this.#base}${path}${options.query === undefined ? '' : `?${options.query}`}`;
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: options.body,
      dispatcher: this.#dispatcher,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = await res.body.text();
    const index = res.headers['x-consul-index'];
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      index: typeof index === 'string' ? Number(index) : undefined,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(key: string, query?: string, options: CallOptions = {}): Promise<Answer> {
    return this.call('GET', kvPath(key), { ...options, ...(query === undefined ? {} : { query }) });
  }

  put(key: string, body: string | Buffer = '', query?: string, options: CallOptions = {}): Promise<Answer> {
    return this.call('PUT', kvPath(key), { ...options, body, ...(query === undefined ? {} : { query }) });
  }

  del(key: string, query?: string, options: CallOptions = {}): Promise<Answer> {
    return this.call('DELETE', kvPath(key), { ...options, ...(query === undefined ? {} : { query }) });
  }

  /** The single entry at `key`; throws unless the answer is 200. */
  async entry(key: string): Promise<KvEntry> {
    const answer = await this.get(key);
    if (answer.status !== 200) throw new Error(`GET ${key}: ${answer.status} ${answer.text}`);
    const [entry] = answer.json<KvEntry[]>();
    if (entry === undefined) throw new Error(`GET ${key}: empty array`);
    return entry;
  }

  txn(ops: readonly unknown[], options: CallOptions = {}): Promise<Answer> {
    return this.call('PUT', '/v1/txn', { ...options, body: JSON.stringify(ops) });
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }
}
