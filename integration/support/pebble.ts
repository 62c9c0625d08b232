/**
 * @module Pebble, the Let's Encrypt test CA (Debian `pebble`, `pebble-challtestsrv`), for ACME tests:
 * started on 127.0.0.1 with free ports, its own TLS certificate (from the etcd harness's PKI), a
 * DNS server from challtestsrv so that names resolve where a test wants (`setA`), and the issuing
 * root fetched for verifying what it signs. Clients trust Pebble's API through NODE_EXTRA_CA_CERTS
 * (`caFile`). Stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createPki } from './etcd/pki.ts';
import { freePorts } from './etcd/ports.ts';
import { readFile } from 'node:fs/promises';

export interface Pebble {
  /** The ACME directory URL. */
  readonly directory: string;
  /** PEM file of the CA that signed Pebble's own HTTPS certificate (for NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  /** The port Pebble validates HTTP-01 on (nodes must listen there). */
  readonly httpPort: number;
  readonly tlsPort: number;
  /** Makes `host` resolve to `ip` for Pebble's validation requests. */
  setA(host: string, ip: string): Promise<void>;
  /** The root that issues end-entity certificates (PEM). */
  issuingRoot(): Promise<string>;
  /** Stops Pebble and starts it again on the same ports: it forgets every account and order (its state is in memory). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPebble(options: { certificateValidityPeriodSeconds?: number; validationSleepSeconds?: number } = {}): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-pebble-'));
  const pki = await createPki(join(dir, 'pki'));
  const [acmePort, mgmtPort, httpPort, tlsPort, dnsPort, challMgmtPort] = (await freePorts(6)) as [number, number, number, number, number, number];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: pki.server.cert,
      privateKey: pki.server.key,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(options.certificateValidityPeriodSeconds === undefined ? {} : { certificateValidityPeriod: options.certificateValidityPeriodSeconds }),
    },
  };
  await writeFile(join(dir, 'pebble.json'), JSON.stringify(config));
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const start = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    children.push(child);
    return child;
  };
  start('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challMgmtPort}`]);
  // Without a sleep the CA validates at once; with one, an order stays in progress long enough to
  // interrupt it (up to that many seconds, random).
  const va: Record<string, string> = options.validationSleepSeconds === undefined ? { PEBBLE_VA_NOSLEEP: '1' } : { PEBBLE_VA_SLEEPTIME: String(options.validationSleepSeconds) };
  const startCa = () => start('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], { ...va, PEBBLE_WFE_NONCEREJECT: '0' });
  let ca = startCa();
  const agent = new Agent({ connect: { ca: await readFile(pki.ca) } });
  await untilUp();
  /** Waits for the ACME directory and challtestsrv to answer. */
  async function untilUp(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await request(`https://127.0.0.1:${acmePort}/dir`, { dispatcher: agent });
        await res.body.dump();
        const mgmt = await request(`http://127.0.0.1:${challMgmtPort}/add-a`, { method: 'POST', body: JSON.stringify({ host: 'probe.test', addresses: ['127.0.0.1'] }) });
        await mgmt.body.dump();
        if (res.statusCode === 200 && mgmt.statusCode === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`pebble did not start:\n${output.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    directory: `https://127.0.0.1:${acmePort}/dir`,
    caFile: pki.ca,
    httpPort,
    tlsPort,
    async setA(host, ip) {
      const res = await request(`http://127.0.0.1:${challMgmtPort}/add-a`, { method: 'POST', body: JSON.stringify({ host, addresses: [ip] }) });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`challtestsrv add-a ${host}: ${res.statusCode}`);
    },
    async issuingRoot() {
      const res = await request(`https://127.0.0.1:${mgmtPort}/roots/0`, { dispatcher: agent });
      return res.body.text();
    },
    async restart() {
      if (ca.exitCode === null) {
        const exited = new Promise((resolve) => ca.once('exit', resolve));
        ca.kill('SIGKILL');
        await exited;
      }
      ca = startCa();
      await untilUp();
    },
    async close() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
