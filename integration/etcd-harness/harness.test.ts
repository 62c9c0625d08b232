/**
 * The etcd test harness against real etcd 3.4 servers: a single member seen through etcdctl and the
 * etcd3 client, restart, compaction, client-certificate TLS, password auth, a 3-member cluster losing
 * and regaining a member, and no process outliving its owner.
 *
 * The failure cases also pin down what etcd3 1.1.2 (grpc-js 1.14) raises, because the product turns
 * these into operator errors that name the flag at fault. etcd3 rebuilds gRPC errors from the message
 * alone: the instances carry no `code` or `details`, and `name` stays "Error". Match on the class
 * (and the message text for TLS causes):
 *   bad / untrusted client certificate → GRPCUnavailableError, "14 UNAVAILABLE: No connection
 *     established. Last error: …ssl/tls alert bad certificate…SSL alert number 42"
 *   server certificate from an unknown CA → GRPCUnavailableError, "…unable to verify the first certificate…"
 *   wrong password or unknown user → EtcdAuthenticationFailedError, "3 INVALID_ARGUMENT: etcdserver:
 *     authentication failed, invalid user ID or password"
 *   auth on but no credentials given → GRPCInvalidArgumentError, "…etcdserver: user name is empty"
 *   nothing listening → GRPCUnavailableError, "…connect ECONNREFUSED 127.0.0.1:<port>…"; the next
 *     calls within 5 s fail with cockatiel's BrokenCircuitError ("Execution prevented because the
 *     circuit breaker is open"), which hides the cause. UNAVAILABLE counts as recoverable, so TLS
 *     failures trip the breaker the same way.
 *   a listener that never speaks gRPC → no error at all unless a per-call deadline is set (dialTimeout
 *     does not bound it); with one: GRPCDeadlineExceededError, "4 DEADLINE_EXCEEDED: Deadline
 *     exceeded after …", after 3 attempts (the global retry policy re-runs the call).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Etcd3,
  EtcdAuthenticationFailedError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCOutOfRangeError,
  GRPCUnavailableError,
} from 'etcd3';
import {
  EtcdStartError,
  etcd3Options,
  startEtcd,
  startEtcdCluster,
  type EtcdCluster,
  type EtcdServer,
} from '../support/etcd/index.ts';
import { freePorts } from '../support/etcd/ports.ts';

const HARNESS = new URL('../support/etcd/index.ts', import.meta.url).href;
const USER = { user: 'switchyard', password: 'correct horse:battery' };

/** Running or stopped, but not gone and not a zombie (an orphan may wait a while to be reaped). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitDead(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  return !isAlive(pid);
}

describe('single member', { timeout: 60_000 }, () => {
  let etcd: EtcdServer;
  let client: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3(etcd3Options(etcd));
  });
  after(async () => {
    client.close();
    await etcd.close();
  });

  test('etcdctl and the etcd3 client read each other’s writes', async () => {
    assert.match(etcd.endpoints[0]!, /^127\.0\.0\.1:\d+$/);
    assert.equal((await etcd.etcdctl(['put', 'from/etcdctl', 'a'])).code, 0);
    assert.equal(await client.get('from/etcdctl').string(), 'a');
    await client.put('from/etcd3').value('b');
    const got = await etcd.etcdctl(['get', 'from/etcd3', '--print-value-only']);
    assert.deepEqual(got, { stdout: 'b\n', stderr: '', code: 0 });
  });

  test('restart and kill-then-restart keep the data, the ports and the data dir', async () => {
    await client.put('survives').value('yes');
    const { endpoints, dataDir, pid } = etcd;
    await etcd.restart();
    assert.notEqual(etcd.pid, pid);
    assert.deepEqual([etcd.endpoints, etcd.dataDir], [endpoints, dataDir]);
    assert.equal(await client.get('survives').string(), 'yes');

    const second = etcd.pid;
    await etcd.kill();
    assert.equal(etcd.running, false);
    assert.ok(await waitDead(second));
    await etcd.restart();
    assert.equal((await etcd.etcdctl(['get', 'survives', '--print-value-only'])).stdout, 'yes\n');
  });

  test('compact() drops history up to the current revision', async () => {
    await client.put('compacted').value('v1');
    const old = await etcd.revision();
    await client.put('compacted').value('v2');
    const compactedTo = await etcd.compact();
    assert.ok(compactedTo > old);
    assert.equal(await client.get('compacted').string(), 'v2');
    // The client sees a read below the compaction point as OUT_OF_RANGE.
    await assert.rejects(client.get('compacted').revision(old).string(), (error: Error) => {
      assert.ok(error instanceof GRPCOutOfRangeError);
      assert.match(error.message, /required revision has been compacted/);
      return true;
    });
    const viaCtl = await etcd.etcdctl(['get', 'compacted', `--rev=${old}`]);
    assert.notEqual(viaCtl.code, 0);
    assert.match(viaCtl.stderr, /required revision has been compacted/);
  });
});

describe('client-certificate TLS', { timeout: 60_000 }, () => {
  let etcd: EtcdServer;

  before(async () => {
    etcd = await startEtcd({ tls: 'client-cert' });
  });
  after(() => etcd.close());

  test('the etcd3 client with the client certificate connects; etcdctl too', async () => {
    assert.match(etcd.clientUrls[0]!, /^https:\/\/127\.0\.0\.1:\d+$/);
    const tls = etcd.tls!;
    const client = new Etcd3({
      hosts: [...etcd.endpoints],
      credentials: { rootCertificate: readFileSync(tls.ca), certChain: readFileSync(tls.cert), privateKey: readFileSync(tls.key) },
    });
    try {
      await client.put('tls').value('ok');
      assert.equal((await etcd.etcdctl(['get', 'tls', '--print-value-only'])).stdout, 'ok\n');
    } finally {
      client.close();
    }
  });

  test('a client certificate from another CA is refused during the handshake', async () => {
    const { ca, untrusted } = etcd.tls!;
    const client = new Etcd3({
      hosts: [...etcd.endpoints],
      credentials: { rootCertificate: readFileSync(ca), certChain: readFileSync(untrusted.cert), privateKey: readFileSync(untrusted.key) },
    });
    try {
      await assert.rejects(client.get('tls').string(), (error: Error) => {
        assert.ok(error instanceof GRPCUnavailableError, `got ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, /^14 UNAVAILABLE: .*bad certificate/s);
        assert.equal((error as { code?: unknown }).code, undefined);
        return true;
      });
    } finally {
      client.close();
    }
    const viaCtl = await etcd.etcdctl(['get', 'tls'], { timeoutMs: 10_000 });
    assert.equal(viaCtl.code, 0, 'the trusted pair still works');
  });
});

describe('password auth', { timeout: 60_000 }, () => {
  let etcd: EtcdServer;

  before(async () => {
    etcd = await startEtcd({ auth: USER });
  });
  after(() => etcd.close());

  test('the etcd3 client with the user’s credentials reads and writes', async () => {
    assert.deepEqual(etcd.auth, USER);
    const client = new Etcd3(etcd3Options(etcd));
    try {
      await client.put('auth/key').value('v');
      assert.equal(await client.get('auth/key').string(), 'v');
    } finally {
      client.close();
    }
    // etcdctl runs as root by default, and without credentials it is refused.
    assert.equal((await etcd.etcdctl(['get', 'auth/key', '--print-value-only'])).stdout, 'v\n');
    const anonymous = await etcd.etcdctl(['get', 'auth/key'], { auth: false });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /user name is empty/);
  });

  test('a wrong password fails with EtcdAuthenticationFailedError; no credentials with InvalidArgument', async () => {
    const wrong = new Etcd3({ hosts: [...etcd.endpoints], auth: { username: USER.user, password: 'wrong' } });
    const none = new Etcd3({ hosts: [...etcd.endpoints] });
    try {
      await assert.rejects(wrong.get('auth/key').string(), (error: Error) => {
        assert.ok(error instanceof EtcdAuthenticationFailedError, `got ${error.constructor.name}: ${error.message}`);
        assert.equal(error.message, '3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password');
        return true;
      });
      await assert.rejects(none.get('auth/key').string(), (error: Error) => {
        assert.ok(error instanceof GRPCInvalidArgumentError, `got ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, /etcdserver: user name is empty/);
        return true;
      });
    } finally {
      wrong.close();
      none.close();
    }
  });

  test('TLS and auth combine', async () => {
    const both = await startEtcd({ tls: 'client-cert', auth: USER });
    const client = new Etcd3(etcd3Options(both));
    try {
      await client.put('both').value('ok');
      assert.equal((await both.etcdctl(['get', 'both', '--print-value-only'])).stdout, 'ok\n');
    } finally {
      client.close();
      await both.close();
    }
  });
});

describe('unreachable endpoints', { timeout: 60_000 }, () => {
  test('nothing listening: UNAVAILABLE (ECONNREFUSED), then the circuit breaker', async () => {
    const [port] = await freePorts(1);
    const client = new Etcd3({ hosts: [`127.0.0.1:${port}`] });
    try {
      await assert.rejects(client.get('k').string(), (error: Error) => {
        assert.ok(error instanceof GRPCUnavailableError, `got ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
        return true;
      });
      await assert.rejects(client.get('k').string(), (error: Error) => {
        assert.equal(error.constructor.name, 'BrokenCircuitError');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('a listener that never answers: only a call deadline ends the call', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = new Etcd3({ hosts: [`127.0.0.1:${port}`], defaultCallOptions: () => ({ deadline: Date.now() + 200 }) });
    try {
      await assert.rejects(client.get('k').string(), (error: Error) => {
        assert.ok(error instanceof GRPCDeadlineExceededError, `got ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, /^4 DEADLINE_EXCEEDED: Deadline exceeded/);
        return true;
      });
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('3-member cluster', { timeout: 120_000 }, () => {
  let cluster: EtcdCluster;
  let client: Etcd3;

  before(async () => {
    cluster = await startEtcdCluster(3);
    client = new Etcd3(etcd3Options(cluster));
  });
  after(async () => {
    client.close();
    await cluster.close();
  });

  test('members have distinct ports and agree on one leader', async () => {
    assert.equal(cluster.members.length, 3);
    assert.equal(new Set([...cluster.endpoints, ...cluster.members.flatMap((m) => m.peerUrls)]).size, 6);
    const list = await cluster.etcdctl(['member', 'list']);
    assert.equal(list.stdout.trim().split('\n').length, 3);
    assert.ok(cluster.members.includes(await cluster.leader()));
  });

  test('with the leader killed the client still reads and writes; restarted, it rejoins', async () => {
    const leader = await cluster.leader();
    await leader.kill(); // a crash, not a graceful stop: no leadership hand-over
    await cluster.waitHealthy();
    for (let i = 0; i < 10; i++) {
      await client.put(`failover/${i}`).value(String(i));
      assert.equal(await client.get(`failover/${i}`).string(), String(i));
    }
    assert.notEqual(await cluster.leader(), leader);

    await leader.restart();
    // A serializable read is answered from the member's own store: it has caught up with the writes.
    const local = await leader.etcdctl(['get', 'failover/9', '--print-value-only', '--consistency=s']);
    assert.equal(local.stdout, '9\n');
    const health = await cluster.etcdctl(['endpoint', 'health']);
    assert.equal(health.code, 0, health.stderr);
  });
});

describe('process ownership', { timeout: 60_000 }, () => {
  /** Runs `body` in a separate Node process after starting etcd there; resolves with what it reports. */
  function startOwner(body: string): { owner: ChildProcess; started: Promise<{ pid: number; dataDir: string }> } {
    const script = `import { startEtcd } from ${JSON.stringify(HARNESS)};
      const etcd = await startEtcd();
      process.stdout.write(JSON.stringify({ pid: etcd.pid, dataDir: etcd.dataDir }) + '\\n');
      ${body}`;
    const owner = execFile(process.execPath, ['--input-type=module', '-e', script]);
    const started = new Promise<{ pid: number; dataDir: string }>((resolve, reject) => {
      let out = '';
      owner.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; dataDir: string });
      });
      owner.once('exit', (code) => reject(new Error(`owner exited (${code}) before reporting`)));
    });
    return { owner, started };
  }

  test('close() ends the process and removes the temp dir', async () => {
    const etcd = await startEtcd();
    await etcd.close();
    assert.equal(isAlive(etcd.pid), false);
    assert.equal(existsSync(dirname(etcd.dataDir)), false);
  });

  test('a server nobody closed is killed and removed when its process exits', async () => {
    // The owner does nothing more: its event loop empties (etcd does not hold it open), it exits.
    const { owner, started } = startOwner('');
    const { pid, dataDir } = await started;
    const [code] = (await once(owner, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(await waitDead(pid), `etcd ${pid} outlived its owner`);
    assert.equal(existsSync(dirname(dataDir)), false);
  });

  test('etcd dies with its owner even on SIGKILL', async () => {
    const { owner, started } = startOwner('setInterval(() => {}, 1000);');
    const { pid, dataDir } = await started;
    try {
      assert.ok(isAlive(pid));
      owner.kill('SIGKILL');
      assert.ok(await waitDead(pid), `etcd ${pid} outlived its owner`);
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dirname(dataDir), { recursive: true, force: true }); // no exit hook runs on SIGKILL
    }
  });

  test('a member that is not healthy in time fails with EtcdStartError and etcd’s output', async () => {
    await assert.rejects(startEtcd({ startTimeoutMs: 1 }), (error: Error) => {
      assert.ok(error instanceof EtcdStartError);
      assert.equal(error.code, 'TIMEOUT');
      assert.match(error.message, /^etcd member etcd0 was not healthy on http:\/\/127\.0\.0\.1:\d+ after 1 ms \(TIMEOUT\)\n--- etcd output \(tail\) ---\n--- .* started pid \d+/);
      return true;
    });
  });
});
