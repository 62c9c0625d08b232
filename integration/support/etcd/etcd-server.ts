/**
 * @module `startEtcd()`: one real etcd 3.4 member on 127.0.0.1 with free ports and a temp data dir,
 * optionally with client-certificate TLS and/or password auth, and the `EtcdServer` handle tests use.
 * Start-up timings are in index.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EtcdClientTls, EtcdCredentials, EtcdctlResult } from './etcdctl.ts';
import { enableAuth } from './enable-auth.ts';
import { EtcdMember, peerUrl } from './etcd-member.ts';
import { createPki, type CertPair } from './pki.ts';
import { freePorts, retryOnAddressInUse } from './ports.ts';
import { removeOnExit } from './reaper.ts';

export interface EtcdOptions {
  /** `'client-cert'`: https client URLs, `--client-cert-auth`, a throwaway CA (see `EtcdServer.tls`). */
  readonly tls?: 'client-cert';
  /** Enable auth with this user (readwrite on every key) plus a root user the harness keeps. */
  readonly auth?: EtcdCredentials;
  /**
   * Raft timing in ms. etcd's defaults are 100 / 1000; the harness uses 10 / 100 for one member (it
   * has no peers to lose, and starts in ~0.1 s instead of ~0.8 s) and 50 / 500 for a cluster.
   * Side effect: etcd's minimum lease TTL is ceil(1.5 × election timeout), so 1 s here where a
   * default-configured server grants at least 2 s.
   */
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  /** How long one member may take to answer `/health` (default 15 s). */
  readonly startTimeoutMs?: number;
}

export interface EtcdServerTls extends EtcdClientTls {
  /** A client certificate from a CA the server does not trust, and that CA. */
  readonly untrusted: CertPair & { readonly ca: string };
}

export interface EtcdctlOptions {
  /** Credentials for etcdctl: default the root user when auth is on; `false` for none. */
  readonly auth?: EtcdCredentials | false;
  readonly timeoutMs?: number;
}

export interface EtcdServer {
  readonly name: string;
  /** `host:port`, as `new Etcd3({ hosts })` takes them. */
  readonly endpoints: readonly string[];
  /** With scheme: `http://…` or `https://…`. */
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
  readonly dataDir: string;
  /** PID of the current (or last) etcd process; changes on restart. */
  readonly pid: number;
  readonly running: boolean;
  /** Client-side TLS files when started with `tls: 'client-cert'`. */
  readonly tls: EtcdServerTls | undefined;
  /** The test user when started with `auth`. */
  readonly auth: EtcdCredentials | undefined;
  /** The root user the harness created to enable auth (etcdctl uses it by default). */
  readonly rootAuth: EtcdCredentials | undefined;
  /** The last 16 KB of etcd's stdout and stderr. */
  output(): string;
  /** SIGTERM, wait for exit; SIGKILL after `timeoutMs` (default 10 s). No-op when not running. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Stop if running, then start again on the same data dir and ports, and wait until healthy. */
  restart(): Promise<void>;
  /** `/usr/bin/etcdctl` with ETCDCTL_API=3 and this member's endpoint, TLS and auth flags. */
  etcdctl(args: readonly string[], options?: EtcdctlOptions): Promise<EtcdctlResult>;
  /** The member's current store revision. */
  revision(): Promise<number>;
  /** `etcdctl compaction --physical` to `revision` (default: the current one); returns it. */
  compact(revision?: number): Promise<number>;
  /**
   * SIGKILL, then remove the temp dir (the data dir and, for a single member, its PKI). No graceful
   * stop: the data is about to go, and in a cluster a stopping leader waits ~6 s for a peer to take over.
   */
  close(): Promise<void>;
}

/** Starts one etcd member and waits until it is healthy (and auth is set up, if asked). */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-etcd-'));
  removeOnExit(dir);
  try {
    const pki = options.tls === 'client-cert' ? await createPki(join(dir, 'pki')) : undefined;
    const member = await retryOnAddressInUse(async () => {
      const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
      const candidate = new EtcdMember({
        name: 'etcd0',
        dir,
        clientPort,
        peerPort,
        initialCluster: `etcd0=${peerUrl(peerPort)}`,
        clusterToken: `switchyard-test-${randomUUID()}`,
        pki,
        heartbeatMs: options.heartbeatMs ?? 10,
        electionMs: options.electionMs ?? 100,
        startTimeoutMs: options.startTimeoutMs ?? 15_000,
      });
      try {
        await candidate.start();
      } catch (error) {
        await candidate.kill();
        await rm(candidate.dataDir, { recursive: true, force: true });
        throw error;
      }
      return candidate;
    });
    if (options.auth) {
      try {
        member.rootAuth = await enableAuth(member, options.auth);
        member.auth = options.auth;
      } catch (error) {
        await member.kill();
        throw error;
      }
    }
    return member;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
