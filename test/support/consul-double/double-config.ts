/**
 * @module The options `startConsulDouble` takes and the defaults that make the double behave like a
 * stock Consul agent in `-dev` mode, except where a test needs something shorter (session TTL floor,
 * expiry at TTL rather than up to 2×TTL).
 */
import { parseGoDuration } from './go-duration.ts';
import type { KeyValidation } from './key-validation.ts';

export interface ConsulDoubleOptions {
  /** ACL mode: this token has every right; no token is the anonymous token, denied everything. */
  readonly token?: string;
  /** Serve HTTPS with these PEM strings. With `ca`, client certificates are required and checked (`verify_incoming`). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Default 0: a free port on 127.0.0.1. */
  readonly port?: number;
  readonly nodeName?: string;
  readonly datacenter?: string;
  /** `kv_max_value_size`, default 524288 (512 KiB). */
  readonly kvMaxValueSize?: number;
  /** `txn_max_req_len`, default 524288; never below kvMaxValueSize, as in Consul. */
  readonly txnMaxReqLen?: number;
  /** Ops per `/v1/txn`: 64 in Consul's agent source through 1.x (`maxTxnOps`); current docs say 128. */
  readonly maxTxnOps?: number;
  /** `session_ttl_min`, default `10s`. Tests lower it to use TTLs of 1–2 s. */
  readonly sessionTtlMin?: string;
  /** Consul arms session timers at TTL×2; the double defaults to 1 so expiry lands at TTL. */
  readonly sessionTtlMultiplier?: number;
  /** Default '1.22' (current: traversal and edge spaces rejected). */
  readonly keyValidation?: KeyValidation;
  /** `max_query_time`, default `10m`. */
  readonly maxQueryTime?: string;
  /** `default_query_time`, default `5m`. */
  readonly defaultQueryTime?: string;
  /** Add Consul's random 0…wait/16 to each blocking wait (default true). */
  readonly queryJitter?: boolean;
  /** First Raft index; a fresh Consul has made internal writes before the first KV write. Default 10. */
  readonly startIndex?: number;
}

export interface DoubleConfig {
  readonly token: string | undefined;
  readonly nodeName: string;
  readonly datacenter: string;
  readonly kvMaxValueSize: number;
  readonly txnMaxReqLen: number;
  readonly maxTxnOps: number;
  readonly sessionTtlMinNs: number;
  readonly sessionTtlMultiplier: number;
  readonly keyValidation: KeyValidation;
  readonly maxQueryMs: number;
  readonly defaultQueryMs: number;
  readonly queryJitter: boolean;
  readonly startIndex: number;
}

function durationMs(text: string | undefined, fallback: string, name: string): number {
  const ns = parseGoDuration(text ?? fallback);
  if (ns === undefined || ns <= 0) throw new TypeError(`consul double: ${name} must be a positive Go duration, got ${JSON.stringify(text)}`);
  return ns / 1e6;
}

export function resolveConfig(options: ConsulDoubleOptions): DoubleConfig {
  const kvMaxValueSize = options.kvMaxValueSize ?? 524_288;
  return {
    token: options.token,
    nodeName: options.nodeName ?? 'consul-double',
    datacenter: options.datacenter ?? 'dc1',
    kvMaxValueSize,
    txnMaxReqLen: Math.max(options.txnMaxReqLen ?? 524_288, kvMaxValueSize),
    maxTxnOps: options.maxTxnOps ?? 64,
    sessionTtlMinNs: durationMs(options.sessionTtlMin, '10s', 'sessionTtlMin') * 1e6,
    sessionTtlMultiplier: options.sessionTtlMultiplier ?? 1,
    keyValidation: options.keyValidation ?? '1.22',
    maxQueryMs: durationMs(options.maxQueryTime, '10m', 'maxQueryTime'),
    defaultQueryMs: durationMs(options.defaultQueryTime, '5m', 'defaultQueryTime'),
    queryJitter: options.queryJitter ?? true,
    startIndex: options.startIndex ?? 10,
  };
}
