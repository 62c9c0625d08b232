/**
 * @module Runs `/usr/bin/etcdctl` (API v3) against a harness server with the right endpoint, TLS and
 * auth flags, and returns its output and exit code instead of throwing, so tests can assert on failures.
 */
import { execFile } from 'node:child_process';

export const ETCDCTL_BIN = '/usr/bin/etcdctl';

export interface EtcdCredentials {
  readonly user: string;
  readonly password: string;
}

/** PEM file paths a client presents and trusts. */
export interface EtcdClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** How to reach a server: what etcdctl's global flags are built from. */
export interface EtcdConnection {
  /** With scheme (`https://` when TLS is on), so etcdctl picks the transport from the URL. */
  readonly clientUrls: readonly string[];
  readonly tls?: EtcdClientTls | undefined;
  readonly auth?: EtcdCredentials | undefined;
}

export interface EtcdctlResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code; -1 when etcdctl was killed (e.g. on timeout). */
  readonly code: number;
}

/** Runs `etcdctl <connection flags> <args>`; never rejects on a non-zero exit. */
export function etcdctl(connection: EtcdConnection, args: readonly string[], timeoutMs = 15_000): Promise<EtcdctlResult> {
  const flags = [`--endpoints=${connection.clientUrls.join(',')}`];
  if (connection.tls) {
    flags.push(`--cacert=${connection.tls.ca}`, `--cert=${connection.tls.cert}`, `--key=${connection.tls.key}`);
  }
  if (connection.auth) {
    // --password keeps a password containing ':' intact; `--user=name:password` would split it.
    flags.push(`--user=${connection.auth.user}`, `--password=${connection.auth.password}`);
  }
  return new Promise((resolve, reject) => {
    execFile(
      ETCDCTL_BIN,
      [...flags, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && error.killed !== true) {
          reject(error); // could not run etcdctl at all (ENOENT, EACCES)
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
