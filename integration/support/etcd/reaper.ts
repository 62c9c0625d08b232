/**
 * @module Makes sure no etcd started by the harness outlives the test process. Two layers: children are
 * spawned under `setpriv --pdeathsig KILL`, so the kernel kills them even when this process dies by a
 * signal or SIGKILL; and an `exit` hook kills, by PID, every child that is still tracked here, then
 * removes the temp dirs of servers a test forgot to close.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

process.on('exit', () => {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a process being killed may still be writing into it
    }
  }
});

/** Removes `dir` when the process exits; a no-op for a dir that `close()` already removed. */
export function removeOnExit(dir: string): void {
  dirs.add(dir);
}

/** Tracks `child` until it exits; the `exit` hook above kills it if it is still alive then. */
export function reapOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * The command line that runs `bin` with a parent-death signal when setpriv (util-linux) is present.
 * setpriv execs the target, so the child's PID is etcd's own PID.
 */
export function withParentDeathSignal(bin: string, args: readonly string[]): [string, string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, [...args]];
}
