/**
 * @module Runs one `bin/switchyard <command>` to completion (or to a time limit) and returns its exit
 * code, stdout and stderr, for the cases node-process.ts does not cover: a node that must refuse to
 * start, and the one-shot `check` and `status` commands.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchyard', import.meta.url));

export interface CliResult {
  /** The exit code; null when the time limit killed the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the process was still running at the time limit (and was killed). */
  readonly timedOut: boolean;
}

/** Runs `bin/switchyard ...args`; SIGKILLs it after `timeoutMs` (then `timedOut` is true). */
export function runCli(args: readonly string[], timeoutMs = 20_000, env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
