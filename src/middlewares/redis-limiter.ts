/**
 * @module The cluster-wide bucket store of rateLimit when its `redis` options are set (Traefik
 * v3.4+): the same Lua token bucket, key (`rate:<source>`) and fields (`last`, `tokens`, in
 * microseconds) as Traefik, so Traefik and Switchyard nodes on one Redis share their limits.
 *
 * Client: @redis/client (node-redis' core, no dependencies). One endpoint is a plain connection;
 * several are a Redis Cluster seed list, as go-redis' UniversalClient reads them. Every command is
 * bounded by `readTimeout` (default 3 s); a failure is the caller's 500, as in Traefik.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Redis from '@redis/client';
import type { MiddlewareOptions } from './middleware.ts';

type RedisOptions = NonNullable<MiddlewareOptions<'rateLimit'>['redis']>;

export const TOKEN_BUCKET_LUA = `
local key = KEYS[1]
local limit, burst, ttl, t, max_delay = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local bucket = { limit = limit, burst = burst, tokens = 0, last = 0 }
local rl_source = redis.call('hgetall', key)
if table.maxn(rl_source) == 4 then
    bucket.last = tonumber(rl_source[2])
    bucket.tokens = tonumber(rl_source[4])
end
local last = bucket.last
if t < last then
    last = t
end
local elapsed = t - last
local delta = bucket.limit * elapsed
local tokens = bucket.tokens + delta
tokens = math.min(tokens, bucket.burst)
tokens = tokens - 1
local wait_duration = 0
if tokens < 0 then
    wait_duration = (tokens * -1) / bucket.limit
    if wait_duration > max_delay then
        tokens = tokens + 1
        tokens = math.min(tokens, burst)
    end
end
redis.call('hset', key, 'last', t, 'tokens', tokens)
redis.call('expire', key, ttl)
return {tostring(true), tostring(wait_duration), tostring(tokens)}`;

interface Evaluator {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  connect(): Promise<unknown>;
  close?(): Promise<unknown>;
  destroy?(): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export class RedisLimiter {
  readonly #client: Evaluator;
  readonly #connected: Promise<unknown>;
  readonly #timeoutMs: number;

  constructor(options: RedisOptions, onError: (error: Error) => void) {
    const endpoints = options.endpoints !== undefined && options.endpoints.length > 0 ? options.endpoints : ['localhost:6379'];
    const tls = options.tls === undefined
      ? undefined
      : {
        tls: true as const,
        ca: fileOrContent(options.tls.ca),
        cert: fileOrContent(options.tls.cert),
        key: fileOrContent(options.tls.key),
        rejectUnauthorized: options.tls.insecureSkipVerify !== true,
      };
    const socket = (endpoint: string) => {
      const colon = endpoint.lastIndexOf(':');
      const host = colon === -1 ? endpoint : endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
      const port = colon === -1 ? 6379 : Number(endpoint.slice(colon + 1));
      return { host, port, connectTimeout: options.dialTimeout ?? 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000), ...tls };
    };
    const auth = { username: options.username, password: options.password };
    const { createClient, createCluster } = loadRedis();
    this.#client = (endpoints.length === 1
      ? createClient({ socket: socket(endpoints[0]!), ...auth, database: options.db ?? 0 })
      : createCluster({ rootNodes: endpoints.map((e) => ({ socket: socket(e) })), defaults: auth })) as unknown as Evaluator;
    this.#client.on('error', onError);
    this.#timeoutMs = options.readTimeout ?? 3_000;
    this.#connected = this.#client.connect();
    this.#connected.catch(onError);
  }

  /** One token for `source`: granted with a delay (µs → ms), or refused with the wait it would take. */
  async allow(source: string, ratePerSecond: number, burst: number, ttlSeconds: number, maxDelayMs: number): Promise<{ ok: boolean; delayMs: number }> {
    const nowMicros = Math.round((performance.timeOrigin + performance.now()) * 1_000);
    const args = [String(ratePerSecond / 1_000_000), String(burst), String(ttlSeconds), String(nowMicros), String(Math.round(maxDelayMs * 1_000))];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      await Promise.race([this.#connected, timeout]);
      const reply = await Promise.race([this.#client.eval(TOKEN_BUCKET_LUA, { keys: [`rate:${source}`], arguments: args }), timeout]) as string[];
      const delayMs = Number(reply[1]) / 1_000;
      return { ok: delayMs <= maxDelayMs, delayMs };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.#client.destroy !== undefined) this.#client.destroy();
    else void this.#client.close?.().catch(() => {});
  }
}

/**
 * The client is loaded when a Redis rate limit is first built: most nodes have none, and loading it
 * cost every thread ~80 ms of its start (bench/scale.ts, 2-core VM).
 */
function loadRedis(): typeof Redis {
  return createRequire(import.meta.url)('@redis/client') as typeof Redis;
}

/** Traefik's FileOrContent: PEM text as is, anything else a file path. */
function fileOrContent(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}
