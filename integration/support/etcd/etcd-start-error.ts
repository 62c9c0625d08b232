/**
 * @module The error thrown when an etcd member does not become healthy. `code` tells a port race
 * (worth retrying with new ports) from a real failure; the message carries the tail of etcd's output.
 */

export type EtcdStartFailure = 'EADDRINUSE' | 'EXITED' | 'TIMEOUT';

export class EtcdStartError extends Error {
  override readonly name = 'EtcdStartError';
  readonly code: EtcdStartFailure;
  readonly member: string;
  /** The last few KB of the member's stdout and stderr. */
  readonly output: string;

  constructor(code: EtcdStartFailure, member: string, detail: string, output: string) {
    super(`etcd member ${member} ${detail} (${code})\n--- etcd output (tail) ---\n${output.trimEnd() || '(none)'}`);
    this.code = code;
    this.member = member;
    this.output = output;
  }
}
