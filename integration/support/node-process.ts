/**
 * @module Runs `bin/switchyard run` as a real child process for integration tests: finds its ports
 * from its start-up log line, collects its log, and stops it by PID (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly ports: Record<string, number>;
  readonly logs: Record<string, unknown>[];
  /** SIGTERM and wait for the exit code; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startNodeProcess(args: readonly string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  const child = spawn(BIN, ['run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`node did not start in 20 s\n${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`node exited with ${code} before starting\n${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'switchyard node started') {
            clearTimeout(timer);
            resolve(entry.entryPoints as Record<string, number>);
          }
        } catch {
          // not a log line
        }
      }
    });
  });
  return {
    child,
    ports,
    logs,
    async stop(timeoutMs = 15_000) {
      // A process killed by a signal has no exit code, only its signal; either way it is gone.
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}
