/**
 * Per-core throughput against the anchors, and scaling from one worker thread to two.
 *
 * 1. Anchors: shared/bench/anchors.sh with our node as the project (`--workers=1`, the whole
 *    process pinned to one core like HAProxy and nginx): requests per proxy CPU-second, median of
 *    the alternated rounds, and our ratio to each anchor; the same for wrk's p50 and p99 latency
 *    (medians of the rounds' figures, and round by round against HAProxy's in the same cycle).
 *    Five rounds by default: the node's first round includes its JIT warming up (anchors.sh starts
 *    every proxy a second before round 1), which a median of five sets aside and a median of three
 *    may not.
 * 2. The same anchors with bench/bare-forwarder.ts, Node's ceiling, as the project: the runtime's own
 *    throughput and tail on this machine, to read ours against.
 * 3. Scaling: the same node with 1 and then 2 workers, unpinned (client and origin share the two
 *    cores), alternated rounds: requests/s and requests per node CPU-second.
 *
 * The node runs with the environment it is given: `SY_FAST_PATH=0 node … bench/throughput.ts`
 * measures the full node:http path instead of the default fast path.
 *
 * Usage: node --enable-experimental-regexp-engine bench/throughput.ts [rounds=5] [seconds=8]
 * Needs nginx, haproxy, wrk, taskset. Writes bench/results/throughput.txt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 8);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = fileURLToPath(new URL('../../shared/bench/', import.meta.url));
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const lines: string[] = [];
const print = (line: string): void => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const nodeCommand = (workers: number, port: number) =>
  `${ROOT}bin/switchyard run --providers.file.filename=${SHARED}dynamic.yaml --entryPoints.web.address=127.0.0.1:${port} --workers=${workers} --log.level=warn`;

print(`throughput: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`);
print(`dispatch mode: ${process.env.SY_WORKER_DISPATCH ?? 'handoff (default)'}`);
print(`fast path: ${process.env.SY_FAST_PATH === '0' ? 'off (SY_FAST_PATH=0)' : 'on (default)'}`);
print('');
const switchyard = anchorsRun('switchyard', nodeCommand(1, 9104));
print('');
// The same anchors with Node's ceiling as the project: whatever tail or CPU cost it shows is the
// runtime's, not ours, and each run's ratios to HAProxy make the two runs comparable.
const ceiling = anchorsRun('bare Node forwarder', `${process.execPath} ${ROOT}bench/bare-forwarder.ts 127.0.0.1:9104 127.0.0.1:9001`);
print('');
print('== switchyard against Node\'s ceiling (each as a ratio to HAProxy in its own run) ==');
print(`requests per CPU-second ÷ haproxy: switchyard ${switchyard.throughput.toFixed(2)}, bare Node forwarder ${ceiling.throughput.toFixed(2)}`);
print(`p99 ÷ haproxy p99 (median of the round-by-round ratios): switchyard ${switchyard.p99.toFixed(2)}, bare Node forwarder ${ceiling.p99.toFixed(2)}`);

print('');
print(`== scaling: 1 vs 2 workers, unpinned, wrk -t1 -c64 -d${SECONDS}s keep-alive, ${ROUNDS} alternated rounds ==`);
const origin = spawn('nginx', ['-c', `${SHARED}origin-nginx.conf`, '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
mkdirSync('/tmp/switchyard-anchors', { recursive: true });
await new Promise((r) => setTimeout(r, 500));
const scaling = new Map<number, { rps: number[]; perCpu: number[] }>([[1, { rps: [], perCpu: [] }], [2, { rps: [], perCpu: [] }]]);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const workers of round % 2 === 1 ? [1, 2] : [2, 1]) {
      const child = spawn('bash', ['-c', `exec ${nodeCommand(workers, 9105)}`], { stdio: 'ignore' });
      await waitPort(9105);
      spawnSync('wrk', ['-t1', '-c64', '-d2s', '-H', 'Host: bench.local', 'http://127.0.0.1:9105/']);
      const before = cpuTicks(child.pid!);
      const out = spawnSync('wrk', ['-t1', '-c64', `-d${SECONDS}s`, '-H', 'Host: bench.local', 'http://127.0.0.1:9105/'], { encoding: 'utf8' }).stdout;
      const cpuSeconds = (cpuTicks(child.pid!) - before) / HZ;
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      const perCpu = cpuSeconds > 0 ? Math.round(requests / cpuSeconds) : 0;
      scaling.get(workers)!.rps.push(rps);
      scaling.get(workers)!.perCpu.push(perCpu);
      print(`workers=${workers} round ${round}: ${rps.toFixed(0)} req/s, ${cpuSeconds.toFixed(2)} cpu-s, ${perCpu} req/cpu-s`);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
} finally {
  origin.kill('SIGTERM');
}
const one = scaling.get(1)!;
const two = scaling.get(2)!;
print(`median workers=1: ${median(one.rps).toFixed(0)} req/s, ${median(one.perCpu)} req/cpu-s`);
print(`median workers=2: ${median(two.rps).toFixed(0)} req/s, ${median(two.perCpu)} req/cpu-s`);
print(`2 workers ÷ 1 worker: ${(median(two.rps) / Math.max(1, median(one.rps))).toFixed(2)}× req/s`);
mkdirSync(`${ROOT}bench/results`, { recursive: true });
// The runs before this one stay below it, newest first, so each change's figures can be compared.
const resultFile = `${ROOT}bench/results/throughput.txt`;
const PREVIOUS = '\n== previous run ==\n';
const before = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : '';
writeFileSync(resultFile, `${lines.join('\n')}\n${before === '' ? '' : `${PREVIOUS}${before}`}`);

/**
 * One anchors.sh run with `command` as the project: prints its table, the medians' ratios and the
 * latency comparison; returns the throughput ratio to HAProxy and the median round-by-round p99 ratio.
 */
function anchorsRun(name: string, command: string): { throughput: number; p99: number } {
  print(`== anchors with ${name} as the project (shared/bench/anchors.sh -r ${ROUNDS} -s ${SECONDS}; proxy alone on one core) ==`);
  const anchors = spawnSync('bash', [`${SHARED}anchors.sh`, '-r', String(ROUNDS), '-s', String(SECONDS), '-p', command], { encoding: 'utf8' });
  for (const line of anchors.stdout.trimEnd().split('\n')) print(line);
  const medians = new Map<string, number>();
  for (const m of anchors.stdout.matchAll(/^ {2}(\S+) (\d+)$/gm)) medians.set(m[1]!, Number(m[2]));
  const ours = medians.get('project') ?? 0;
  for (const anchor of ['haproxy', 'nginx', 'caddy']) {
    const theirs = medians.get(anchor);
    if (theirs !== undefined && theirs > 0) print(`${name} ÷ ${anchor}: ${(ours / theirs).toFixed(2)}`);
  }
  // Latency at the same connection count: wrk's p50 and p99 per round (`1.18ms`, `950.00us`).
  const latency = new Map<string, { p50: number[]; p99: number[] }>();
  for (const m of anchors.stdout.matchAll(/^(\S+)\s+\d+\s+[\d.]+\s+[\d.]+\s+\d+\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/gm)) {
    const row = latency.get(m[1]!) ?? { p50: [], p99: [] };
    row.p50.push(milliseconds(Number(m[2]), m[3]!));
    row.p99.push(milliseconds(Number(m[4]), m[5]!));
    latency.set(m[1]!, row);
  }
  const ourLatency = latency.get('project');
  let p99Ratio = Number.NaN;
  if (ourLatency !== undefined) {
    print('median latency, p50 / p99 (wrk, same connection count):');
    for (const [proxy, row] of latency) print(`  ${proxy} ${median(row.p50).toFixed(2)} / ${median(row.p99).toFixed(2)} ms`);
    for (const anchor of ['haproxy', 'nginx']) {
      const theirs = latency.get(anchor);
      if (theirs === undefined) continue;
      const perRound = ourLatency.p99.map((p99, i) => p99 / (theirs.p99[i] ?? Number.NaN));
      if (anchor === 'haproxy') p99Ratio = median(perRound);
      print(`${name} p99 ÷ ${anchor} p99: ${(median(ourLatency.p99) / median(theirs.p99)).toFixed(2)} (medians); round by round ${perRound.map((r) => r.toFixed(2)).join(' ')}`);
    }
  }
  const haproxy = medians.get('haproxy') ?? 0;
  return { throughput: haproxy > 0 ? ours / haproxy : Number.NaN, p99: p99Ratio };
}

function milliseconds(value: number, unit: string): number {
  return unit === 'us' ? value / 1_000 : unit === 's' ? value * 1_000 : value;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`, { headers: { host: 'bench.local' } }).then(() => true, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened`);
}
