/**
 * @module A real HAProxy (Debian `haproxy`, /usr/sbin/haproxy) for differential tests: started in
 * the foreground (`-db`) on a config file, ready once every given port accepts connections,
 * stopped by PID, and never outliving the test process (parent-death signal + exit hook, as the
 * etcd harness does). Also `haproxy -c`, to check that a file is one HAProxy accepts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { reapOnExit, withParentDeathSignal } from './etcd/reaper.ts';

export const HAPROXY = '/usr/sbin/haproxy';

export interface HaproxyProcess {
  readonly pid: number;
  /** Everything HAProxy printed (alerts and warnings). */
  output(): string;
  /** SIGTERM by PID (HAProxy's hard stop), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startHaproxy(configFile: string, ports: readonly number[], timeoutMs = 10_000): Promise<HaproxyProcess> {
  const [bin, args] = withParentDeathSignal(HAPROXY, ['-db', '-f', configFile]);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  reapOnExit(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  const stop = async (stopTimeoutMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy did not listen on ${port} within ${timeoutMs} ms:\n${output}`);
      }
      await sleep(20);
    }
  }
  return { pid: child.pid!, output: () => output, stop };
}

/** `haproxy -c -f <file>`: exit code and messages. */
export function checkHaproxyConfig(configFile: string, cwd?: string): { ok: boolean; output: string } {
  const r = spawnSync(HAPROXY, ['-c', '-f', configFile], { encoding: 'utf8', cwd, timeout: 20_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
