/**
 * @module Turns on etcd authentication the way an operator would with etcdctl. etcd refuses
 * `auth enable` until a `root` user exists; etcdctl 3.4 would then add and grant the `root` role by
 * itself, but doing it explicitly keeps the steps visible. The test user gets readwrite on every key.
 */
import { randomBytes } from 'node:crypto';
import type { EtcdCredentials, EtcdctlResult } from './etcdctl.ts';
import type { EtcdctlOptions } from './etcd-server.ts';

/** Anything that can run etcdctl against the (whole) cluster. */
export interface EtcdctlRunner {
  etcdctl(args: readonly string[], options?: EtcdctlOptions): Promise<EtcdctlResult>;
}

/** The role given to the test user: readwrite on `['', ∞)`, i.e. every key. */
export const READWRITE_ALL_ROLE = 'readwrite-all';

/** Creates root and `user`, enables auth, and returns the root credentials (random password). */
export async function enableAuth(target: EtcdctlRunner, user: EtcdCredentials): Promise<EtcdCredentials> {
  if (user.user === 'root') throw new Error('the test user must not be "root": the harness creates root itself');
  const root: EtcdCredentials = { user: 'root', password: randomBytes(12).toString('hex') };
  const steps: string[][] = [
    ['user', 'add', root.user, `--new-user-password=${root.password}`, '--interactive=false'],
    ['role', 'add', 'root'],
    ['user', 'grant-role', root.user, 'root'],
    ['role', 'add', READWRITE_ALL_ROLE],
    // Key '' with --from-key is the range ['', +∞): every key.
    ['role', 'grant-permission', READWRITE_ALL_ROLE, 'readwrite', '', '--from-key'],
    ['user', 'add', user.user, `--new-user-password=${user.password}`, '--interactive=false'],
    ['user', 'grant-role', user.user, READWRITE_ALL_ROLE],
    ['auth', 'enable'],
  ];
  for (const args of steps) {
    const result = await target.etcdctl(args, { auth: false });
    if (result.code !== 0) throw new Error(`etcdctl ${args.slice(0, 3).join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return root;
}
