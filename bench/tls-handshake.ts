/**
 * TLS handshakes per server CPU-second (ECDSA P-256, TLS 1.3), Switchyard beside nginx on the same
 * machine: full handshakes, resumed ones (session ticket from the same server), and for Switchyard
 * resumed on a DIFFERENT node than the first handshake (two nodes sharing ticket keys through etcd).
 * Each server runs pinned to CPU 1 (Switchyard with one worker thread), the client on CPU 0; server
 * CPU is read from /proc (utime + stime of its whole process). Median of 3 alternated rounds.
 *
 *   node --enable-experimental-regexp-engine bench/tls-handshake.ts [seconds=4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { selfSignedCertificate } from '../src/tls/self-signed.ts';
import { etcd3Options, startEtcd } from '../integration/support/etcd/index.ts';
import { freePorts } from '../integration/support/etcd/ports.ts';

const seconds = Number(process.argv[2] ?? 4);
const dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-bench-'));
const cert = await selfSignedCertificate('bench.test');
await writeFile(join(dir, 'cert.pem'), cert.certPem);
await writeFile(join(dir, 'key.pem'), cert.keyPem);
const [nginxPort, syA, syB, apiA, apiB] = (await freePorts(5)) as [number, number, number, number, number];
await writeFile(join(dir, 'nginx.conf'), `
worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 1024; }
http { access_log off;
  server { listen 127.0.0.1:${nginxPort} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    ssl_protocols TLSv1.3; ssl_session_tickets on; ssl_session_cache off; location / { return 200 "ok"; } } }
`);

const children: ChildProcess[] = [];
const start = (cpu: string, cmd: string, args: string[]) => {
  const child = spawn('taskset', ['-c', cpu, cmd, ...args], { stdio: 'ignore', env: process.env });
  children.push(child);
  return child;
};
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const etcd = await startEtcd();
const client = new Etcd3(etcd3Options(etcd));
await client.put('traefik/tls/certificates/bench/certFile').value(cert.certPem).exec();
await client.put('traefik/tls/certificates/bench/keyFile').value(cert.keyPem).exec();
const nginx = start('1', 'nginx', ['-c', join(dir, 'nginx.conf'), '-g', 'master_process off;']);
const node = (port: number, api: number, id: string) =>
  start('1', 'bin/switchyard', ['run', `--entryPoints.web.address=127.0.0.1:${port}`, `--entryPoints.traefik.address=127.0.0.1:${api}`, '--ping=true', `--providers.etcd.endpoints=${etcd.endpoints[0]}`, '--workers=1', `--cluster.nodeId=${id}`, '--log.level=warn']);
const a = node(syA, apiA, 'bench-a');
const b = node(syB, apiB, 'bench-b');
await new Promise((r) => setTimeout(r, 5_000));

/** utime + stime of the whole process (all its threads), in seconds (USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/** The pid of the real server process under `taskset` (taskset and bin/switchyard exec, so it is the same pid). */
const pidOf = (child: ChildProcess) => child.pid!;

function handshake(port: number, session?: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    const socket = connect({ host: '127.0.0.1', port, servername: 'bench.test', rejectUnauthorized: false, ...(session === undefined ? {} : { session }) });
    socket.on('session', (s: Buffer) => {
      ticket = s;
      socket.end();
    });
    socket.once('secureConnect', () => {
      if (session !== undefined && !socket.isSessionReused()) reject(new Error(`session not resumed on ${port}`));
      if (session !== undefined) socket.end();
    });
    socket.on('close', () => resolve(ticket));
    socket.on('error', reject);
  });
}

async function measure(port: number, serverPid: number, mode: 'full' | 'resumed', ticketFrom = port): Promise<number> {
  const ticket = mode === 'resumed' ? await handshake(ticketFrom) : undefined;
  const c0 = cpuSeconds(serverPid);
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() < until) {
      await handshake(port, ticket);
      count++;
    }
  }));
  const cpu = cpuSeconds(serverPid) - c0;
  return count / Math.max(cpu, 0.01);
}

const scenarios: Array<[string, () => Promise<number>]> = [
  ['nginx full', () => measure(nginxPort, pidOf(nginx), 'full')],
  ['switchyard full', () => measure(syA, pidOf(a), 'full')],
  ['nginx resumed', () => measure(nginxPort, pidOf(nginx), 'resumed')],
  ['switchyard resumed', () => measure(syA, pidOf(a), 'resumed')],
  ['switchyard resumed, other node', () => measure(syB, pidOf(b), 'resumed', syA)],
];
const results = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const [name, run] of scenarios) {
    const value = await run();
    results.set(name, [...(results.get(name) ?? []), value]);
  }
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
console.log(`TLS 1.3 handshakes per server CPU-second (ECDSA P-256, ${seconds} s per run, median of 3, ${new Date().toISOString()}, Node ${process.version})`);
for (const [name] of scenarios) console.log(`  ${name.padEnd(32)} ${median(results.get(name)!).toFixed(0).padStart(7)}`);
const ratio = (x: string, y: string) => (median(results.get(x)!) / median(results.get(y)!)).toFixed(2);
console.log(`  full: switchyard/nginx = ${ratio('switchyard full', 'nginx full')}; resumed: ${ratio('switchyard resumed', 'nginx resumed')}; resumed on another node: ${ratio('switchyard resumed, other node', 'nginx resumed')}`);
client.close();
await etcd.close();
for (const c of children) c.kill('SIGTERM');
process.exit(0);
