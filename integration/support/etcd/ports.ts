/**
 * @module Free loopback TCP ports, found by binding port 0. The ports are released before etcd binds
 * them, so another process can take one in between: callers retry the start on EADDRINUSE.
 */
import { createServer, type Server } from 'node:net';

/** `count` distinct free ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  // All listeners stay open until every port is known, so the kernel cannot hand out one port twice.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve);
      });
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * Runs `attempt` (which picks fresh ports each time) until it does not fail with a port race:
 * an error whose `code` is `EADDRINUSE`. Any other error, or the last race, is thrown.
 */
export async function retryOnAddressInUse<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts || (error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    }
  }
}
