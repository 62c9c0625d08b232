/**
 * @module Several Switchyard node processes on one store, and ways to ask them what they serve.
 */
import { Agent, request } from 'undici';
import { startNodeProcess, type NodeProcess } from './node-process.ts';

export const agent = new Agent({ keepAliveTimeout: 1_000, connections: 64 });

export async function startNodes(count: number, flags: readonly string[], perNode: (i: number) => string[] = () => []): Promise<NodeProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startNodeProcess([
        '--entryPoints.web.address=127.0.0.1:0',
        '--entryPoints.traefik.address=127.0.0.1:0',
        '--api.insecure=true',
        '--ping=true',
        '--providers.providersThrottleDuration=2ms',
        '--cluster.lockTTL=2s',
        `--cluster.nodeId=node-${i + 1}`,
        ...flags,
        ...perNode(i),
      ]),
    ),
  );
}

export async function stopNodes(nodes: readonly NodeProcess[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

export async function fetchStatus(node: NodeProcess, host: string, path = '/'): Promise<{ status: number; body: string }> {
  const res = await request(`http://127.0.0.1:${node.ports.web}${path}`, { headers: { host }, dispatcher: agent });
  return { status: res.statusCode, body: await res.body.text() };
}

export async function apiJson<T>(node: NodeProcess, path: string): Promise<T> {
  const res = await request(`http://127.0.0.1:${node.ports.traefik}${path}`, { dispatcher: agent });
  return (await res.body.json()) as T;
}

/** Polls until every node answers `host` with `status` (bounded). */
export async function untilAll(nodes: readonly NodeProcess[], host: string, status: number, timeoutMs = 10_000, path = '/'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    for (;;) {
      const got = await fetchStatus(node, host, path).catch(() => ({ status: 0, body: '' }));
      if (got.status === status) break;
      if (Date.now() > deadline) throw new Error(`node ${node.ports.web} answered ${got.status} for ${host}${path}, expected ${status}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export interface LoadResult {
  sent: number;
  failures: string[];
}

/** Bounded loop of requests to every node until `stop()`; returns what failed. */
export function runLoad(nodes: readonly NodeProcess[], host: string, maxRequests = 50_000): { stop(): Promise<LoadResult> } {
  let stopped = false;
  const result: LoadResult = { sent: 0, failures: [] };
  const worker = async (node: NodeProcess) => {
    while (!stopped && result.sent < maxRequests) {
      result.sent++;
      try {
        const got = await fetchStatus(node, host);
        if (got.status !== 200) result.failures.push(`${got.status} ${got.body.slice(0, 80)}`);
      } catch (error) {
        result.failures.push(String(error));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const running = nodes.flatMap((n) => [worker(n), worker(n)]);
  return {
    async stop() {
      stopped = true;
      await Promise.all(running);
      return result;
    },
  };
}
