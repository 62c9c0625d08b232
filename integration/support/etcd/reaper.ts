/**
 * @module Makes sure no etcd started by the harness outlives the test process. Two layers: children are
 * spawned under `setpriv --pdeathsig KILL`, so the kernel kills them even when this process dies by a
 * signal or SIGKILL; and an `exit` hook kills, by PID, every child that is still tracked here.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const live = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

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
