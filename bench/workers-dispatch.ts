/**
 * How connections should reach the worker threads: `handoff` (the main thread accepts paused
 * sockets and hands each to the pool as a Piscina task) against `reuseport` (every worker listens
 * on the port, the kernel spreads connections). Real `bin/switchyard run` processes with 2 workers,
 * an nginx origin, and wrk on loopback; the modes alternate round by round.
 *
 * Scenarios: keep-alive (64 connections, many requests each); churn (`Connection: close`, one
 * request per connection); and churn again with one worker deliberately slowed (debug API `slow`:
 * busy 40 ms of every 50).
 *
 * Reported per run: requests/s, p50/p99 latency, errors, the whole node's CPU-seconds (all threads)
 * and requests per node CPU-second. Medians over the rounds close the output.
 *
 * Usage: node --enable-experimental-regexp-engine bench/workers-dispatch.ts [seconds=6] [rounds=3]
 * Needs nginx and wrk (Debian: nginx-light wrk). Writes bench/results/workers-dispatch.txt.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 64;
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = fileURLToPath(new URL('../../shared/bench/', import.meta.url));
const MODES = ['handoff', 'reuseport'] as const;
const SCENARIOS = ['keep-alive', 'churn', 'churn, 1 slow worker', 'keep-alive, 1 slow worker'] as const;
type Mode = (typeof MODES)[number];
type Scenario = (typeof SCENARIOS)[number];

interface Result {
  readonly mode: Mode;
  readonly scenario: Scenario;
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  readonly errors: string;
  readonly cpuSeconds: number;
  readonly perCpuSecond: number;
}

const lines: string[] = [];
function print(line: string): void {
  lines.push(line);
  process.stdout.write(`${line}\n`);
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startNode(mode: Mode): Promise<{ child: ChildProcess; web: number; api: number }> {
  const child = spawn(`${ROOT}bin/switchyard`, [
    'run',
    `--providers.file.filename=${SHARED}dynamic.yaml`,
    '--entryPoints.web.address=127.0.0.1:0',
    '--entryPoints.traefik.address=127.0.0.1:0',
    '--ping=true',
    '--workers=2',
    '--log.level=info',
  ], { env: { ...process.env, SY_WORKER_DISPATCH: mode, SY_DEBUG_WORKER_API: '1', SY_DEBUG_WORKER_HEADER: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  // The ports come from the start-up log line.
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => (buffered += d.toString()));
  const ports = await new Promise<{ web: number; api: number }>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"entryPoints":\{"web":(\d+),"traefik":(\d+)\}/.exec(buffered);
      if (match !== null) {
        clearInterval(timer);
        resolve({ web: Number(match[1]), api: Number(match[2]) });
      }
    }, 50);
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
  return { child, ...ports };
}

function wrk(port: number, close: boolean): { requests: number; rps: number; p50: string; p99: string; errors: string } {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', 'Host: bench.local'];
  if (close) args.push('-H', 'Connection: close');
  const out = spawnSync('wrk', [...args, `http://127.0.0.1:${port}/`], { encoding: 'utf8' }).stdout;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const errors = out.split('\n').filter((l) => /Non-2xx|Socket errors/.test(l)).map((l) => l.trim()).join('; ') || 'none';
  return { requests, rps, p50, p99, errors };
}

async function run(mode: Mode, scenario: Scenario): Promise<Result> {
  const node = await startNode(mode);
  try {
    // Warm-up: JIT, upstream pools.
    spawnSync('wrk', ['-t1', '-c16', '-d2s', '-H', 'Host: bench.local', `http://127.0.0.1:${node.web}/`]);
    if (scenario.includes('slow')) {
      const res = await fetch(`http://127.0.0.1:${node.api}/api/debug/workers/1/slow`, { method: 'POST' });
      if (res.status !== 202) throw new Error(`slow: ${res.status}`);
    }
    const before = cpuTicks(node.child.pid!);
    const r = wrk(node.web, scenario.startsWith('churn'));
    const cpuSeconds = (cpuTicks(node.child.pid!) - before) / HZ;
    return { mode, scenario, rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors, cpuSeconds, perCpuSecond: cpuSeconds > 0 ? Math.round(r.requests / cpuSeconds) : 0 };
  } finally {
    const exited = once(node.child, 'exit');
    node.child.kill('SIGTERM');
    await exited;
  }
}

const origin = spawn('nginx', ['-c', `${SHARED}origin-nginx.conf`, '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
mkdirSync('/tmp/switchyard-anchors', { recursive: true });
await new Promise((r) => setTimeout(r, 500));
try {
  print(`workers-dispatch: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`);
  print(`2 workers, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, nginx origin, ${ROUNDS} alternated rounds; cpu-s = the whole node process (main + workers)`);
  print('');
  print(`${'scenario'.padEnd(28)} ${'mode'.padEnd(10)} ${'round'.padStart(5)} ${'req/s'.padStart(9)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'cpu-s'.padStart(6)} ${'req/cpu-s'.padStart(10)}  errors`);
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which mode goes first so drift hits both alike.
      const order = round % 2 === 1 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        const r = await run(mode, scenario);
        results.push(r);
        print(`${scenario.padEnd(28)} ${mode.padEnd(10)} ${String(round).padStart(5)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.padStart(8)} ${r.p99.padStart(8)} ${r.cpuSeconds.toFixed(2).padStart(6)} ${String(r.perCpuSecond).padStart(10)}  ${r.errors}`);
      }
    }
  }
  print('');
  print('medians:');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  for (const scenario of SCENARIOS) {
    for (const mode of MODES) {
      const rs = results.filter((r) => r.mode === mode && r.scenario === scenario);
      print(`  ${scenario.padEnd(28)} ${mode.padEnd(10)} ${median(rs.map((r) => r.rps)).toFixed(0).padStart(8)} req/s ${String(median(rs.map((r) => r.perCpuSecond))).padStart(8)} req/cpu-s  p99 ${rs.map((r) => r.p99).join(' / ')}`);
    }
  }
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/workers-dispatch.txt`, `${lines.join('\n')}\n`);
} finally {
  origin.kill('SIGTERM');
}
