/**
 * @module A small Consul HTTP API client over undici: ACL token header, TLS, several agent
 * endpoints with failover (a connection failure moves on to the next one), and per-request header
 * timeouts long enough for blocking queries (undici's default 300 s would cut a 5 m wait + jitter).
 * We talk HTTP ourselves because the `consul` npm client is marked unmaintained (kv-backends.md §B.6).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { SwitchyardError } from '../errors.ts';

export interface ConsulHttpOptions {
  readonly endpoints: readonly string[];
  readonly token?: string | undefined;
  readonly tls?: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined } | undefined;
  readonly flagPrefix: string;
}

export interface ConsulResponse {
  readonly status: number;
  readonly index: bigint;
  readonly text: string;
  /** The ACL token hid some results (X-Consul-Results-Filtered-By-ACLs). */
  readonly filtered: boolean;
}

export class ConsulStatusError extends SwitchyardError {
  readonly status: number;
  constructor(status: number, message: string, key?: string) {
    super('SY_CONSUL_STATUS', `Consul answered ${status}: ${message}`, key);
    this.name = 'ConsulStatusError';
    this.status = status;
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE']);

export class ConsulHttp {
  readonly #bases: string[];
  readonly #agent: Agent;
  readonly #token: string | undefined;
  #current = 0;

  constructor(options: ConsulHttpOptions) {
    const secure = options.tls?.ca !== undefined || options.tls?.cert !== undefined;
    this.#bases = options.endpoints.map((e) => (/^https?:\/\//.test(e) ? e.replace(/\/$/, '') : `${secure ? 'https' : 'http'}://${e}`));
    this.#token = options.token;
    const read = (path: string | undefined, flag: string) => {
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        throw new SwitchyardError('SY_STORE_TLS', `cannot read ${path}: ${(error as Error).message}`, flag, { cause: error });
      }
    };
    const p = options.flagPrefix;
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      connect: secure
        ? { ca: read(options.tls?.ca, `${p}.tls.ca`), cert: read(options.tls?.cert, `${p}.tls.cert`), key: read(options.tls?.key, `${p}.tls.key`) }
        : {},
    });
  }

  get endpoint(): string {
    return this.#bases[this.#current]!;
  }

  /** One call; fails over to the next endpoint on connection errors. `waitMs` extends timeouts for blocking reads. */
  async call(method: 'GET' | 'PUT' | 'DELETE', path: string, options: { body?: string; waitMs?: number; signal?: AbortSignal } = {}): Promise<ConsulResponse> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#bases.length; attempt++) {
      const base = this.#bases[this.#current]!;
      try {
        const timeout = (options.waitMs ?? 0) + (options.waitMs ?? 0) / 16 + 10_000;
        const res = await request(`${base}${path}`, {
          method,
          dispatcher: this.#agent,
          headers: this.#token === undefined ? {} : { 'x-consul-token': this.#token },
          ...(options.body === undefined ? {} : { body: options.body }),
          headersTimeout: timeout,
          bodyTimeout: timeout,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        const text = await res.body.text();
        const header = res.headers['x-consul-index'];
        let index = 0n;
        try {
          index = BigInt(typeof header === 'string' ? header : '0');
        } catch {
          index = 0n;
        }
        // The docs: treat an index of 0 as 1, or a blocking loop spins.
        return { status: res.statusCode, index: index < 1n ? 1n : index, text, filtered: res.headers['x-consul-results-filtered-by-acls'] === 'true' };
      } catch (error) {
        lastError = error;
        if (options.signal?.aborted === true || !CONNECTION_ERRORS.has((error as { code?: string }).code ?? '')) throw error;
        this.#current = (this.#current + 1) % this.#bases.length;
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Consul keys go into the URL path; `/` stays a separator, everything else is escaped. */
export function kvPath(key: string): string {
  return `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}
