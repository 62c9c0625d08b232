/**
 * @module Picks what the conformance suite runs against: always the double, and also a real Consul
 * when `CONSUL_HTTP_ADDR` is set (`CONSUL_HTTP_TOKEN`, `CONSUL_HTTP_SSL`, `CONSUL_CACERT` and
 * `CONSUL_HTTP_SSL_VERIFY` read as the consul CLI reads them). Each target works under its own
 * random key prefix and deletes it, and the sessions it made, afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsulDouble, type ConsulDouble, type ConsulDoubleOptions } from '../support/consul-double/consul-double.ts';
import { ConsulHttp } from './consul-http.ts';

export type TargetKind = 'double' | 'consul';

export interface Target {
  readonly kind: TargetKind;
  /** Present only for the double: knobs and stats. */
  readonly double: ConsulDouble | undefined;
  readonly http: ConsulHttp;
  /** Random, ends with `/`; every key a test writes lives under it. */
  readonly prefix: string;
  /** The shortest session TTL the target accepts (Consul's `session_ttl_min`). */
  readonly ttlSeconds: number;
  /** Expiry happens by TTL × this (Consul arms its timers at 2×TTL; the double at TTL). */
  readonly ttlMultiplier: number;
  /** The token requests carry by default, if any. */
  readonly token: string | undefined;
  /** Creates a session (no TTL, no checks, no lock-delay unless `body` says otherwise), destroyed at cleanup. */
  session(body?: Record<string, unknown>): Promise<string>;
  /** Resolves once `count` blocking queries are parked (exact on the double; a pause on a real Consul). */
  parked(count?: number): Promise<void>;
}

/** The double always; the real Consul too when the environment names one. */
export function targetKinds(): TargetKind[] {
  return process.env['CONSUL_HTTP_ADDR'] ? ['double', 'consul'] : ['double'];
}

function realConsulBase(): { base: string; connect: { ca?: string; rejectUnauthorized?: boolean } } {
  const address = process.env['CONSUL_HTTP_ADDR'] ?? '';
  const ssl = process.env['CONSUL_HTTP_SSL'] === 'true';
  const base = /^https?:\/\//.test(address) ? address.replace(/\/$/, '') : `${ssl ? 'https' : 'http'}://${address}`;
  const caFile = process.env['CONSUL_CACERT'];
  return {
    base,
    connect: {
      ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
      ...(process.env['CONSUL_HTTP_SSL_VERIFY'] === 'false' ? { rejectUnauthorized: false } : {}),
    },
  };
}

async function openTarget(kind: TargetKind, doubleOptions: ConsulDoubleOptions): Promise<Target & { close(): Promise<void> }> {
  const prefix = `switchyard-conformance/${randomBytes(6).toString('hex')}/`;
  let double: ConsulDouble | undefined;
  let http: ConsulHttp;
  let token: string | undefined;
  if (kind === 'double') {
    // TTLs of 1 s keep the session tests short; the double expires sessions at TTL.
    double = await startConsulDouble({ sessionTtlMin: '1s', ...doubleOptions });
    token = doubleOptions.token;
    http = new ConsulHttp(double.url, token);
  } else {
    const { base, connect } = realConsulBase();
    token = process.env['CONSUL_HTTP_TOKEN'] || undefined;
    http = new ConsulHttp(base, token, connect);
  }
  const sessions: string[] = [];
  const ttlSeconds = kind === 'double' ? 1 : Number(process.env['CONSUL_TEST_SESSION_TTL_SECONDS'] ?? '10');
  return {
    kind,
    double,
    http,
    prefix,
    ttlSeconds,
    ttlMultiplier: kind === 'double' ? 1 : 2,
    token,
    async session(body = { NodeChecks: [], LockDelay: '0s' }) {
      const answer = await http.call('PUT', '/v1/session/create', { body: JSON.stringify(body) });
      if (answer.status !== 200) throw new Error(`session create: ${answer.status} ${answer.text}`);
      const { ID } = answer.json<{ ID: string }>();
      sessions.push(ID);
      return ID;
    },
    async parked(count = 1) {
      if (double === undefined) return sleep(300);
      for (let i = 0; i < 400 && double.stats.waiting < count; i++) await sleep(5);
    },
    async close() {
      if (kind === 'consul') {
        for (const id of sessions) await http.call('PUT', `/v1/session/destroy/${id}`);
        await http.call('DELETE', `/v1/kv/${prefix}`, { query: 'recurse' });
      }
      await http.close();
      await double?.close();
    },
  };
}

/**
 * Declares `body`'s tests once per target, each group with a fresh target. `body` gets the kind at
 * declaration time (to skip knob-only tests on a real Consul) and the target once `before` ran.
 */
export function describeTargets(
  title: string,
  body: (target: () => Target, kind: TargetKind) => void,
  options: { doubleOptions?: ConsulDoubleOptions; kinds?: readonly TargetKind[] } = {},
): void {
  for (const kind of options.kinds ?? targetKinds()) {
    describe(`${title} [${kind}]`, () => {
      let target: (Target & { close(): Promise<void> }) | undefined;
      before(async () => {
        target = await openTarget(kind, options.doubleOptions ?? {});
      });
      after(async () => {
        await target?.close();
      });
      body(() => {
        if (target === undefined) throw new Error('target not opened');
        return target;
      }, kind);
    });
  }
}

/** Test options that skip a test everywhere but on the double. */
export function doubleOnly(kind: TargetKind): { skip?: string } {
  return kind === 'double' ? {} : { skip: 'exercises a double-only knob or setting' };
}
