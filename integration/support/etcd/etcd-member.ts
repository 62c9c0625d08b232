/**
 * @module One etcd process owned by the harness: its command line, its ports and data dir, and its
 * life cycle (spawn, wait until healthy, stop, kill, restart with the same data dir and ports, close).
 * `startEtcd` and `startEtcdCluster` build these; tests see them as `EtcdServer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { etcdctl, type EtcdCredentials, type EtcdctlResult } from './etcdctl.ts';
import type { EtcdctlOptions, EtcdServer, EtcdServerTls } from './etcd-server.ts';
import { EtcdStartError } from './etcd-start-error.ts';
import { isHealthy, servesPeers, type TlsMaterial } from './health.ts';
import type { Pki } from './pki.ts';
import { reapOnExit, withParentDeathSignal } from './reaper.ts';

export const ETCD_BIN = '/usr/bin/etcd';
const OUTPUT_TAIL_CHARS = 16 * 1024;
const POLL_MS = 25;
// Enough for tests that store certificates; far below the 2 GiB default, and nothing is preallocated.
const QUOTA_BACKEND_BYTES = 128 * 1024 * 1024;

export interface MemberSpec {
  readonly name: string;
  /** Owned by this member and removed by `close()`; the data dir is `<dir>/data`. */
  readonly dir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `--initial-cluster`: `name=peerUrl` for every member. Ignored by etcd once the data dir exists. */
  readonly initialCluster: string;
  readonly clusterToken: string;
  readonly pki: Pki | undefined;
  readonly heartbeatMs: number;
  readonly electionMs: number;
  readonly startTimeoutMs: number;
}

export function peerUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export class EtcdMember implements EtcdServer {
  readonly name: string;
  readonly endpoints: readonly string[];
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
  readonly dataDir: string;
  readonly tls: EtcdServerTls | undefined;
  /** Set by the starter once auth is enabled. */
  auth: EtcdCredentials | undefined;
  rootAuth: EtcdCredentials | undefined;

  readonly #spec: MemberSpec;
  readonly #tlsMaterial: TlsMaterial | undefined;
  #child: ChildProcess | undefined;
  #exit: Promise<unknown> = Promise.resolve();
  #output = '';
  #pid = 0;

  constructor(spec: MemberSpec) {
    this.#spec = spec;
    this.name = spec.name;
    const scheme = spec.pki ? 'https' : 'http';
    this.endpoints = [`127.0.0.1:${spec.clientPort}`];
    this.clientUrls = [`${scheme}://127.0.0.1:${spec.clientPort}`];
    this.peerUrls = [peerUrl(spec.peerPort)];
    this.dataDir = join(spec.dir, 'data');
    if (spec.pki) {
      const { ca, client, untrusted } = spec.pki;
      this.tls = { ca, cert: client.cert, key: client.key, untrusted };
      this.#tlsMaterial = { ca: readFileSync(ca), cert: readFileSync(client.cert), key: readFileSync(client.key) };
    }
  }

  get pid(): number {
    return this.#pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  output(): string {
    return this.#output;
  }

  /** Starts the process without waiting for it; `waitHealthy()` does the waiting. */
  spawn(): void {
    if (this.running) throw new Error(`etcd member ${this.name} is already running (pid ${this.#pid})`);
    const [bin, args] = withParentDeathSignal(ETCD_BIN, this.#args());
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exit = once(child, 'exit').catch(() => undefined);
    if (child.pid === undefined) throw new Error(`could not spawn ${ETCD_BIN}`);
    this.#pid = child.pid;
    reapOnExit(child);
    this.#output += `--- ${new Date().toISOString()} started pid ${child.pid}\n`;
    for (const stream of [child.stdout, child.stderr]) {
      stream!.setEncoding('utf8');
      stream!.on('data', (chunk: string) => {
        this.#output = (this.#output + chunk).slice(-OUTPUT_TAIL_CHARS);
      });
      // A test that forgets close() must not hang the run: the reaper kills the process on exit.
      (stream as Socket).unref();
    }
    child.unref();
  }

  /** Polls `/health` until ok. On exit or timeout, kills the process and throws `EtcdStartError`. */
  waitHealthy(timeoutMs = this.#spec.startTimeoutMs): Promise<void> {
    const url = this.clientUrls[0]!;
    return this.#waitUntil((probeMs) => isHealthy(url, this.#tlsMaterial, probeMs), `healthy on ${url}`, timeoutMs);
  }

  /** Polls the peer listener until it serves HTTP; same failure handling as `waitHealthy`. */
  waitServingPeers(timeoutMs = this.#spec.startTimeoutMs): Promise<void> {
    const url = this.peerUrls[0]!;
    return this.#waitUntil((probeMs) => servesPeers(url, probeMs), `serving peers on ${url}`, timeoutMs);
  }

  async #waitUntil(check: (probeMs: number) => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        await this.#exit; // let the last output arrive
        const inUse = /address already in use/.test(this.#output);
        throw new EtcdStartError(inUse ? 'EADDRINUSE' : 'EXITED', this.name, `exited before ${what}`, this.#output);
      }
      // etcd accepts on its ports before it answers, so one probe can hang: it must not outlast the
      // deadline. Its timeout is a timer, which a busy loop runs late: an answer that came after the
      // deadline does not count (a 1 ms deadline once passed with etcd up 30 ms after its spawn).
      if ((await check(Math.max(1, Math.min(1_000, deadline - Date.now())))) && Date.now() <= deadline) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new EtcdStartError('TIMEOUT', this.name, `was not ${what} after ${timeoutMs} ms`, this.#output);
      }
      await sleep(POLL_MS);
    }
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitHealthy();
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!this.running || child === undefined) return;
    child.ref(); // the child is unref'd (see spawn): without this the loop could end before 'exit'
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.#exit;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!this.running || child === undefined) return;
    child.ref();
    child.kill('SIGKILL');
    await this.#exit;
  }

  async restart(): Promise<void> {
    await this.stop();
    // The ports are fixed now (peers know our peer URL), so a port race can only be waited out.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        if (!(error instanceof EtcdStartError && error.code === 'EADDRINUSE' && attempt < 5)) throw error;
        await sleep(200 * attempt);
      }
    }
  }

  etcdctl(args: readonly string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
    const auth = options.auth === false ? undefined : (options.auth ?? this.rootAuth);
    return etcdctl({ clientUrls: this.clientUrls, tls: this.tls, auth }, args, options.timeoutMs);
  }

  async revision(): Promise<number> {
    const result = await this.etcdctl(['endpoint', 'status', '--write-out=json']);
    const match = /"revision":(\d+)/.exec(result.stdout);
    if (result.code !== 0 || match === null) throw new Error(`etcdctl endpoint status failed on ${this.name}: ${result.stderr}`);
    return Number(match[1]);
  }

  async compact(revision?: number): Promise<number> {
    const target = revision ?? (await this.revision());
    // --physical: return only once the old revisions are really gone, so a test can rely on it.
    const result = await this.etcdctl(['compaction', '--physical', String(target)]);
    if (result.code !== 0) throw new Error(`etcdctl compaction ${target} failed on ${this.name}: ${result.stderr}`);
    return target;
  }

  async close(): Promise<void> {
    // SIGKILL: the data is deleted next, so a graceful stop buys nothing, and in a cluster whose
    // members all stop together it costs ~6 s (a stopping leader waits to hand leadership to a peer).
    await this.kill();
    await rm(this.#spec.dir, { recursive: true, force: true });
  }

  #args(): string[] {
    const spec = this.#spec;
    const clientUrl = this.clientUrls[0]!;
    const ownPeerUrl = this.peerUrls[0]!;
    const args = [
      `--name=${spec.name}`,
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${ownPeerUrl}`,
      `--initial-advertise-peer-urls=${ownPeerUrl}`,
      `--initial-cluster=${spec.initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${spec.clusterToken}`,
      `--heartbeat-interval=${spec.heartbeatMs}`,
      `--election-timeout=${spec.electionMs}`,
      `--quota-backend-bytes=${QUOTA_BACKEND_BYTES}`,
      // 3.4 defaults to capnslog at info; zap at warn keeps the output tail about real problems.
      '--logger=zap',
      '--log-level=warn',
      '--log-outputs=stderr',
    ];
    if (spec.pki) {
      args.push(
        '--client-cert-auth',
        `--trusted-ca-file=${spec.pki.ca}`,
        `--cert-file=${spec.pki.server.cert}`,
        `--key-file=${spec.pki.server.key}`,
      );
    }
    return args;
  }
}
